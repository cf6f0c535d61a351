package org.sandbox4j.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Facts about the host, read from its /proc: what tests check is left behind. */
final class HostProcesses {
  private HostProcesses() {}

  /** Pids of every host process whose command line contains {@code marker}. */
  static List<Long> withCommandLineContaining(String marker) {
    List<Long> pids = new ArrayList<>();
    try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path dir : proc) {
        try {
          String cmdline = new String(Files.readAllBytes(dir.resolve("cmdline")), StandardCharsets.UTF_8)
              .replace('\0', ' ');
          if (cmdline.contains(marker) && !isZombie(dir)) {
            pids.add(Long.parseLong(dir.getFileName().toString()));
          }
        } catch (IOException vanished) {
          // the process ended while we looked
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return pids;
  }

  private static boolean isZombie(Path dir) throws IOException {
    for (String line : Files.readAllLines(dir.resolve("status"))) {
      if (line.startsWith("State:")) {
        return line.contains("Z");
      }
    }
    return false;
  }

  /** Waits up to {@code millis} for no process with {@code marker} to remain; returns those left. */
  static List<Long> awaitNoneContaining(String marker, long millis) throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000;
    List<Long> left = withCommandLineContaining(marker);
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
      left = withCommandLineContaining(marker);
    }
    return left;
  }

  /**
   * Open fds of this JVM that a launch could leak: pipes, sockets, anonymous inodes, memfds
   * and other files, but not the class path's jars, which the JVM opens lazily when it first
   * loads a class from one (whichever test happens to be first).
   */
  static int openFileDescriptors() throws IOException {
    int count = 0;
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        try {
          if (!Files.readSymbolicLink(fd).toString().endsWith(".jar")) {
            count++;
          }
        } catch (IOException closedMeanwhile) {
          // the listing's own directory fd, or one closed while we looked
        }
      }
    }
    return count;
  }

  static List<String> mounts() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mountinfo"));
  }

  /** A unique number to put in a command line, so a test finds exactly its own processes. */
  static String marker() {
    return Long.toString(100000 + (long) (Math.random() * 800000));
  }
}
