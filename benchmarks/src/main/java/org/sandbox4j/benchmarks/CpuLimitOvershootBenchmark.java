package org.sandbox4j.benchmarks;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;
import org.sandbox4j.CompletedRun;
import org.sandbox4j.ResourceUsage;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxResult;
import org.sandbox4j.Termination;

/**
 * How far past a CPU-time limit a sandbox gets before it is stopped. Each invocation runs a
 * busy loop under {@code Sandbox.builder().strict().cpuTimeLimit(100 ms)}, checks that the
 * run ended with {@link Termination#CPU_TIME_LIMIT} (anything else throws: a run that ended
 * otherwise says nothing about the limit), and records the overshoot: the CPU time the
 * cgroup accounted ({@link ResourceUsage#cpuTotalMicros()}, every process of the run
 * together) minus the 100 ms limit.
 *
 * <p>The helper arms a timer for the earliest moment the limit could be reached (what is left
 * of it spread over every CPU the run may use), reads the cgroup's counter when it fires, and
 * kills the run or re-arms; the target is a typical overshoot of at most 10 ms. {@code
 * busyProcesses} = 1 is one looping shell, which uses one CPU while the helper plans for all
 * of them, so the timer fires early and re-arms several times; {@code busyProcesses} = 2 is
 * two loops at once ({@code (loop) & (loop) & wait}), which on a 2-CPU host spend the limit
 * as fast as the host allows, so every millisecond of reaction costs two of CPU.
 *
 * <p><b>The primary output is the overshoot distribution printed at the end of each trial</b>
 * (min, p50, p90, p99 and max in microseconds, over the measured iterations only, labelled
 * {@code [CpuLimitOvershoot]}). JMH's own score is the wall time of one whole run (start,
 * loop until killed, result), in milliseconds; useful as a sanity check (about 100 ms for one
 * loop, about 50 ms for two on two CPUs, plus the spawn), but it is not the overshoot.
 *
 * <p>The auxiliary counters ({@link Overshoot}) are JMH {@code EVENTS} counters, which JMH
 * sums over the measured iterations rather than averaging them. A mean cannot be one such
 * counter, so they come as a pair whose ratio is the mean: {@code overshootMicros} (the sum
 * of all overshoots) divided by {@code runs}; plus {@code over10ms}, how many runs missed the
 * 10 ms target. The percentiles show what the mean hides, which is why they come first.
 *
 * <p>Short on purpose (one 2 s warm-up, three 3 s iterations): each run is a tenth of a
 * second, so this is about 90 runs for one loop and 150 to 180 for two. The p99 of so few
 * runs is close to the maximum; run longer ({@code -i 10 -r 5s}) for a firmer tail.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 1, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 3, time = 3, timeUnit = TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class CpuLimitOvershootBenchmark {
  static final Duration LIMIT = Duration.ofMillis(100);
  static final long LIMIT_MICROS = LIMIT.toNanos() / 1000;
  static final long TARGET_MICROS = 10_000;
  static final String ONE_LOOP = "while :; do :; done";
  static final String TWO_LOOPS = "(while :; do :; done) & (while :; do :; done) & wait";

  /** How many busy loops run at once in the sandbox. */
  @Param({"1", "2"})
  public int busyProcesses;

  private Sandbox sandbox;
  private List<String> command;
  /** Overshoots of the measured iterations of this trial, in microseconds; one thread only. */
  private final List<Long> overshoots = new ArrayList<>();
  private boolean measuring;

  @Setup(Level.Trial)
  public void buildSandbox() {
    sandbox = Sandbox.builder().strict().cpuTimeLimit(LIMIT).build();
    String script;
    switch (busyProcesses) {
      case 1: script = ONE_LOOP; break;
      case 2: script = TWO_LOOPS; break;
      default: throw new IllegalArgumentException("busyProcesses must be 1 or 2, not " + busyProcesses);
    }
    command = List.of("/bin/sh", "-c", script);
    overshoots.clear();
  }

  /** Only measured iterations go into the distribution; warm-up runs are left out. */
  @Setup(Level.Iteration)
  public void startIteration(IterationParams params) {
    measuring = params.getType() == IterationType.MEASUREMENT;
  }

  @Benchmark
  public long runToTheLimit(Overshoot counters) throws IOException, InterruptedException {
    CompletedRun run = sandbox.command(command).run();
    SandboxResult result = run.result();
    if (result.termination() != Termination.CPU_TIME_LIMIT) {
      throw new IllegalStateException("expected " + Termination.CPU_TIME_LIMIT + " with " + busyProcesses
          + " busy process(es), got " + result + ", stderr: " + run.stderr());
    }
    ResourceUsage usage = result.usage().orElseThrow(() ->
        new IllegalStateException("a run with a CPU-time limit has no account: " + result));
    long overshoot = usage.cpuTotalMicros() - LIMIT_MICROS;
    if (measuring) {
      overshoots.add(overshoot);
    }
    counters.add(overshoot);
    return overshoot;
  }

  @TearDown(Level.Trial)
  public void printDistribution() {
    long[] sorted = overshoots.stream().mapToLong(Long::longValue).sorted().toArray();
    String label = "[CpuLimitOvershoot] busyProcesses=" + busyProcesses + ", limit " + LIMIT_MICROS + " us";
    if (sorted.length == 0) {
      System.out.println(label + ": no measured runs");
      return;
    }
    long over = overshoots.stream().filter(o -> o > TARGET_MICROS).count();
    double mean = overshoots.stream().mapToLong(Long::longValue).average().orElse(0);
    System.out.println();
    System.out.printf("%s, %d measured runs, overshoot in us: min %d, p50 %d, p90 %d, p99 %d, max %d, mean %.0f;"
            + " %d over the %d us target%n",
        label, sorted.length, sorted[0], percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99),
        sorted[sorted.length - 1], mean, over, TARGET_MICROS);
  }

  /** Nearest rank: the smallest value with at least p% of the values at or below it. */
  static long percentile(long[] sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }

  /**
   * JMH auxiliary counters, reset every iteration and summed over the measured ones: mean
   * overshoot = {@code overshootMicros / runs}.
   */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Overshoot {
    /** Runs that ended at the CPU-time limit. */
    public long runs;
    /** The sum of their overshoots, in microseconds. */
    public long overshootMicros;
    /** Runs whose overshoot was more than 10 ms. */
    public long over10ms;

    @Setup(Level.Iteration)
    public void reset() {
      runs = 0;
      overshootMicros = 0;
      over10ms = 0;
    }

    void add(long overshoot) {
      runs++;
      overshootMicros += overshoot;
      if (overshoot > TARGET_MICROS) {
        over10ms++;
      }
    }
  }
}
