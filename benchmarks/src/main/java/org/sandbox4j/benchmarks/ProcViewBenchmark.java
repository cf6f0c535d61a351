package org.sandbox4j.benchmarks;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;
import org.sandbox4j.CompletedRun;
import org.sandbox4j.DataSize;
import org.sandbox4j.ProcView;
import org.sandbox4j.Sandbox;

/**
 * The price of the {@code /proc} view, side by side with no view: the same strict sandbox
 * with a 256 MiB memory limit, once with {@link ProcView#OFF} (the kernel's files, the
 * baseline), once {@link ProcView#STATIC} (snapshot files written by the helper) and once
 * {@link ProcView#LIVE} (a FUSE file system the JVM serves).
 *
 * <p>{@code launch} runs {@code /bin/true}: the view's cost at start (the snapshot files, or
 * the FUSE mount, its connection handed to the JVM and the lookups the binds make).
 * {@code read1000} has Python read {@code /proc/meminfo} whole a thousand times (open, read
 * until EOF, close, as programs read it), so read1000 LIVE against read1000 OFF, divided by
 * 1000, is what the FUSE round trips to the JVM add to one reading of the file (the same
 * Python start-up is in both). Not a shell's {@code read} builtin: it reads one byte per
 * {@code read(2)}, and with a live view every one of those is a round trip.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class ProcViewBenchmark {
  /** Open, read to the end (Python reads a size-0 file in growing chunks), close; a thousand times. */
  static final String READS = "for _ in range(1000):\n    with open('/proc/meminfo', 'rb') as f: f.read()";

  @Param({"OFF", "STATIC", "LIVE"})
  public ProcView view;

  private Sandbox sandbox;

  @Setup(Level.Trial)
  public void buildSandbox() throws Exception {
    sandbox = Sandbox.builder().strict().memoryLimit(DataSize.ofMebibytes(256)).procView(view).build();
    // Measure what the name says: a host without FUSE would quietly fail LIVE launches.
    CompletedRun probe = sandbox.command("/bin/sh", "-c", "head -1 /proc/meminfo").run();
    boolean limited = probe.stdout().contains(" 262144 kB");
    if (!probe.result().succeeded() || probe.result().procView() != view || limited == (view == ProcView.OFF)) {
      throw new IllegalStateException("the " + view + " view is not what runs here: " + probe.result() + ", "
          + probe.stdout() + probe.stderr());
    }
  }

  @Benchmark
  public CompletedRun launch() throws IOException, InterruptedException {
    return checked(sandbox.command("/bin/true").run());
  }

  @Benchmark
  public CompletedRun read1000() throws IOException, InterruptedException {
    return checked(sandbox.command("/usr/bin/python3", "-c", READS).run());
  }

  private CompletedRun checked(CompletedRun run) {
    if (!run.result().succeeded()) {
      throw new IllegalStateException(view + ": " + run.result() + ", stderr: " + run.stderr());
    }
    return run;
  }
}
