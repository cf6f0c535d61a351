package org.sandbox4j.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sandbox4j.ResourceLimits;

/**
 * The files of a {@code /proc} view, rendered from a {@link ProcViewModel}, the run's
 * {@link ProcViewReadings} and the few {@link ProcViewHost} facts a view may use. Pure
 * functions in the kernel's formats (same keys, order and alignment), so the usual parsers
 * ({@code free}, {@code top}, {@code nproc}, JVMs, Python's {@code os.cpu_count}) read
 * them as they read the real ones.
 */
final class ProcViewFiles {
  private ProcViewFiles() {}

  /** The files of the view's root, in listing order, as the helper binds them. */
  enum File {
    MEMINFO("meminfo"),
    CPUINFO("cpuinfo"),
    STAT("stat"),
    UPTIME("uptime"),
    LOADAVG("loadavg"),
    SWAPS("swaps"),
    /** {@code /sys/devices/system/cpu/online}, {@code possible} and {@code present}. */
    CPUS("cpus");

    final String fileName;

    File(String fileName) {
      this.fileName = fileName;
    }

    /** Whether the file shows the cgroup's counters (memory, swap, CPU time). */
    boolean usesCounters() {
      return this == MEMINFO || this == STAT || this == UPTIME || this == SWAPS;
    }

    /** Whether the file shows the tasks' states, which cost a file read per task. */
    boolean usesTasks() {
      return this == STAT || this == LOADAVG;
    }

    /** Whether the file shows host facts: its totals (meminfo, swaps) or its cpuinfo. */
    boolean usesHost() {
      return this == MEMINFO || this == SWAPS || this == CPUINFO;
    }

    /** Whether the file moves with the clock alone (uptime, idle time, load average). */
    boolean usesTime() {
      return this == STAT || this == UPTIME || this == LOADAVG;
    }

    /** Whether the file depends on who reads it (the reader counts as running). */
    boolean usesRequester() {
      return this == STAT || this == LOADAVG;
    }

    /** The file named {@code name}; throws for a name the view does not serve. */
    static File named(String name) {
      for (File file : values()) {
        if (file.fileName.equals(name)) {
          return file;
        }
      }
      throw new IllegalArgumentException("no /proc view file \"" + name + "\"");
    }
  }

  /**
   * File {@code name} of a static view: a sandbox with {@code limits} as it is at launch
   * (nothing used, no task yet, up for 0 s, its boot time now), written once into the
   * sandbox instead of served.
   */
  static String snapshot(String name, ResourceLimits limits) {
    File file = File.named(name);
    long now = Kernel.bootTimeNanos();
    ProcViewModel model = ProcViewModel.of(limits, Optional.empty(), now, ProcViewModel.jvmCpus());
    ProcViewHost host;
    try {
      host = ProcViewHost.current();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the host's /proc/meminfo or /proc/cpuinfo", e);
    }
    return render(file, model, ProcViewReadings.NONE, host, now, new ProcViewLoad(now), 0);
  }

  /**
   * File {@code file} of {@code model} at {@code nowBootNanos}; {@code load} is advanced to
   * then. Of {@code r} only what the file uses is read ({@link File#usesCounters()},
   * {@link File#usesTasks()}); {@code host} may be null for a file that uses none
   * ({@link File#usesHost()}).
   */
  static String render(File file, ProcViewModel model, ProcViewReadings r, ProcViewHost host, long nowBootNanos,
      ProcViewLoad load, int requesterPid) {
    switch (file) {
      case MEMINFO:
        return meminfo(model, r, host);
      case CPUINFO:
        return cpuinfo(model, host.cpuinfo());
      case STAT:
        return stat(model, r, nowBootNanos, requesterPid);
      case UPTIME:
        return uptime(model, r, nowBootNanos);
      case LOADAVG:
        load.advance(nowBootNanos, r.tasks().active());
        return loadavg(load, r.tasks(), requesterPid);
      case SWAPS:
        return swaps(model, r, host);
      case CPUS:
        return cpus(model);
      default:
        throw new IllegalArgumentException("no file " + file);
    }
  }

  /** {@code /proc/stat} and {@code /proc/uptime} count in USER_HZ, 100 on every architecture. */
  static final long NANOS_PER_TICK = 10_000_000L;
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  // ---- meminfo ----

