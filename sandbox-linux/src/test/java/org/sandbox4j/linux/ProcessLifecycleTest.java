package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sandbox4j.CompletedRun;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxProcess;
import org.sandbox4j.SandboxResult;
import org.sandbox4j.Termination;

/** The {@link Process} contract and the run's lifecycle, on real sandboxes. */
class ProcessLifecycleTest {
  private static final Sandbox STRICT = Sandbox.builder().strict().build();

  @Test
  void hundredMegabytesThroughStdoutWithoutDeadlock() throws Exception {
    long size = 100_000_000L;
    try (SandboxProcess process = STRICT.command("/usr/bin/head", "-c", Long.toString(size), "/dev/zero").start()) {
      long total = 0;
      byte[] buffer = new byte[65536];
      InputStream out = process.getInputStream();
      for (int n; (n = out.read(buffer)) > 0; ) {
        total += n;
      }
      assertThat(total).isEqualTo(size);
      assertThat(process.waitFor()).isZero();
    }
  }

  @Test
  void stdinIsReadToEndOfFile() throws Exception {
    try (SandboxProcess process = STRICT.command("/usr/bin/wc", "-c").start()) {
      byte[] chunk = new byte[1 << 20];
      try (OutputStream in = process.getOutputStream()) {
        for (int i = 0; i < 10; i++) {
          in.write(chunk);
        }
      }
      String count = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      assertThat(count).isEqualTo(Integer.toString(10 << 20));
      assertThat(process.waitFor()).isZero();
    }
  }

  @Test
  void exitCodesAndSignalsAreReportedAsAShellWould() throws Exception {
    SandboxResult exited = STRICT.command("/bin/sh", "-c", "exit 42").run().result();
    assertThat(exited.termination()).isEqualTo(Termination.EXITED);
    assertThat(exited.exitCode()).isEqualTo(42);
    assertThat(exited.signal()).isZero();

    SandboxResult signaled = STRICT.command("/bin/sh", "-c", "kill -SEGV $$").run().result();
    assertThat(signaled.termination()).isEqualTo(Termination.SIGNALED);
    assertThat(signaled.signal()).isEqualTo(11);
    assertThat(signaled.exitCode()).isEqualTo(128 + 11);

    try (SandboxProcess process = STRICT.command("/bin/sh", "-c", "kill -KILL $$").start()) {
      assertThat(process.waitFor()).isEqualTo(137);
      assertThat(process.exitValue()).isEqualTo(137);
    }
  }

  @Test
  void stderrIsSeparateOrMerged() throws Exception {
    CompletedRun separate = STRICT.command("/bin/sh", "-c", "echo out; echo err >&2").run();
    assertThat(separate.stdout()).isEqualTo("out\n");
    assertThat(separate.stderr()).isEqualTo("err\n");
    CompletedRun merged = STRICT.command("/bin/sh", "-c", "echo out; echo err >&2").redirectErrorStream(true).run();
    assertThat(merged.stdout()).isEqualTo("out\nerr\n");
  }

  @Test
  void redirectsToFilesAndDiscard(@TempDir Path dir) throws Exception {
    Path input = Files.writeString(dir.resolve("in.txt"), "from a file\n");
    Path output = dir.resolve("out.txt");
    CompletedRun run = STRICT.command("/bin/cat").redirectInput(Redirect.from(input.toFile()))
        .redirectOutput(Redirect.to(output.toFile())).redirectError(Redirect.DISCARD).run();
    assertThat(run.result().succeeded()).isTrue();
    assertThat(run.stdout()).isEmpty();
    assertThat(Files.readString(output)).isEqualTo("from a file\n");
    CompletedRun appended = STRICT.command("/bin/echo", "again")
        .redirectOutput(Redirect.appendTo(output.toFile())).run();
    assertThat(appended.result().succeeded()).isTrue();
    assertThat(Files.readString(output)).isEqualTo("from a file\nagain\n");
  }

  @Test
  void destroyDeliversSigtermToTheProgram() throws Exception {
    try (SandboxProcess process = STRICT.command("/bin/sh", "-c",
        "trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done").start()) {
      BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("ready");
      assertThat(process.supportsNormalTermination()).isTrue();
      process.destroy();
      assertThat(out.readLine()).isEqualTo("got-term");
      SandboxResult result = process.waitForResult();
      assertThat(result.termination()).isEqualTo(Termination.EXITED);
      assertThat(result.exitCode()).isEqualTo(7);
    }
  }

