package org.sandbox4j.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedSet;
import java.util.TreeSet;
import org.sandbox4j.ResourceLimits;

/**
 * What one sandbox's {@code /proc} view renders from: its limits, the CPUs it may use, when
 * it started and where its live numbers come from. Immutable.
 *
 * <p>The rules, decided here once:
 * <ul>
 *   <li><b>Memory</b>: the sandbox's memory limit; absent means none of its own, and the
 *       view then shows the host's total (capped by any ancestor cgroup's limit the
 *       readings report).
 *   <li><b>Swap</b>: present exactly when the sandbox has a memory limit, as the drivers
 *       limit swap only together with memory: the swap allowed on top of the memory (0 by
 *       default: no swap). Absent means the sandbox's swap is not limited by its own
 *       cgroup, and the view shows the host's swap total, the same rule as memory. Either
 *       way the host's swap caps it: a limit of 1 GiB on a host without swap is no swap.
 *   <li><b>CPUs</b>: N = min(size of the cpuset, ceil(quota / period)), at least 1; the
 *       cpuset is the sandbox's own or, without one, the CPUs the JVM may run on (the run
 *       cgroup inherits the JVM's cpuset). The view shows the first N CPUs of the cpuset,
 *       renumbered 0..N-1.
 *   <li><b>Time</b>: the view's clock starts at the run's start ({@code origin}, host
 *       {@code CLOCK_BOOTTIME}): uptime counts from there and {@code btime} is that moment
 *       in epoch seconds.
 * </ul>
 */
final class ProcViewModel {
  private final OptionalLong memoryLimitBytes;
  private final OptionalLong swapLimitBytes;
  private final List<Integer> visibleCpus;
  private final long originBootNanos;
  private final long startEpochSeconds;
  private final Optional<ProcViewReadings.Source> source;

  private ProcViewModel(Builder b) {
    this.memoryLimitBytes = b.memoryLimitBytes;
    this.swapLimitBytes = b.swapLimitBytes;
    this.visibleCpus = List.copyOf(b.visibleCpus);
    this.originBootNanos = b.originBootNanos;
    this.startEpochSeconds = b.startEpochSeconds;
    this.source = b.source;
  }

  /** A view of a run with {@code limits} whose numbers are read from {@code source} (its run cgroup). */
  static ProcViewModel of(ResourceLimits limits, ProcViewReadings.Source source, long originBootNanos) {
    return of(limits, Optional.of(source), originBootNanos, jvmCpus());
  }

  /** A view without live numbers (a run without a cgroup): usage renders as zero. */
  static ProcViewModel of(ResourceLimits limits, long originBootNanos) {
    return of(limits, Optional.empty(), originBootNanos, jvmCpus());
  }

  /** As {@link #of(ResourceLimits, ProcViewReadings.Source, long)} with the CPUs a run without a cpuset gets. */
  static ProcViewModel of(ResourceLimits limits, Optional<ProcViewReadings.Source> source, long originBootNanos,
      SortedSet<Integer> inheritedCpus) {
    Builder model = builder().originBootNanos(originBootNanos).source(source)
        .startEpochSeconds(epochSecondsAt(originBootNanos));
    if (limits.memory().isPresent()) {
      model.memoryLimitBytes(OptionalLong.of(limits.memory().get().toBytes()));
      model.swapLimitBytes(OptionalLong.of(limits.swap().toBytes()));
    }
    return model.visibleCpus(visibleCpus(limits.cpus().orElse(inheritedCpus), limits.cpuQuota(),
        limits.cpuPeriod())).build();
  }

  /** The first min(|cpuset|, ceil(quota / period)) CPUs of {@code cpuset}, at least one. */
  static List<Integer> visibleCpus(SortedSet<Integer> cpuset, Optional<Duration> quota, Optional<Duration> period) {
    if (cpuset.isEmpty()) {
      throw new IllegalArgumentException("an empty cpuset");
    }
    int n = cpuset.size();
    if (quota.isPresent()) {
      n = Math.min(n, ceilCpus(quota.get(), period.orElse(ResourceLimits.DEFAULT_CPU_PERIOD)));
    }
    List<Integer> visible = new ArrayList<>();
    for (int cpu : cpuset) {
      if (visible.size() == n) {
        break;
      }
      visible.add(cpu);
    }
    return visible;
  }

  /**
   * ceil(quota / period) in whole nanoseconds: 1.5 CPUs of bandwidth need 2 CPUs. At least
   * 1, at most {@link Integer#MAX_VALUE}; a duration beyond what nanoseconds in a long hold
   * (some 292 years) counts as the longest that does. Never throws for a positive period.
   */
  static int ceilCpus(Duration quota, Duration period) {
    long q = saturatedNanos(quota);
    long p = saturatedNanos(period);
    if (p <= 0) {
      throw new IllegalArgumentException("a CPU period must be positive, was " + period);
    }
    if (q <= 0) {
      return 1;
    }
    long cpus = Math.floorDiv(q - 1, p) + 1; // no q + p - 1: that overflows for a huge quota
    return (int) Math.min(Integer.MAX_VALUE, cpus);
  }

