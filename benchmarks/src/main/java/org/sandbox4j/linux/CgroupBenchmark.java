package org.sandbox4j.linux;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.sandbox4j.DataSize;
import org.sandbox4j.ResourceLimits;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxLaunchException;

/**
 * The cost of one run cgroup on this host, with no process in it: {@link CgroupDriver#create}
 * (directories made, limits written) followed by {@link RunCgroup#destroy()} (found empty,
 * directories removed). Every sandboxed run pays this once, on top of its spawn.
 *
 * <p><b>This measures internals, on purpose.</b> {@link CgroupDriver} and {@link RunCgroup}
 * are package-private in {@code sandbox-linux}: no caller should depend on them, so they are
 * not public API. To measure them without opening them up, this class is declared in the same
 * package, {@code org.sandbox4j.linux}, in the benchmarks module. The benchmarks jar runs on
 * the class path, not as named modules, and on the class path two jars may contribute classes
 * to one package (the runtime package is the pair class loader and package name, and the
 * shaded jar has one loader), so package-private access works. If {@code sandbox-linux} ever
 * becomes a named module or a sealed package, this class has to move or go. A change of the
 * drivers' internal API breaks its compilation: that is intended, not a reason to widen their
 * visibility.
 *
 * <p>Two configurations, built through the public builder ({@code Sandbox.builder()...build()
 * .limits()}) so they are exactly what a caller's sandbox would hand the driver:
 * <ul>
 *   <li>{@code accountingOnly}: no limit. The cgroup is still made for the account: on cgroup
 *       v1 one directory in each of the memory, cpuacct, pids, blkio and freezer hierarchies;
 *       on v2 one directory.
 *   <li>{@code withLimits}: memory 256 MiB, 64 pids, a CPU quota of 50 ms per 100 ms and
 *       cpuset {@code 0}. On v1 this adds the cpu and cpuset hierarchies (seven directories)
 *       and the writes of each limit.
 * </ul>
 *
 * <p>The setup checks that {@code withLimits} really makes more directories than
 * {@code accountingOnly}, so the two lines cannot silently measure the same thing. Needs root
 * (or {@code -Dsandbox4j.cgroup.parent} naming a writable cgroup), like any sandbox with a cgroup.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class CgroupBenchmark {
  private CgroupDriver driver;
  private ResourceLimits accountingOnly;
  private ResourceLimits withLimits;

  @Setup(Level.Trial)
  public void detectDriver() throws SandboxLaunchException, IOException, InterruptedException {
    driver = CgroupDriver.detect();
    accountingOnly = Sandbox.builder().build().limits();
    withLimits = Sandbox.builder()
        .memoryLimit(DataSize.ofMebibytes(256))
        .pidsLimit(64)
        .cpuQuota(Duration.ofMillis(50))
        .cpuset("0")
        .build().limits();

    // On v1 the limits add the cpu and cpuset hierarchies; on v2 both are one directory.
    RunCgroup probe = driver.create(accountingOnly);
    int version = probe.version();
    probe.destroy();
    int plain = cycle(accountingOnly);
    int limited = cycle(withLimits);
    if (accountingOnly.needsCgroup() || !withLimits.needsCgroup() || (version == 1 && limited <= plain)) {
      throw new IllegalStateException("expected the limits to need more cgroup directories than the account alone: "
          + plain + " without, " + limited + " with " + withLimits);
    }
    System.out.println("[CgroupBenchmark] " + driver.describe() + "; directories per run: " + plain
        + " without limits, " + limited + " with limits");
  }

  /** No limit: the cgroup exists for the account (and the kill) alone. */
  @Benchmark
  public int accountingOnly() throws SandboxLaunchException, IOException, InterruptedException {
    return cycle(accountingOnly);
  }

  /** Memory, pids, CPU quota and cpuset limits written, then the cgroup removed. */
  @Benchmark
  public int withLimits() throws SandboxLaunchException, IOException, InterruptedException {
    return cycle(withLimits);
  }

  /**
   * One create and destroy; returns the number of directories, so nothing is dead code. The
   * return type is an int and not the run because JMH's generated code lives in another
   * package, where {@link RunCgroup} is not visible.
   */
  private int cycle(ResourceLimits limits) throws SandboxLaunchException, IOException, InterruptedException {
    RunCgroup run = driver.create(limits);
    int directories = run.directories().size();
    run.destroy();
    return directories;
  }
}