  @Test
  void destroyForciblyKillsAProgramThatIgnoresSigterm() throws Exception {
    String marker = HostProcesses.marker();
    try (SandboxProcess process = STRICT.command("/bin/sh", "-c",
        "trap '' TERM; sleep " + marker + " & echo ready; wait").start()) {
      BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("ready");
      process.destroy();
      assertThat(process.waitFor(300, TimeUnit.MILLISECONDS)).isFalse();
      assertThat(process.isAlive()).isTrue();
      process.destroyForcibly();
      SandboxResult result = process.waitForResult();
      assertThat(result.termination()).isEqualTo(Termination.KILLED);
      assertThat(result.exitCode()).isEqualTo(137);
      assertThat(HostProcesses.awaitNoneContaining("sleep " + marker, 1000)).isEmpty();
    }
  }

  @ParameterizedTest(name = "pid namespace: {0}")
  @ValueSource(booleans = {true, false})
  void wallTimeLimitKillsGrandchildrenAndDaemons(boolean pidNamespace) throws Exception {
    String marker = HostProcesses.marker();
    Sandbox.Builder builder = Sandbox.builder().wallTimeLimit(Duration.ofMillis(300));
    Sandbox sandbox = (pidNamespace ? TestHost.builder().wallTimeLimit(Duration.ofMillis(300)).pidNamespace() : builder)
        .build();
    CompletedRun run = sandbox.command("/bin/sh", "-c",
        "sleep " + marker + " & setsid sh -c 'sleep " + marker + " & sleep " + marker + "' & "
            + "(setsid sleep " + marker + " &) ; sleep " + marker).redirectOutput(Redirect.DISCARD).run();
    assertThat(run.result().termination()).isEqualTo(Termination.WALL_TIME_LIMIT);
    assertThat(run.result().wallTimeMicros()).isBetween(300_000L, 2_000_000L);
    assertThat(HostProcesses.withCommandLineContaining("sleep " + marker)).isEmpty();
  }

  @Test
  void theDaemonsOfAFinishedProgramDieWithTheRun() throws Exception {
    String marker = HostProcesses.marker();
    SandboxResult result = Sandbox.builder().build().command("/bin/sh", "-c",
        "(setsid sleep " + marker + " > /dev/null 2>&1 &); exit 3").run().result();
    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(HostProcesses.withCommandLineContaining("sleep " + marker)).isEmpty();
  }

  @Test
  void onExitCompletesWithoutAThreadPerProcessAndPidIsTheHostPid() throws Exception {
    String marker = HostProcesses.marker();
    try (SandboxProcess process = STRICT.command("/bin/sleep", marker).start()) {
      assertThat(HostProcesses.withCommandLineContaining("sleep " + marker)).containsExactly(process.pid());
      assertThat(process.toHandle().pid()).isEqualTo(process.pid());
      assertThat(Files.readString(Path.of("/proc/" + process.pid() + "/status"))).containsPattern("NSpid:\\s+\\d+\\s+2\\n");
      CompletableFuture<Process> exit = process.onExit();
      assertThat(exit).isNotDone();
      assertThatThrownBy(process::exitValue).isInstanceOf(IllegalThreadStateException.class);
      process.destroyForcibly();
      assertThat(exit.get(5, TimeUnit.SECONDS)).isSameAs(process);
      assertThat(process.isAlive()).isFalse();
    }
  }

  @Test
  void twentyRunningSandboxesShareOneReactorThread() throws Exception {
    STRICT.command("/bin/true").run(); // the reactor exists from the first run on
    int threadsBefore = Thread.activeCount();
    java.util.List<SandboxProcess> running = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        running.add(STRICT.command("/bin/sleep", "60").start());
      }
      assertThat(Thread.activeCount()).isLessThan(threadsBefore + 5);
      assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().equals("sandbox4j-reactor"))
          .hasSize(1);
      // Besides it at most the one thread that serves every sandbox's live /proc view.
      assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().startsWith("sandbox4j"))
          .hasSizeLessThanOrEqualTo(2);
    } finally {
      running.forEach(SandboxProcess::close);
    }
    assertThat(running).allMatch(p -> !p.isAlive());
  }

  @Test
  void closeKillsARunningSandbox() throws Exception {
    String marker = HostProcesses.marker();
    SandboxProcess process = STRICT.command("/bin/sleep", marker).start();
    process.close();
    assertThat(process.onResult().getNow(null).termination()).isEqualTo(Termination.KILLED);
    assertThat(HostProcesses.withCommandLineContaining("sleep " + marker)).isEmpty();
    process.close(); // idempotent
  }
}