  /**
   * {@code /proc/meminfo} of the sandbox: MemTotal is its limit (capped by the host's
   * memory and any ancestor's limit), MemFree what of it is not charged, MemAvailable that
   * plus what reclaim could free (clean page cache, reclaimable slab). Every other value is
   * the cgroup's own, or 0 where the cgroup does not account it; none is the host's.
   */
  static String meminfo(ProcViewModel model, ProcViewReadings r, ProcViewHost host) {
    long total = memTotal(model, r, host);
    long used = Math.min(r.memoryUsageBytes(), total);
    long free = total - used;
    long file = stat(r, ProcViewReadings.MemoryStat.FILE);
    long shmem = stat(r, ProcViewReadings.MemoryStat.SHMEM);
    long slabReclaimable = stat(r, ProcViewReadings.MemoryStat.SLAB_RECLAIMABLE);
    long slabUnreclaimable = stat(r, ProcViewReadings.MemoryStat.SLAB_UNRECLAIMABLE);
    long available = Math.min(total, free + Math.max(0, file - shmem) + slabReclaimable);
    long swapCached = stat(r, ProcViewReadings.MemoryStat.SWAP_CACHED);
    long activeAnon = stat(r, ProcViewReadings.MemoryStat.ACTIVE_ANON);
    long inactiveAnon = stat(r, ProcViewReadings.MemoryStat.INACTIVE_ANON);
    long activeFile = stat(r, ProcViewReadings.MemoryStat.ACTIVE_FILE);
    long inactiveFile = stat(r, ProcViewReadings.MemoryStat.INACTIVE_FILE);
    long swapTotal = swapTotal(model, r, host);
    long swapFree = swapTotal - Math.min(r.swapUsageBytes(), swapTotal);

    StringBuilder s = new StringBuilder(2048);
    kb(s, "MemTotal", total);
    kb(s, "MemFree", free);
    kb(s, "MemAvailable", available);
    kb(s, "Buffers", 0); // block device buffers are not charged apart from the page cache
    // The kernel's Cached is the page cache (shmem included) less the swap cache.
    kb(s, "Cached", Math.max(0, file - swapCached));
    kb(s, "SwapCached", swapCached);
    kb(s, "Active", activeAnon + activeFile);
    kb(s, "Inactive", inactiveAnon + inactiveFile);
    kb(s, "Active(anon)", activeAnon);
    kb(s, "Inactive(anon)", inactiveAnon);
    kb(s, "Active(file)", activeFile);
    kb(s, "Inactive(file)", inactiveFile);
    kb(s, "Unevictable", stat(r, ProcViewReadings.MemoryStat.UNEVICTABLE));
    kb(s, "Mlocked", 0);
    kb(s, "SwapTotal", swapTotal);
    kb(s, "SwapFree", swapFree);
    kb(s, "Zswap", stat(r, ProcViewReadings.MemoryStat.ZSWAP));
    kb(s, "Zswapped", stat(r, ProcViewReadings.MemoryStat.ZSWAPPED));
    kb(s, "Dirty", stat(r, ProcViewReadings.MemoryStat.DIRTY));
    kb(s, "Writeback", stat(r, ProcViewReadings.MemoryStat.WRITEBACK));
    kb(s, "AnonPages", stat(r, ProcViewReadings.MemoryStat.ANON));
    kb(s, "Mapped", stat(r, ProcViewReadings.MemoryStat.MAPPED));
    kb(s, "Shmem", shmem);
    kb(s, "KReclaimable", slabReclaimable);
    kb(s, "Slab", slabReclaimable + slabUnreclaimable);
    kb(s, "SReclaimable", slabReclaimable);
    kb(s, "SUnreclaim", slabUnreclaimable);
    kb(s, "KernelStack", stat(r, ProcViewReadings.MemoryStat.KERNEL_STACK));
    kb(s, "PageTables", stat(r, ProcViewReadings.MemoryStat.PAGE_TABLES));
    kb(s, "SecPageTables", stat(r, ProcViewReadings.MemoryStat.SEC_PAGE_TABLES));
    kb(s, "NFS_Unstable", 0);
    kb(s, "Bounce", 0);
    kb(s, "WritebackTmp", 0);
    kb(s, "CommitLimit", 0);
    kb(s, "Committed_AS", 0);
    kb(s, "VmallocTotal", 0);
    kb(s, "VmallocUsed", 0);
    kb(s, "VmallocChunk", 0);
    kb(s, "Percpu", stat(r, ProcViewReadings.MemoryStat.PERCPU));
    kb(s, "AnonHugePages", stat(r, ProcViewReadings.MemoryStat.ANON_HUGE));
    kb(s, "ShmemHugePages", stat(r, ProcViewReadings.MemoryStat.SHMEM_HUGE));
    kb(s, "ShmemPmdMapped", 0);
    kb(s, "FileHugePages", stat(r, ProcViewReadings.MemoryStat.FILE_HUGE));
    kb(s, "FilePmdMapped", 0);
    count(s, "HugePages_Total", 0);
    count(s, "HugePages_Free", 0);
    count(s, "HugePages_Rsvd", 0);
    count(s, "HugePages_Surp", 0);
    kb(s, "Hugepagesize", host.hugePageBytes());
    kb(s, "Hugetlb", 0);
    return s.toString();
  }

