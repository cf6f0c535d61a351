package org.sandbox4j.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
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
import org.sandbox4j.CompletedRun;
import org.sandbox4j.DataSize;
import org.sandbox4j.Namespace;
import org.sandbox4j.ProcView;
import org.sandbox4j.Sandbox;

/**
 * The cost of one complete run of {@code /bin/true}: start, output captured, exit status
 * collected, every resource released. {@code /bin/true} does nothing, so what is measured is
 * the spawn and isolation machinery alone.
 *
 * <p>The methods go from no isolation to full isolation, so the difference between two
 * neighbours is the price of one step: {@code processBuilder} is the floor (a plain fork and
 * exec from the JVM), {@code sandbox4jNoNamespaces} adds the helper, {@code
 * sandbox4jStrictSharedNet} adds the namespaces and mounts, {@code sandbox4jStrict} adds the
 * network namespace on top, and {@code sandbox4jStrictWithLimits} adds memory, pids and
 * CPU-time limits to that. {@code bubblewrapStrict} is the established tool with comparable
 * isolation, started the way a Java program would start it.
 *
 * <p>Every sandbox4j line runs in a cgroup of its own where the host has cgroups (made before
 * the spawn, removed after the run), limits or not: that is where the account of
 * {@link org.sandbox4j.SandboxResult#usage()} comes from. {@code sandbox4jStrictWithLimits}
 * against {@code sandbox4jStrict} is the end-to-end price of the limits themselves: the limit
 * files written (on cgroup v1 the memory and memory+swap limits and {@code pids.max}; the
 * CPU-time limit needs no controller beyond the cpuacct one every run has) and the helper's
 * CPU-usage timer. {@code org.sandbox4j.linux.CgroupBenchmark} measures the cgroup alone.
 *
 * <p>Sample time, not average time: a sandbox for many short runs is judged by its tail
 * (p99) as much as by its median, and the network namespace is known for long tails.
 *
 * <p>Every method checks that the program succeeded and throws otherwise: a sandbox that
 * fails at once is fast, and must not be reported as such.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class SpawnBenchmark {
  /** The program every benchmark runs; an absolute path, so no PATH lookup is measured. */
  static final String PROGRAM = "/bin/true";

  /**
   * Bubblewrap with what {@link Sandbox.Builder#strict()} gives: every namespace, a read-only
   * {@code /usr}, fresh {@code /proc}, minimal {@code /dev}, tmpfs {@code /tmp}. On this
   * Debian (merged {@code /usr}) {@code /bin}, {@code /lib}, {@code /lib64} and {@code /sbin}
   * are symlinks into {@code /usr}, so they are symlinks here too. {@code --die-with-parent}
   * and {@code --new-session} are what a careful caller adds, and sandbox4j does the same
   * (JVM watch, no controlling terminal).
   */
  static final List<String> BWRAP_STRICT = List.of(
      "/usr/bin/bwrap", "--unshare-all", "--die-with-parent", "--new-session",
      "--ro-bind", "/usr", "/usr",
      "--symlink", "usr/bin", "/bin",
      "--symlink", "usr/lib", "/lib",
      "--symlink", "usr/lib64", "/lib64",
      "--symlink", "usr/sbin", "/sbin",
      "--proc", "/proc",
      "--dev", "/dev",
      "--tmpfs", "/tmp",
      PROGRAM);

  // Sandboxes are immutable and meant to be reused: built once, as an application would.
  private Sandbox noNamespaces;
  private Sandbox strict;
  private Sandbox strictSharedNet;
  private Sandbox strictWithLimits;

  @Setup(Level.Trial)
  public void buildSandboxes() {
    noNamespaces = Sandbox.builder().build();
    strict = Sandbox.builder().strict().build();
    strictWithLimits = Sandbox.builder().strict()
        .memoryLimit(DataSize.ofMebibytes(256))
        .pidsLimit(64)
        .cpuTimeLimit(Duration.ofSeconds(10))
        .procView(ProcView.OFF) // the view's price is ProcViewBenchmark's: here the limits alone
        .build();

    // strict() spelled out without the network namespace: the program shares the host's
    // network, and the difference to sandbox4jStrict is the network namespace alone.
    Sandbox.Builder shared = Sandbox.builder();
    for (Namespace ns : EnumSet.complementOf(EnumSet.of(Namespace.NETWORK))) {
      shared.namespace(ns);
    }
    strictSharedNet = shared.hostRootfs().mountProc().mountDev().mountTmp().build();

    // The comparison only means something if the two differ in exactly the network
    // namespace; fail here rather than publish numbers of the wrong configuration.
    EnumSet<Namespace> expected = EnumSet.copyOf(strict.namespaces());
    expected.remove(Namespace.NETWORK);
    if (!strict.namespaces().contains(Namespace.NETWORK) || !strictSharedNet.namespaces().equals(expected)) {
      throw new IllegalStateException("expected strict " + strict.namespaces()
          + " to be strictSharedNet " + strictSharedNet.namespaces() + " plus NETWORK");
    }
    // Likewise the limits must be the only difference between strict and strictWithLimits.
    if (!strictWithLimits.namespaces().equals(strict.namespaces()) || strict.limits().needsCgroup()
        || !strictWithLimits.limits().needsCgroup()) {
      throw new IllegalStateException("expected strictWithLimits " + strictWithLimits
          + " to be strict " + strict + " plus limits");
    }
  }

  /** The floor: fork and exec from the JVM, no isolation at all. */
  @Benchmark
  public int processBuilder() throws IOException, InterruptedException {
    return runOnHost("processBuilder", List.of(PROGRAM));
  }

  /** The helper's own cost: spawn, plan over a pipe, status back; no namespace. */
  @Benchmark
  public CompletedRun sandbox4jNoNamespaces() throws IOException, InterruptedException {
    return runInSandbox("sandbox4jNoNamespaces", noNamespaces);
  }

  /** The strict preset: every namespace including network, host-derived root, /proc, /dev, /tmp. */
  @Benchmark
  public CompletedRun sandbox4jStrict() throws IOException, InterruptedException {
    return runInSandbox("sandbox4jStrict", strict);
  }

  /** The strict preset with memory 256 MiB, 64 pids and a CPU-time limit of 10 s. */
  @Benchmark
  public CompletedRun sandbox4jStrictWithLimits() throws IOException, InterruptedException {
    return runInSandbox("sandbox4jStrictWithLimits", strictWithLimits);
  }

  /** The strict preset less the network namespace, whose creation is the known slow step. */
  @Benchmark
  public CompletedRun sandbox4jStrictSharedNet() throws IOException, InterruptedException {
    return runInSandbox("sandbox4jStrictSharedNet", strictSharedNet);
  }

  /** Bubblewrap with comparable isolation, started with a ProcessBuilder. */
  @Benchmark
  public int bubblewrapStrict() throws IOException, InterruptedException {
    return runOnHost("bubblewrapStrict", BWRAP_STRICT);
  }

  private static CompletedRun runInSandbox(String benchmark, Sandbox sandbox)
      throws IOException, InterruptedException {
    // run() closes stdin, captures stdout and stderr and releases everything before returning.
    CompletedRun run = sandbox.command(PROGRAM).run();
    if (!run.result().succeeded()) {
      throw new IllegalStateException(benchmark + ": " + PROGRAM + " did not succeed: " + run.result()
          + ", stderr: " + run.stderr());
    }
    return run;
  }

  /**
   * Runs {@code command} with three pipes, as {@link org.sandbox4j.SandboxCommand#run()} does,
   * so both sides pay for the same stdio plumbing.
   */
  private static int runOnHost(String benchmark, List<String> command)
      throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).start();
    byte[] stderr;
    try (InputStream out = process.getInputStream(); InputStream err = process.getErrorStream()) {
      process.getOutputStream().close();
      out.readAllBytes();
      // Reading stderr after stdout is safe here: /bin/true writes nothing, and a failing
      // bwrap writes one short line, far below a pipe's buffer.
      stderr = err.readAllBytes();
    }
    int exitCode = process.waitFor();
    if (exitCode != 0) {
      throw new IllegalStateException(benchmark + ": " + command.get(0) + " exited with " + exitCode
          + ", stderr: " + new String(stderr, StandardCharsets.UTF_8).strip());
    }
    return exitCode;
  }
}
