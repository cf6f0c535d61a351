package org.sandbox4j.linux;

import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * What a sandbox's cgroup says now, normalized over cgroup v1 and v2: the numbers a
 * {@code /proc} view renders. Immutable. Byte values are bytes, times nanoseconds.
 */
final class ProcViewReadings {
  /**
   * Where a view's readings come from: a run cgroup, read anew each time. The counters and
   * the tasks are read apart: the tasks cost a file per task, and only {@code stat} and
   * {@code loadavg} show them, so a view reads them far less often.
   */
  interface Source {
    /** Memory, swap and CPU time now; the tasks are not read ({@link Tasks#NONE}). */
    ProcViewReadings viewReadings() throws IOException;

    /** The tasks now, each with its state; none where a source cannot say. */
    default Tasks viewTasks() throws IOException {
      return Tasks.NONE;
    }
  }

  /**
   * The {@code memory.stat} values a view shows, with their v1 and v2 names. v1 keys are
   * read as their hierarchical {@code total_} form; null where a version has no such value
   * (cgroup v1 accounts no slab, kernel stack or page tables per cgroup).
   */
  enum MemoryStat {
    ANON("rss", "anon"),
    FILE("cache", "file"),
    SHMEM("shmem", "shmem"),
    MAPPED("mapped_file", "file_mapped"),
    DIRTY("dirty", "file_dirty"),
    WRITEBACK("writeback", "file_writeback"),
    ACTIVE_ANON("active_anon", "active_anon"),
    INACTIVE_ANON("inactive_anon", "inactive_anon"),
    ACTIVE_FILE("active_file", "active_file"),
    INACTIVE_FILE("inactive_file", "inactive_file"),
    UNEVICTABLE("unevictable", "unevictable"),
    SWAP_CACHED("swapcached", "swapcached"),
    ANON_HUGE("rss_huge", "anon_thp"),
    SHMEM_HUGE(null, "shmem_thp"),
    FILE_HUGE(null, "file_thp"),
    SLAB_RECLAIMABLE(null, "slab_reclaimable"),
    SLAB_UNRECLAIMABLE(null, "slab_unreclaimable"),
    KERNEL_STACK(null, "kernel_stack"),
    PAGE_TABLES(null, "pagetables"),
    SEC_PAGE_TABLES(null, "sec_pagetables"),
    PERCPU(null, "percpu"),
    ZSWAP(null, "zswap"),
    ZSWAPPED(null, "zswapped");

    final String v1Key;
    final String v2Key;

    MemoryStat(String v1Key, String v2Key) {
      this.v1Key = v1Key;
      this.v2Key = v2Key;
    }
  }

  /**
   * The sandbox's tasks (threads) now: how many there are and the state and inner pid of
   * each, sorted by inner pid. The inner pid is the last {@code NSpid} entry, the number the
   * sandbox knows the task by and the one FUSE names a requester by; 0 where unknown.
   */
  static final class Tasks {
    static final Tasks NONE = new Tasks(0, new int[0], new byte[0]);

    private final int total;
    private final int[] innerPids;
    private final byte[] states;

    /** {@code total} may exceed the tasks whose state was read (a reader's cap). */
    Tasks(int total, int[] innerPids, byte[] states) {
      if (innerPids.length != states.length || total < innerPids.length) {
        throw new IllegalArgumentException(total + " tasks, " + innerPids.length + " pids, " + states.length
            + " states");
      }
      Integer[] order = new Integer[innerPids.length];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Integer.compare(innerPids[a], innerPids[b]));
      this.total = total;
      this.innerPids = new int[order.length];
      this.states = new byte[order.length];
      for (int i = 0; i < order.length; i++) {
        this.innerPids[i] = innerPids[order[i]];
        this.states[i] = states[order[i]];
      }
    }

    int total() {
      return total;
    }

    /** Running tasks (state R), counting {@code requesterPid} as running: a reader of /proc/stat runs. */
    int running(int requesterPid) {
      int running = count('R');
      char requester = stateOf(requesterPid);
      return requester != 0 && requester != 'R' ? running + 1 : running;
    }