  /** {@code d} in nanoseconds, saturated at the bounds of a long. */
  static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException tooLong) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** The epoch second at which {@code CLOCK_BOOTTIME} read {@code bootNanos}. */
  static long epochSecondsAt(long bootNanos) {
    long nowEpochNanos = System.currentTimeMillis() * 1_000_000L;
    long nowBootNanos = Kernel.bootTimeNanos();
    return Math.floorDiv(nowEpochNanos - (nowBootNanos - bootNanos), 1_000_000_000L);
  }

  /**
   * The CPUs this JVM may run on ({@code Cpus_allowed_list}, its cgroup's cpuset and
   * affinity), within those online: what a run cgroup without its own cpuset inherits.
   */
  static SortedSet<Integer> jvmCpus() {
    SortedSet<Integer> online;
    try {
      online = OnlineCpus.cpus();
    } catch (IOException e) {
      online = new TreeSet<>();
      for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
        online.add(i);
      }
    }
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Cpus_allowed_list:")) {
          SortedSet<Integer> allowed = OnlineCpus.parse(line.substring(line.indexOf(':') + 1));
          allowed.retainAll(online);
          if (!allowed.isEmpty()) {
            return allowed;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // the online CPUs stand
    }
    return online;
  }

  static Builder builder() {
    return new Builder();
  }

  /** The sandbox's own memory limit; empty: none (the host's memory). */
  OptionalLong memoryLimitBytes() {
    return memoryLimitBytes;
  }

  /** Swap allowed on top of memory; empty: not limited by the sandbox (the host's swap). */
  OptionalLong swapLimitBytes() {
    return swapLimitBytes;
  }

  /** N, the CPUs the view shows. */
  int cpuCount() {
    return visibleCpus.size();
  }

  /** The host CPUs shown as CPU 0..N-1, in that order. */
  List<Integer> visibleCpus() {
    return visibleCpus;
  }

  /** Host {@code CLOCK_BOOTTIME} at the run's start: the view's time zero. */
  long originBootNanos() {
    return originBootNanos;
  }

  /** The run's start in epoch seconds: the view's {@code btime}. */
  long startEpochSeconds() {
    return startEpochSeconds;
  }

  Optional<ProcViewReadings.Source> source() {
    return source;
  }

  @Override
  public String toString() {
    return "ProcViewModel{memory " + memoryLimitBytes + ", swap " + swapLimitBytes + ", CPUs " + visibleCpus
        + ", origin " + originBootNanos + ", start " + startEpochSeconds + (source.isPresent() ? ", live" : "") + "}";
  }

  static final class Builder {
    private OptionalLong memoryLimitBytes = OptionalLong.empty();
    private OptionalLong swapLimitBytes = OptionalLong.empty();
    private List<Integer> visibleCpus = List.of(0);
    private long originBootNanos;
    private long startEpochSeconds;
    private Optional<ProcViewReadings.Source> source = Optional.empty();

    Builder memoryLimitBytes(OptionalLong bytes) {
      if (bytes.isPresent() && bytes.getAsLong() <= 0) {
        throw new IllegalArgumentException("memoryLimitBytes must be positive, was " + bytes.getAsLong());
      }
      memoryLimitBytes = bytes;
      return this;
    }

    Builder swapLimitBytes(OptionalLong bytes) {
      if (bytes.isPresent() && bytes.getAsLong() < 0) {
        throw new IllegalArgumentException("swapLimitBytes must not be negative, was " + bytes.getAsLong());
      }
      swapLimitBytes = bytes;
      return this;
    }

    Builder visibleCpus(List<Integer> hostCpus) {
      if (hostCpus.isEmpty() || hostCpus.stream().anyMatch(c -> c == null || c < 0)
          || hostCpus.stream().distinct().count() != hostCpus.size()) {
        throw new IllegalArgumentException("visibleCpus must be distinct host CPU ids, at least one: " + hostCpus);
      }
      visibleCpus = List.copyOf(hostCpus);
      return this;
    }

    Builder originBootNanos(long nanos) {
      originBootNanos = nanos;
      return this;
    }

    Builder startEpochSeconds(long seconds) {
      startEpochSeconds = seconds;
      return this;
    }

    Builder source(Optional<ProcViewReadings.Source> value) {
      source = Objects.requireNonNull(value, "source");
      return this;
    }

    ProcViewModel build() {
      return new ProcViewModel(this);
    }
  }
}
