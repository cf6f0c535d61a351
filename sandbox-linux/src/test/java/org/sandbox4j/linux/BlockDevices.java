package org.sandbox4j.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The whole disk a path lives on, as block I/O throttling needs it. */
final class BlockDevices {
  private BlockDevices() {}

  static Path diskHolding(Path path) throws IOException {
    long dev = (Long) Files.getAttribute(path, "unix:dev");
    int major = (int) (((dev >>> 32) & 0xfffff000L) | ((dev >>> 8) & 0xfffL));
    int minor = (int) (((dev >>> 12) & 0xffffff00L) | (dev & 0xffL));
    Path sys = Path.of("/sys/dev/block/" + major + ":" + minor).toRealPath();
    if (Files.exists(sys.resolve("partition"))) {
      sys = sys.getParent(); // throttling applies to whole disks
    }
    for (String line : Files.readAllLines(sys.resolve("uevent"))) {
      if (line.startsWith("DEVNAME=")) {
        return Path.of("/dev", line.substring("DEVNAME=".length()));
      }
    }
    throw new IOException("no device name for " + sys);
  }
}