  /** The memory a view shows as its total: the lowest of its limit, inherited limits and the host's memory. */
  static long memTotal(ProcViewModel model, ProcViewReadings r, ProcViewHost host) {
    long total = host.memTotalBytes();
    if (model.memoryLimitBytes().isPresent()) {
      total = Math.min(total, model.memoryLimitBytes().getAsLong());
    }
    if (r.memoryLimitBytes().isPresent()) {
      total = Math.min(total, r.memoryLimitBytes().getAsLong());
    }
    return total;
  }

  /** The swap a view shows as its total: its allowance, capped by inherited limits and the host's swap. */
  static long swapTotal(ProcViewModel model, ProcViewReadings r, ProcViewHost host) {
    long total = host.swapTotalBytes();
    if (model.swapLimitBytes().isPresent()) {
      total = Math.min(total, model.swapLimitBytes().getAsLong());
    }
    if (r.swapLimitBytes().isPresent()) {
      total = Math.min(total, r.swapLimitBytes().getAsLong());
    }
    return total;
  }

  private static long stat(ProcViewReadings r, ProcViewReadings.MemoryStat key) {
    return r.memoryStat(key);
  }

  /** "MemTotal:         524288 kB": the label padded to 16, the value right-aligned in 8, as show_val_kb. */
  private static void kb(StringBuilder s, String key, long bytes) {
    count(s, key, bytes / 1024);
    s.setLength(s.length() - 1);
    s.append(" kB\n");
  }

  private static void count(StringBuilder s, String key, long value) {
    String label = key + ":";
    s.append(label);
    for (int i = label.length(); i < 16; i++) {
      s.append(' ');
    }
    String number = Long.toString(value);
    for (int i = number.length(); i < 8; i++) {
      s.append(' ');
    }
    s.append(number).append('\n');
  }

  // ---- cpuinfo ----

  /**
   * The host's {@code /proc/cpuinfo} blocks of the visible CPUs, renumbered 0..N-1, each a
   * core of one package of N cores. Works on any layout of "key : value" blocks with a
   * {@code processor} line per CPU (x86, arm64, ppc64, riscv); lines outside CPU blocks
   * stay, except a machine's serial number.
   */
  static String cpuinfo(ProcViewModel model, String hostCpuinfo) {
    List<List<String>> blocks = blocks(hostCpuinfo);
    List<List<String>> before = new ArrayList<>();
    List<List<String>> after = new ArrayList<>();
    Map<Integer, List<String>> byCpu = new java.util.HashMap<>();
    List<String> firstCpuBlock = null;
    for (List<String> block : blocks) {
      int cpu = processorOf(block);
      if (cpu >= 0) {
        byCpu.putIfAbsent(cpu, block);
        if (firstCpuBlock == null) {
          firstCpuBlock = block;
        }
      } else if (firstCpuBlock == null) {
        before.add(block);
      } else {
        after.add(block);
      }
    }
    StringBuilder s = new StringBuilder();
    for (List<String> block : before) {
      appendBlock(s, block);
    }
    if (firstCpuBlock != null) {
      int n = model.cpuCount();
      for (int i = 0; i < n; i++) {
        List<String> block = byCpu.getOrDefault(model.visibleCpus().get(i), firstCpuBlock);
        appendBlock(s, renumber(block, i, n));
      }
    }
    for (List<String> block : after) {
      List<String> kept = new ArrayList<>();
      for (String line : block) {
        if (!keyOf(line).equalsIgnoreCase("Serial")) {
          kept.add(line);
        }
      }
      if (!kept.isEmpty()) {
        appendBlock(s, kept);
      }
    }
    return s.toString();
  }

