package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A complete, tiny root file system: Debian's static busybox and its applet links, with
 * the mount points a sandbox needs. {@code .ci/run} installs busybox-static.
 */
final class BusyboxRootfs {
  static final Path BUSYBOX = Path.of("/bin/busybox");

  private BusyboxRootfs() {}

  static Path create(Path directory) throws IOException, InterruptedException {
    assertThat(BUSYBOX).as("busybox-static must be installed (apt-get install busybox-static)").exists();
    Path bin = Files.createDirectories(directory.resolve("bin"));
    Files.copy(BUSYBOX, bin.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
    Process list = new ProcessBuilder(BUSYBOX.toString(), "--list").start();
    for (String applet : new String(list.getInputStream().readAllBytes()).split("\n")) {
      if (!applet.isBlank() && !applet.equals("busybox")) {
        Files.createSymbolicLink(bin.resolve(applet.trim()), Path.of("busybox"));
      }
    }
    assertThat(list.waitFor()).isZero();
    for (String dir : new String[] {"proc", "dev", "tmp", "etc", "data", "work"}) {
      Files.createDirectories(directory.resolve(dir));
    }
    Files.writeString(directory.resolve("etc/marker"), "busybox rootfs\n");
    return directory;
  }
}
