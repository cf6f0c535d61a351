package org.sandbox4j.linux;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The attack programs of {@link AdversarialTest}: the C sources under
 * {@code src/test/resources/attacks}, compiled with {@code gcc -static} so that they run in
 * any root file system, whatever C library it has.
 */
final class AttackPrograms {
  private AttackPrograms() {}

  /** Compiles every attack into {@code directory} (created 0755, so any uid can run them). */
  static Path compile(Path directory) throws IOException, InterruptedException, URISyntaxException {
    Path sources = Path.of(AttackPrograms.class.getResource("/attacks/attack.h").toURI()).getParent();
    Files.createDirectories(directory);
    Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
    List<Path> cFiles;
    try (Stream<Path> files = Files.list(sources)) {
      cFiles = files.filter(f -> f.toString().endsWith(".c")).sorted().collect(Collectors.toList());
    }
    // All at once: gcc is single-threaded and a static link takes a while.
    List<Process> builds = new ArrayList<>();
    for (Path c : cFiles) {
      String name = c.getFileName().toString().replaceFirst("\\.c$", "");
      builds.add(new ProcessBuilder("gcc", "-static", "-O1", "-Wall", "-o",
          directory.resolve(name).toString(), c.toString()).redirectErrorStream(true).start());
    }
    for (int i = 0; i < builds.size(); i++) {
      Process gcc = builds.get(i);
      String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (gcc.waitFor() != 0) {
        throw new IllegalStateException("gcc -static failed on " + cFiles.get(i) + " (is libc6-dev installed?):\n"
            + output);
      }
    }
    return directory;
  }
}