    /** Tasks in uninterruptible sleep (state D), except the requester, which is running. */
    int blocked(int requesterPid) {
      int blocked = count('D');
      return stateOf(requesterPid) == 'D' ? blocked - 1 : blocked;
    }

    /** What the kernel's load average counts: running plus uninterruptible. */
    int active() {
      return count('R') + count('D');
    }

    /** The highest inner pid; 0 when none is known. */
    int maxInnerPid() {
      return innerPids.length == 0 ? 0 : Math.max(0, innerPids[innerPids.length - 1]);
    }

    private int count(char state) {
      int n = 0;
      for (byte s : states) {
        if (s == state) {
          n++;
        }
      }
      return n;
    }

    /** The state of the task with this inner pid; 0 when it is not one of ours. */
    private char stateOf(int innerPid) {
      if (innerPid <= 0) {
        return 0;
      }
      int at = Arrays.binarySearch(innerPids, innerPid);
      return at < 0 ? 0 : (char) states[at];
    }
  }

  /** A cgroup's limit this large or more is no limit (v1 writes "unlimited" as 2^63 rounded to pages). */
  static final long UNLIMITED_FROM = 1L << 62;

  /** Nothing used, nothing known: what a view without a source renders. */
  static final ProcViewReadings NONE = builder().build();

  private final long memoryUsageBytes;
  private final OptionalLong memoryLimitBytes;
  private final Map<MemoryStat, Long> memoryStat;
  private final long swapUsageBytes;
  private final OptionalLong swapLimitBytes;
  private final long cpuUserNanos;
  private final long cpuSystemNanos;
  private final Map<Integer, Long> cpuUsageNanosByHostCpu;
  private final Tasks tasks;

  private ProcViewReadings(Builder b) {
    this.memoryUsageBytes = b.memoryUsageBytes;
    this.memoryLimitBytes = b.memoryLimitBytes;
    this.memoryStat = Collections.unmodifiableMap(new EnumMap<>(b.memoryStat));
    this.swapUsageBytes = b.swapUsageBytes;
    this.swapLimitBytes = b.swapLimitBytes;
    this.cpuUserNanos = b.cpuUserNanos;
    this.cpuSystemNanos = b.cpuSystemNanos;
    this.cpuUsageNanosByHostCpu = Collections.unmodifiableMap(new TreeMap<>(b.cpuUsageNanosByHostCpu));
    this.tasks = b.tasks;
  }

  static Builder builder() {
    return new Builder();
  }

  /** Memory charged to the cgroup (v1 {@code memory.usage_in_bytes}, v2 {@code memory.current}). */
  long memoryUsageBytes() {
    return memoryUsageBytes;
  }

  /**
   * The memory limit in force, the cgroup's own or an ancestor's, whichever is lower (v1
   * {@code hierarchical_memory_limit}); empty when none is.
   */
  OptionalLong memoryLimitBytes() {
    return memoryLimitBytes;
  }

  /** A {@code memory.stat} value in bytes; 0 where the cgroup version does not account it. */
  long memoryStat(MemoryStat key) {
    return memoryStat.getOrDefault(key, 0L);
  }

  long swapUsageBytes() {
    return swapUsageBytes;
  }

  /** The swap limit in force, own or inherited; empty when none is. */
  OptionalLong swapLimitBytes() {
    return swapLimitBytes;
  }

  long cpuUserNanos() {
    return cpuUserNanos;
  }

  long cpuSystemNanos() {
    return cpuSystemNanos;
  }

  /** CPU time per host CPU (v1 {@code cpuacct.usage_percpu}); empty where the cgroup does not say. */
  Map<Integer, Long> cpuUsageNanosByHostCpu() {
    return cpuUsageNanosByHostCpu;
  }

  Tasks tasks() {
    return tasks;
  }

  /** These readings with {@code value} as their tasks. */
  ProcViewReadings withTasks(Tasks value) {
    if (value == tasks) {
      return this;
    }
    Builder b = builder().memoryUsageBytes(memoryUsageBytes).memoryLimitBytes(memoryLimitBytes)
        .memoryStat(memoryStat).swapUsageBytes(swapUsageBytes).swapLimitBytes(swapLimitBytes)
        .cpuNanos(cpuUserNanos, cpuSystemNanos).tasks(value);
    cpuUsageNanosByHostCpu.forEach(b::cpuUsageNanos);
    return b.build();
  }

  /**
   * The normalized {@code memory.stat} of a cgroup of {@code version} from its flat-keyed
   * values; v1 prefers each key's hierarchical {@code total_} form.
   */
  static Map<MemoryStat, Long> memoryStat(int version, Map<String, Long> flat) {
    Map<MemoryStat, Long> stat = new EnumMap<>(MemoryStat.class);
    for (MemoryStat key : MemoryStat.values()) {
      Long value;
      if (version == 1) {
        value = key.v1Key == null ? null : flat.getOrDefault("total_" + key.v1Key, flat.get(key.v1Key));
      } else {
        value = key.v2Key == null ? null : flat.get(key.v2Key);
      }
      if (value != null) {
        stat.put(key, Math.max(0, value));
      }
    }
    return stat;
  }

  /** A limit as read from a cgroup file, empty when it is "max" or as good as no limit. */
  static OptionalLong limit(long value) {
    return value < 0 || value >= UNLIMITED_FROM ? OptionalLong.empty() : OptionalLong.of(value);
  }

  /** The lower of two optional limits. */
  static OptionalLong lower(OptionalLong a, OptionalLong b) {
    if (a.isEmpty()) {
      return b;
    }
    if (b.isEmpty()) {
      return a;
    }
    return OptionalLong.of(Math.min(a.getAsLong(), b.getAsLong()));
  }

  static final class Builder {
    private long memoryUsageBytes;
    private OptionalLong memoryLimitBytes = OptionalLong.empty();
    private final Map<MemoryStat, Long> memoryStat = new EnumMap<>(MemoryStat.class);
    private long swapUsageBytes;
    private OptionalLong swapLimitBytes = OptionalLong.empty();
    private long cpuUserNanos;
    private long cpuSystemNanos;
    private final Map<Integer, Long> cpuUsageNanosByHostCpu = new TreeMap<>();
    private Tasks tasks = Tasks.NONE;

    Builder memoryUsageBytes(long bytes) {
      memoryUsageBytes = nonNegative("memoryUsageBytes", bytes);
      return this;
    }

    Builder memoryLimitBytes(OptionalLong bytes) {
      memoryLimitBytes = bytes;
      return this;
    }

    Builder memoryStat(MemoryStat key, long bytes) {
      memoryStat.put(key, nonNegative(key.name(), bytes));
      return this;
    }

    Builder memoryStat(Map<MemoryStat, Long> values) {
      values.forEach(this::memoryStat);
      return this;
    }

    Builder swapUsageBytes(long bytes) {
      swapUsageBytes = nonNegative("swapUsageBytes", bytes);
      return this;
    }

    Builder swapLimitBytes(OptionalLong bytes) {
      swapLimitBytes = bytes;
      return this;
    }

    Builder cpuNanos(long user, long system) {
      cpuUserNanos = nonNegative("cpuUserNanos", user);
      cpuSystemNanos = nonNegative("cpuSystemNanos", system);
      return this;
    }

    Builder cpuUsageNanos(int hostCpu, long nanos) {
      cpuUsageNanosByHostCpu.put(hostCpu, nonNegative("cpu" + hostCpu, nanos));
      return this;
    }

    Builder tasks(Tasks value) {
      tasks = value;
      return this;
    }

    ProcViewReadings build() {
      return new ProcViewReadings(this);
    }

    private static long nonNegative(String what, long value) {
      if (value < 0) {
        throw new IllegalArgumentException(what + " must not be negative, was " + value);
      }
      return value;
    }
  }
}
