package org.sandbox4j.linux;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.sandbox4j.SandboxLaunchException;

/**
 * Reads and writes cgroup files. Writes go through {@code write(2)} directly: one call per
 * value, as cgroupfs wants, and the exact errno for the error message (ENOSPC from an empty
 * cpuset, EBUSY from the no-internal-process rule, ...).
 */
final class CgroupFiles {
  private CgroupFiles() {}

  /** Writes {@code value} to {@code file}; on failure throws naming the file, errno and {@code remedy}. */
  static void write(Path file, String value, String remedy) throws SandboxLaunchException {
    int errno = tryWrite(file, value);
    if (errno != 0) {
      throw writeFailed(file, value, errno, remedy);
    }
  }

  /** The error of a failed write of {@code value} to {@code file}, naming the errno and {@code remedy}. */
  static SandboxLaunchException writeFailed(Path file, String value, int errno, String remedy) {
    return new SandboxLaunchException("cgroup", file.toString(), errno, Errno.name(errno),
        "writing \"" + value.strip() + "\"" + (remedy.isEmpty() ? "" : ": " + remedy));
  }

  /** Writes {@code value}; returns 0 or the errno. */
  static int tryWrite(Path file, String value) {
    LibC libc = LibC.INSTANCE;
    int fd = libc.open(file.toString(), LibC.O_WRONLY | LibC.O_CLOEXEC, 0);
    if (fd < 0) {
      return LibC.errno();
    }
    byte[] bytes = value.getBytes(US_ASCII);
    long written = libc.write(fd, bytes, bytes.length);
    int errno = written == bytes.length ? 0 : written < 0 ? LibC.errno() : LibC.EINVAL;
    libc.close(fd);
    return errno;
  }

  static String read(Path file) throws IOException {
    return Files.readString(file, US_ASCII).strip();
  }

  /** The file as one number; empty when the file does not exist (an older kernel). */
  static OptionalLong readLong(Path file) throws IOException {
    try {
      String text = read(file);
      return OptionalLong.of(text.equals("max") ? Long.MAX_VALUE : Long.parseLong(text));
    } catch (NoSuchFileException absent) {
      return OptionalLong.empty();
    }
  }

  /** The value of {@code key} in a flat-keyed file ({@code key value} lines); 0 when absent. */
  static long readKey(Path file, String key) throws IOException {
    try {
      for (String line : Files.readAllLines(file, US_ASCII)) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length == 2 && parts[0].equals(key)) {
          return Long.parseLong(parts[1]);
        }
      }
      return 0;
    } catch (NoSuchFileException absent) {
      return 0;
    }
  }

  /** Whether a cgroup.procs file lists no process. */
  static boolean empty(Path procs) throws IOException {
    try {
      return read(procs).isEmpty();
    } catch (NoSuchFileException gone) {
      return true;
    }
  }

  /** SIGKILLs every process listed in {@code procs}; returns how many were listed. */
  static int killAll(Path procs) throws IOException {
    String text;
    try {
      text = read(procs);
    } catch (NoSuchFileException gone) {
      return 0;
    }
    int n = 0;
    for (String pid : text.split("\\s+")) {
      if (!pid.isEmpty()) {
        LibC.INSTANCE.kill(Integer.parseInt(pid), LibC.SIGKILL);
        n++;
      }
    }
    return n;
  }

  /** Removes a cgroup directory if it is empty (no process, no child); false when it is still there. */
  static boolean tryRemoveEmpty(Path directory) {
    try {
      Files.deleteIfExists(directory);
      return true;
    } catch (IOException busy) {
      return false;
    }
  }

  /** Removes a cgroup directory, retrying while the kernel still finishes off its last tasks. */
  static boolean remove(Path directory) throws InterruptedException {
    for (int attempt = 0; attempt < 200; attempt++) {
      try {
        Files.deleteIfExists(directory);
        return true;
      } catch (IOException busy) {
        Thread.sleep(5);
      }
    }
    return false;
  }
}