  /** Lines grouped by blank lines. */
  private static List<List<String>> blocks(String text) {
    List<List<String>> blocks = new ArrayList<>();
    List<String> current = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      if (line.isBlank()) {
        if (!current.isEmpty()) {
          blocks.add(current);
          current = new ArrayList<>();
        }
      } else {
        current.add(line);
      }
    }
    if (!current.isEmpty()) {
      blocks.add(current);
    }
    return blocks;
  }

  private static void appendBlock(StringBuilder s, List<String> block) {
    for (String line : block) {
      s.append(line).append('\n');
    }
    s.append('\n');
  }

  /** The host CPU a block describes ("processor : 3"), or -1 when it is no CPU block. */
  private static int processorOf(List<String> block) {
    for (String line : block) {
      if (keyOf(line).equals("processor")) {
        try {
          return Integer.parseInt(valueOf(line));
        } catch (NumberFormatException notACpuNumber) {
          return -1;
        }
      }
    }
    return -1;
  }

  private static String keyOf(String line) {
    int colon = line.indexOf(':');
    return colon < 0 ? line.strip() : line.substring(0, colon).strip();
  }

  private static String valueOf(String line) {
    int colon = line.indexOf(':');
    return colon < 0 ? "" : line.substring(colon + 1).strip();
  }

  /** CPU {@code index} of {@code count}: its numbers rewritten, each CPU one core of package 0. */
  private static List<String> renumber(List<String> block, int index, int count) {
    List<String> lines = new ArrayList<>(block.size());
    for (String line : block) {
      String replacement;
      switch (keyOf(line)) {
        case "processor":
        case "core id":
        case "apicid":
        case "initial apicid":
          replacement = Integer.toString(index);
          break;
        case "physical id":
          replacement = "0";
          break;
        case "siblings":
        case "cpu cores":
          replacement = Integer.toString(count);
          break;
        default:
          replacement = null;
      }
      lines.add(replacement == null ? line : line.substring(0, line.indexOf(':') + 1) + " " + replacement);
    }
    return lines;
  }

  // ---- stat, uptime ----

  /**
   * CPU time per visible CPU (nanoseconds), summing to the cgroup's total: per host CPU where
   * the cgroup says (v1), a visible CPU keeping its own host CPU's time and the time spent on
   * CPUs the view does not show spread evenly; else the total spread evenly.
   */
  static long[] busyNanosPerCpu(ProcViewModel model, ProcViewReadings r) {
    int n = model.cpuCount();
    long[] busy = new long[n];
    Map<Integer, Long> perHostCpu = r.cpuUsageNanosByHostCpu();
    long unplaced;
    if (perHostCpu.isEmpty()) {
      unplaced = r.cpuUserNanos() + r.cpuSystemNanos();
    } else {
      unplaced = 0;
      for (Map.Entry<Integer, Long> e : perHostCpu.entrySet()) {
        int at = model.visibleCpus().indexOf(e.getKey());
        if (at >= 0) {
          busy[at] += e.getValue();
        } else {
          unplaced += e.getValue();
        }
      }
    }
    for (int i = 0; i < n; i++) {
      busy[i] += unplaced / n + (i < unplaced % n ? 1 : 0);
    }
    return busy;
  }

  /**
   * {@code /proc/stat}: per CPU user, system and idle ticks (idle = uptime - busy, never
   * negative), then the counters the sandbox has: btime, its tasks. Interrupts, context
   * switches and softirqs are the host's and shown as 0.
   */
  static String stat(ProcViewModel model, ProcViewReadings r, long nowBootNanos, int requesterPid) {
    int n = model.cpuCount();
    long uptime = uptimeNanos(model, nowBootNanos);
    long[] busy = busyNanosPerCpu(model, r);
    long userAndSystem = r.cpuUserNanos() + r.cpuSystemNanos();
    double userShare = userAndSystem == 0 ? 1.0 : (double) r.cpuUserNanos() / userAndSystem;
    long[][] ticks = new long[n][3];
    long[] sum = new long[3];
    for (int i = 0; i < n; i++) {
      long user = Math.round(busy[i] * userShare);
      ticks[i][0] = user / NANOS_PER_TICK;
      ticks[i][1] = (busy[i] - user) / NANOS_PER_TICK;
      ticks[i][2] = Math.max(0, uptime - busy[i]) / NANOS_PER_TICK;
      for (int k = 0; k < 3; k++) {
        sum[k] += ticks[i][k];
      }
    }
    StringBuilder s = new StringBuilder(256 + 64 * n);
    cpuLine(s.append("cpu "), sum);
    for (int i = 0; i < n; i++) {
      cpuLine(s.append("cpu").append(i), ticks[i]);
    }
    ProcViewReadings.Tasks tasks = r.tasks();
    s.append("intr 0\n");
    s.append("ctxt 0\n");
    s.append("btime ").append(model.startEpochSeconds()).append('\n');
    // Forks since the start are not counted by any cgroup; the tasks alive are a lower bound.
    s.append("processes ").append(tasks.total()).append('\n');
    s.append("procs_running ").append(tasks.running(requesterPid)).append('\n');
    s.append("procs_blocked ").append(tasks.blocked(requesterPid)).append('\n');
    s.append("softirq 0 0 0 0 0 0 0 0 0 0 0\n");
    return s.toString();
  }

  /** user nice system idle iowait irq softirq steal guest guest_nice. */
  private static void cpuLine(StringBuilder s, long[] userSystemIdle) {
    s.append(' ').append(userSystemIdle[0]).append(" 0 ").append(userSystemIdle[1]).append(' ')
        .append(userSystemIdle[2]).append(" 0 0 0 0 0 0\n");
  }

  static long uptimeNanos(ProcViewModel model, long nowBootNanos) {
    return Math.max(0, nowBootNanos - model.originBootNanos());
  }

  /** {@code /proc/uptime}: seconds since the run's start, and the idle time of its CPUs together. */
  static String uptime(ProcViewModel model, ProcViewReadings r, long nowBootNanos) {
    long uptime = uptimeNanos(model, nowBootNanos);
    long idle = 0;
    for (long busy : busyNanosPerCpu(model, r)) {
      idle += Math.max(0, uptime - busy);
    }
    return seconds(uptime) + " " + seconds(idle) + "\n";
  }

  /** "12.34": whole seconds and truncated hundredths, as the kernel prints uptime. */
  private static String seconds(long nanos) {
    long centis = (nanos % NANOS_PER_SECOND) / NANOS_PER_TICK;
    return (nanos / NANOS_PER_SECOND) + "." + (centis < 10 ? "0" : "") + centis;
  }

  // ---- loadavg, swaps, cpus ----

  /** {@code /proc/loadavg}: the view's averages, running/total tasks, the highest pid inside. */
  static String loadavg(ProcViewLoad load, ProcViewReadings.Tasks tasks, int requesterPid) {
    return load.format() + " " + tasks.running(requesterPid) + "/" + tasks.total() + " " + tasks.maxInnerPid() + "\n";
  }

  static final String SWAPS_HEADER = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";

  /**
   * {@code /proc/swaps}: the header alone when the sandbox may not swap, else one line with
   * its swap allowance and use (the same numbers as SwapTotal and SwapFree), in the
   * kernel's columns; "none", type "virtual": no device of the sandbox's own.
   */
  static String swaps(ProcViewModel model, ProcViewReadings r, ProcViewHost host) {
    long totalKb = swapTotal(model, r, host) / 1024;
    if (totalKb == 0) {
      return SWAPS_HEADER;
    }
    long usedKb = Math.min(r.swapUsageBytes() / 1024, totalKb);
    String name = "none";
    StringBuilder s = new StringBuilder(SWAPS_HEADER).append(name);
    for (int i = name.length(); i < 40; i++) {
      s.append(' ');
    }
    s.append("virtual\t").append('\t').append(totalKb).append('\t').append(totalKb < 10_000_000 ? "\t" : "")
        .append(usedKb).append('\t').append(usedKb < 10_000_000 ? "\t" : "").append("-2\n");
    return s.toString();
  }

  /** {@code /sys/devices/system/cpu/online} (and possible, present): "0\n" or "0-3\n". */
  static String cpus(ProcViewModel model) {
    int n = model.cpuCount();
    return (n == 1 ? "0" : "0-" + (n - 1)) + "\n";
  }
}
