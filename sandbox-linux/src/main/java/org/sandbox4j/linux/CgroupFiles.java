package org.sandbox4j.linux;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
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

  /** Every {@code key value} line of a flat-keyed file (memory.stat, cpu.stat); empty when the file does not exist. */
  static Map<String, Long> readFlatKeyed(Path file) throws IOException {
    Map<String, Long> values = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(file, US_ASCII)) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length == 2) {
          try {
            values.put(parts[0], Long.parseLong(parts[1]));
          } catch (NumberFormatException notANumber) {
            // a key whose value is not one number (none of those read here)
          }
        }
      }
    } catch (NoSuchFileException absent) {
      // an older kernel, or a controller not enabled here
    }
    return values;
  }

  /**
   * The lowest limit in {@code file} over {@code cgroup} and its ancestors (cgroup v2 has no
   * hierarchical summary like v1's {@code hierarchical_memory_limit}); the walk stops where
   * the file ends (the root cgroup has no limit files). Empty when none is set.
   */
  static OptionalLong lowestLimitUpwards(Path cgroup, String file) throws IOException {
    OptionalLong lowest = OptionalLong.empty();
    for (Path dir = cgroup; dir != null; dir = dir.getParent()) {
      OptionalLong value = readLong(dir.resolve(file));
      if (value.isEmpty()) {
        break;
      }
      lowest = ProcViewReadings.lower(lowest, ProcViewReadings.limit(value.getAsLong()));
    }
    return lowest;
  }

  /**
   * At most this many tasks' states are read per reading: a {@code /proc/<tid>/status} read
   * costs some microseconds on the view server's one thread, and a fork bomb must not stall
   * it. A sandbox with more tasks than this is still counted whole (the list is read whole:
   * {@code processes} in the view's stat, the total in its loadavg), but only the first
   * ones listed are seen running or blocked: its {@code procs_running},
   * {@code procs_blocked} and load average count those alone and can be too low, and the
   * highest pid in its loadavg is the highest among them.
   */
  static final int MAX_TASK_STATES = 256;

  /**
   * The tasks listed (one tid per line) in {@code list} (v1 {@code tasks}, v2
   * {@code cgroup.threads}), each with its state and inner pid from
   * {@code <procRoot>/<tid>/status}. A task that ends while it is read is not counted.
   */
  static ProcViewReadings.Tasks readTasks(Path list, Path procRoot) throws IOException {
    String text;
    try {
      text = read(list);
    } catch (NoSuchFileException gone) {
      return ProcViewReadings.Tasks.NONE;
    }
    if (text.isEmpty()) {
      return ProcViewReadings.Tasks.NONE;
    }
    String[] tids = text.split("\\s+");
    int total = tids.length;
    int[] innerPids = new int[Math.min(total, MAX_TASK_STATES)];
    byte[] states = new byte[innerPids.length];
    int read = 0;
    for (int i = 0; i < tids.length && read < innerPids.length; i++) {
      String status;
      try {
        status = Files.readString(procRoot.resolve(tids[i]).resolve("status"), US_ASCII);
      } catch (IOException ended) {
        total--;
        continue;
      }
      states[read] = (byte) stateOf(status);
      innerPids[read] = innerPidOf(status);
      read++;
    }
    return new ProcViewReadings.Tasks(Math.max(total, read), Arrays.copyOf(innerPids, read),
        Arrays.copyOf(states, read));
  }

  /** The state letter of "State:\tR (running)"; '?' when absent. */
  static char stateOf(String status) {
    String value = field(status, "State:");
    return value.isEmpty() ? '?' : value.charAt(0);
  }

  /** The last number of "NSpid:\t4711\t2": the pid in the task's own namespace; 0 when absent. */
  static int innerPidOf(String status) {
    String[] pids = field(status, "NSpid:").split("\\s+");
    try {
      return Integer.parseInt(pids[pids.length - 1]);
    } catch (NumberFormatException absent) {
      return 0;
    }
  }

  private static String field(String status, String key) {
    int at = status.startsWith(key) ? 0 : status.indexOf("\n" + key);
    if (at < 0) {
      return "";
    }
    int start = status.indexOf(key, at) + key.length();
    int end = status.indexOf('\n', start);
    return status.substring(start, end < 0 ? status.length() : end).strip();
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
