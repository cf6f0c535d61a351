package org.sandbox4j;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSortedSet;
import com.google.common.collect.Maps;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a sandbox may use: cgroup limits over all its processes together (memory, CPU
 * bandwidth, cpuset, pids, block I/O), the CPU-time and output limits the helper and the
 * JVM enforce, and per-process rlimits. Immutable; set through {@link Sandbox.Builder}.
 */
public final class ResourceLimits {
  /** The CPU period when a quota is given without one, as the kernel's default. */
  public static final Duration DEFAULT_CPU_PERIOD = Duration.ofMillis(100);
  /** Below this no program starts; a smaller memory limit is a mistake. */
  public static final DataSize MIN_MEMORY = DataSize.ofMebibytes(1);
  private static final int MAX_CPU = 8191;

  private final DataSize memory;
  private final DataSize memorySoft;
  private final DataSize swap;
  private final Duration cpuQuota;
  private final Duration cpuPeriod;
  private final SortedSet<Integer> cpus;
  private final SortedSet<Integer> memoryNodes;
  private final Integer pids;
  private final List<IoThrottle> io;
  private final Duration cpuTime;
  private final DataSize output;
  private final Map<Rlimit, long[]> rlimits;
  private final boolean unenforcedAllowed;

  private ResourceLimits(Builder b) {
    this.memory = b.memory;
    this.memorySoft = b.memorySoft;
    this.swap = b.swap;
    this.cpuQuota = b.cpuQuota;
    this.cpuPeriod = b.cpuQuota == null ? null : b.cpuPeriod == null ? DEFAULT_CPU_PERIOD : b.cpuPeriod;
    this.cpus = b.cpus == null ? null : ImmutableSortedSet.copyOf(b.cpus);
    this.memoryNodes = b.memoryNodes == null ? null : ImmutableSortedSet.copyOf(b.memoryNodes);
    this.pids = b.pids;
    this.io = ImmutableList.copyOf(b.io);
    this.cpuTime = b.cpuTime;
    this.output = b.output;
    EnumMap<Rlimit, long[]> r = new EnumMap<>(Rlimit.class);
    r.put(Rlimit.CORE, new long[] {0, 0}); // no core dumps unless asked for
    b.rlimits.forEach((k, v) -> r.put(k, v.clone()));
    this.rlimits = Collections.unmodifiableMap(r);
    this.unenforcedAllowed = b.unenforcedAllowed;
  }

  /** The memory limit of all the sandbox's processes together. */
  public Optional<DataSize> memory() {
    return Optional.ofNullable(memory);
  }

  /** The soft limit: memory the kernel reclaims first under pressure. */
  public Optional<DataSize> memorySoft() {
    return Optional.ofNullable(memorySoft);
  }

  /** Swap the sandbox may use; 0 (swap off) unless set. Applies only with a memory limit. */
  public DataSize swap() {
    return swap == null ? DataSize.ofBytes(0) : swap;
  }

  /** CPU time per {@link #cpuPeriod()} the sandbox may use (bandwidth), e.g. 20 ms per 100 ms. */
  public Optional<Duration> cpuQuota() {
    return Optional.ofNullable(cpuQuota);
  }

  /** The period of the CPU quota; present exactly when the quota is. */
  public Optional<Duration> cpuPeriod() {
    return Optional.ofNullable(cpuPeriod);
  }

  /** The CPUs the sandbox may run on (cpuset); empty means the parent cgroup's. */
  public Optional<SortedSet<Integer>> cpus() {
    return Optional.ofNullable(cpus);
  }

  /** The memory nodes the sandbox may allocate on (cpuset); empty means the parent cgroup's. */
  public Optional<SortedSet<Integer>> memoryNodes() {
    return Optional.ofNullable(memoryNodes);
  }

  /** Most processes and threads alive at once in the sandbox. */
  public OptionalInt pids() {
    return pids == null ? OptionalInt.empty() : OptionalInt.of(pids);
  }

  public List<IoThrottle> io() {
    return io;
  }

  /** CPU time of all the sandbox's processes together, enforced by the helper. */
  public Optional<Duration> cpuTime() {
    return Optional.ofNullable(cpuTime);
  }

  /** Bytes the program may write to its stdout and stderr pipes together. */
  public Optional<DataSize> output() {
    return Optional.ofNullable(output);
  }

  /** Per-process limits as {@code {soft, hard}} ({@link Rlimit#UNLIMITED} for none); CORE is 0 by default. */
  public Map<Rlimit, long[]> rlimits() {
    return Maps.transformValues(rlimits, long[]::clone);
  }

  /**
   * Whether these limits give the sandbox a smaller machine than the host: a memory limit,
   * a CPU quota or a cpuset. Such a sandbox gets a {@link ProcView} unless told otherwise.
   */
  public boolean shapesMachine() {
    return memory != null || cpuQuota != null || cpus != null;
  }

  /**
   * Whether a limit this host cannot enforce may be left out of the run, and listed in
   * {@link SandboxResult#unenforcedLimits()}, instead of failing the launch.
   */
  public boolean unenforcedAllowed() {
    return unenforcedAllowed;
  }

  /**
   * These limits without those that need a cgroup (memory, CPU bandwidth, cpuset, pids, block
   * I/O, CPU time): what a provider that has no cgroup still enforces once the caller allowed
   * unenforced limits. The output limit and the rlimits stay.
   */
  public ResourceLimits withoutCgroupLimits() {
    Builder b = new Builder();
    b.output = output;
    rlimits.forEach((k, v) -> b.rlimits.put(k, v.clone()));
    b.unenforcedAllowed = unenforcedAllowed;
    return new ResourceLimits(b);
  }

  /** Whether anything here needs a cgroup. */
  public boolean needsCgroup() {
    return memory != null || memorySoft != null || cpuQuota != null || cpus != null || memoryNodes != null
        || pids != null || !io.isEmpty() || cpuTime != null;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ResourceLimits)) {
      return false;
    }
    ResourceLimits l = (ResourceLimits) o;
    return Objects.equals(memory, l.memory) && Objects.equals(memorySoft, l.memorySoft)
        && Objects.equals(swap, l.swap) && Objects.equals(cpuQuota, l.cpuQuota)
        && Objects.equals(cpuPeriod, l.cpuPeriod) && Objects.equals(cpus, l.cpus)
        && Objects.equals(memoryNodes, l.memoryNodes) && Objects.equals(pids, l.pids) && io.equals(l.io)
        && Objects.equals(cpuTime, l.cpuTime) && Objects.equals(output, l.output)
        && rlimitList().equals(l.rlimitList()) && unenforcedAllowed == l.unenforcedAllowed;
  }

  @Override
  public int hashCode() {
    return Objects.hash(memory, memorySoft, swap, cpuQuota, cpuPeriod, cpus, memoryNodes, pids, io, cpuTime, output,
        rlimitList(), unenforcedAllowed);
  }

  /** The rlimits as comparable values (arrays compare by identity). */
  private List<List<Long>> rlimitList() {
    List<List<Long>> list = new ArrayList<>();
    rlimits.forEach((k, v) -> list.add(List.of((long) k.ordinal(), v[0], v[1])));
    return list;
  }

  @Override
  public String toString() {
    return "ResourceLimits" + describe();
  }

  /** One line per limit that is set, for {@link Sandbox#describe()} and plans. */
  List<String> describe() {
    List<String> lines = new ArrayList<>();
    if (memory != null) {
      lines.add("memory: " + memory + (swap().toBytes() == 0 ? ", no swap" : ", swap " + swap())
          + (memorySoft != null ? ", soft limit " + memorySoft : ""));
    } else if (memorySoft != null) {
      lines.add("memory: soft limit " + memorySoft);
    }
    if (cpuQuota != null) {
      lines.add("CPU bandwidth: " + cpuQuota.toNanos() / 1000 + " us per " + cpuPeriod.toNanos() / 1000 + " us");
    }
    if (cpus != null) {
      lines.add("cpuset: CPUs " + formatList(cpus));
    }
    if (memoryNodes != null) {
      lines.add("cpuset: memory nodes " + formatList(memoryNodes));
    }
    if (pids != null) {
      lines.add("pids: at most " + pids);
    }
    io.forEach(t -> lines.add("io: " + t));
    if (cpuTime != null) {
      lines.add("CPU time: " + cpuTime);
    }
    if (output != null) {
      lines.add("output: " + output + " on stdout and stderr together");
    }
    rlimits.forEach((k, v) -> lines.add("rlimit " + k + ": " + format(v[0]) + (v[0] == v[1] ? "" : " (hard " + format(v[1]) + ")")));
    if (unenforcedAllowed) {
      lines.add("unenforced limits allowed: a limit this host cannot enforce is listed in the result, not a launch"
          + " error");
    }
    return lines;
  }

  private static String format(long value) {
    return value == Rlimit.UNLIMITED ? "unlimited" : Long.toString(value);
  }

  /** {@code 0-3,8} for {0,1,2,3,8}: the kernel's list format. */
  static String formatList(SortedSet<Integer> ids) {
    StringBuilder s = new StringBuilder();
    Integer start = null;
    Integer previous = null;
    for (int id : ids) {
      if (previous != null && id == previous + 1) {
        previous = id;
        continue;
      }
      appendRange(s, start, previous);
      start = id;
      previous = id;
    }
    appendRange(s, start, previous);
    return s.toString();
  }

  private static void appendRange(StringBuilder s, Integer start, Integer end) {
    if (start == null) {
      return;
    }
    if (s.length() > 0) {
      s.append(',');
    }
    s.append(start);
    if (!start.equals(end)) {
      s.append('-').append(end);
    }
  }

  /** Parses the kernel's list format ({@code 0-3,8}) for {@code option}. */
  static SortedSet<Integer> parseList(String option, String text) {
    requireNonNull(text, option);
    SortedSet<Integer> ids = new TreeSet<>();
    checkArgument(!text.isBlank(), "%s: empty list \"%s\" (expected e.g. 0-3,8)", option, text);
    for (String part : text.trim().split(",", -1)) {
      String[] bounds = part.trim().split("-", -1);
      checkArgument(bounds.length <= 2, "%s: \"%s\" is not a list like 0-3,8", option, text);
      try {
        int from = Integer.parseInt(bounds[0].trim());
        int to = bounds.length == 2 ? Integer.parseInt(bounds[1].trim()) : from;
        checkArgument(from >= 0 && to >= from && to <= MAX_CPU,
            "%s: bad range \"%s\" in \"%s\"", option, part, text);
        for (int id = from; id <= to; id++) {
          ids.add(id);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + ": \"" + text + "\" is not a list like 0-3,8", e);
      }
    }
    return ids;
  }

  /** Collects limits for {@link Sandbox.Builder}; validates each at once. */
  static final class Builder {
    private DataSize memory;
    private DataSize memorySoft;
    private DataSize swap;
    private Duration cpuQuota;
    private Duration cpuPeriod;
    private boolean quotaFromCpus;
    private double cpuQuotaCpus;
    private SortedSet<Integer> cpus;
    private SortedSet<Integer> memoryNodes;
    private Integer pids;
    private final List<IoThrottle> io = new ArrayList<>();
    private Duration cpuTime;
    private DataSize output;
    private final EnumMap<Rlimit, long[]> rlimits = new EnumMap<>(Rlimit.class);
    private boolean unenforcedAllowed;

    void memory(DataSize value) {
      requireNonNull(value, "memoryLimit");
      checkState(memory == null, "memoryLimit was already set to %s", memory);
      checkArgument(value.compareTo(MIN_MEMORY) >= 0, "memoryLimit must be at least %s, was %s", MIN_MEMORY, value);
      memory = value;
    }

    void memorySoft(DataSize value) {
      requireNonNull(value, "memorySoftLimit");
      checkState(memorySoft == null, "memorySoftLimit was already set to %s", memorySoft);
      checkArgument(value.toBytes() > 0, "memorySoftLimit must be positive, was %s", value);
      memorySoft = value;
    }

    void swap(DataSize value) {
      requireNonNull(value, "swapLimit");
      checkState(swap == null, "swapLimit was already set to %s", swap);
      swap = value;
    }

    void cpuQuota(Duration value) {
      requireNonNull(value, "cpuQuota");
      checkState(!quotaFromCpus, "cpus(%s) already sets the CPU quota; give one of cpus and cpuQuota", cpuQuotaCpus);
      checkState(cpuQuota == null, "cpuQuota was already set to %s", cpuQuota);
      checkArgument(value.compareTo(Duration.ofMillis(1)) >= 0, "cpuQuota must be at least 1ms, was %s", value);
      cpuQuota = value;
    }

    void cpuPeriod(Duration value) {
      requireNonNull(value, "cpuPeriod");
      checkState(cpuPeriod == null, "cpuPeriod was already set to %s", cpuPeriod);
      checkArgument(value.compareTo(Duration.ofMillis(1)) >= 0 && value.compareTo(Duration.ofSeconds(1)) <= 0,
          "cpuPeriod must be between 1ms and 1s, was %s", value);
      cpuPeriod = value;
    }

    void cpus(double value) {
      checkArgument(value >= 0.01 && value <= MAX_CPU + 1 && !Double.isNaN(value),
          "cpus must be between 0.01 and %s, was %s", (Object) (MAX_CPU + 1), value);
      checkState(cpuQuota == null, "cpuQuota(%s) already sets the CPU quota; give one of cpus and cpuQuota", cpuQuota);
      checkState(!quotaFromCpus, "cpus was already set to %s", cpuQuotaCpus);
      quotaFromCpus = true;
      cpuQuotaCpus = value;
    }

    void cpuset(String list) {
      checkState(cpus == null, "cpuset was already set to %s", cpus == null ? "" : formatList(cpus));
      cpus = parseList("cpuset", list);
    }

    void memoryNodes(String list) {
      checkState(memoryNodes == null, "memoryNodes was already set to %s",
          memoryNodes == null ? "" : formatList(memoryNodes));
      memoryNodes = parseList("memoryNodes", list);
    }

    void pids(int value) {
      checkState(pids == null, "pidsLimit was already set to %s", pids);
      checkArgument(value >= 1, "pidsLimit must be at least 1, was %s", value);
      pids = value;
    }

    void io(IoThrottle throttle) {
      requireNonNull(throttle, "throttle");
      for (IoThrottle t : io) {
        checkArgument(!(t.major() == throttle.major() && t.minor() == throttle.minor() && t.kind() == throttle.kind()),
            "io throttle %s conflicts with %s", throttle, t);
      }
      io.add(throttle);
    }

    void cpuTime(Duration value) {
      requireNonNull(value, "cpuTimeLimit");
      checkState(cpuTime == null, "cpuTimeLimit was already set to %s", cpuTime);
      checkArgument(value.compareTo(Duration.ofMillis(1)) >= 0, "cpuTimeLimit must be at least 1ms, was %s", value);
      cpuTime = value;
    }

    void output(DataSize value) {
      requireNonNull(value, "outputLimit");
      checkState(output == null, "outputLimit was already set to %s", output);
      checkArgument(value.toBytes() > 0, "outputLimit must be positive, was %s", value);
      output = value;
    }

    void rlimit(Rlimit resource, long soft, long hard) {
      requireNonNull(resource, "resource");
      checkState(!rlimits.containsKey(resource), "rlimit %s was already set", resource);
      checkArgument(soft >= 0 || soft == Rlimit.UNLIMITED, "rlimit %s: soft limit %s is negative", resource, soft);
      checkArgument(hard >= 0 || hard == Rlimit.UNLIMITED, "rlimit %s: hard limit %s is negative", resource, hard);
      checkArgument(hard == Rlimit.UNLIMITED || (soft != Rlimit.UNLIMITED && soft <= hard),
          "rlimit %s: soft limit %s is above the hard limit %s", resource, soft, hard);
      rlimits.put(resource, new long[] {soft, hard});
    }

    void allowUnenforced() {
      checkState(!unenforcedAllowed, "allowUnenforcedLimits was already called");
      unenforcedAllowed = true;
    }

    ResourceLimits build() {
      if (quotaFromCpus) {
        Duration period = cpuPeriod == null ? DEFAULT_CPU_PERIOD : cpuPeriod;
        cpuQuota = Duration.ofNanos(Math.max(1_000_000L, Math.round(period.toNanos() * cpuQuotaCpus / 1000) * 1000));
      }
      checkState(cpuPeriod == null || cpuQuota != null, "cpuPeriod needs a quota: add cpuQuota(...) or cpus(...)");
      if (memorySoft != null) {
        checkState(memory == null || memorySoft.compareTo(memory) <= 0,
            "memorySoftLimit %s is above memoryLimit %s", memorySoft, memory);
      }
      checkState(swap == null || memory != null, "swapLimit needs memoryLimit: swap is limited together with memory");
      return new ResourceLimits(this);
    }
  }
}
