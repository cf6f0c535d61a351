package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sandbox4j.CompletedRun;
import org.sandbox4j.DataSize;
import org.sandbox4j.ResourceUsage;
import org.sandbox4j.Rlimit;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxProcess;
import org.sandbox4j.SandboxLaunchException;
import org.sandbox4j.SandboxResult;
import org.sandbox4j.Termination;

/** Every limit, enforced by the real kernel and reported from kernel facts. */
class LimitsTest {
  private static final String BUSY_LOOP = "while :; do :; done";

  private static Sandbox.Builder strict() {
    return Sandbox.builder().strict();
  }

  private static ResourceUsage usage(SandboxResult result) {
    return result.usage().orElseThrow(() -> new AssertionError("no cgroup account in " + result));
  }

  @Test
  void aMemoryBombEndsAtItsLimitAsMemoryLimit() throws Exception {
    TestHost.assumeCgroups();
    long limit = DataSize.ofMebibytes(64).toBytes();
    SandboxResult result = strict().memoryLimit(DataSize.ofMebibytes(64)).build()
        .command("/usr/bin/python3", "-c", "a = []\nwhile True: a.append(bytearray(1 << 20))").run().result();
    assertThat(result.termination()).isEqualTo(Termination.MEMORY_LIMIT);
    assertThat(usage(result).oomKills()).isPositive();
    assertThat((double) usage(result).peakMemoryBytes().orElseThrow()).isCloseTo(limit, within(4.0 * (1 << 20)));
    // The JVM lives on and can run the next sandbox.
    assertThat(strict().build().command("/bin/true").run().result().succeeded()).isTrue();
  }

  @Test
  void aQuotaOfTwentyPercentGivesTwoTenthsOfASecondInASecond() throws Exception {
    TestHost.assumeCgroups();
    SandboxResult result = strict().cpuQuota(Duration.ofMillis(20)).cpuPeriod(Duration.ofMillis(100))
        .wallTimeLimit(Duration.ofSeconds(1)).build().command("/bin/sh", "-c", BUSY_LOOP).run().result();
    assertThat(result.termination()).isEqualTo(Termination.WALL_TIME_LIMIT);
    assertThat(usage(result).cpuTotalMicros()).isBetween(150_000L, 250_000L);
  }

  @Test
  void aCpusetOfCpuZeroIsTheAffinityInside() throws Exception {
    TestHost.assumeCgroups();
    CompletedRun run = strict().cpuset("0").build()
        .command("/usr/bin/python3", "-c", "import os; print(sorted(os.sched_getaffinity(0)))").run();
    assertThat(run.stdout().trim()).as(run.stderr()).isEqualTo("[0]");
  }

  @Test
  void aCpusetNamingAnAbsentCpuFailsAtBuild() {
    assertThatThrownBy(() -> Sandbox.builder().cpuset("4095").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("cpuset: CPU 4095 is not online on this host (online: ");
  }

  @Test
  void aForkBombUnderThirtyTwoPidsEndsAndLeavesNothing() throws Exception {
    TestHost.assumeCgroups();
    String marker = HostProcesses.marker();
    SandboxResult result = strict().pidsLimit(32).wallTimeLimit(Duration.ofSeconds(2)).build()
        .command("/bin/sh", "-c", "bomb() { bomb | bomb & }; bomb; sleep " + marker).run().result();
    ResourceUsage usage = usage(result);
    assertThat(usage.pidsLimitHits()).isPositive();
    usage.pidsPeak().ifPresent(peak -> assertThat(peak).isLessThanOrEqualTo(32));
    assertThat(HostProcesses.withCommandLineContaining("sleep " + marker)).isEmpty();
  }

  @Test
  void theCpuTimeLimitKillsWithLittleOvershoot() throws Exception {
    TestHost.assumeCgroups();
    SandboxResult result = strict().cpuTimeLimit(Duration.ofMillis(500)).wallTimeLimit(Duration.ofSeconds(10))
        .build().command("/bin/sh", "-c", BUSY_LOOP).run().result();
    assertThat(result.termination()).isEqualTo(Termination.CPU_TIME_LIMIT);
    assertThat(result.exitCode()).isEqualTo(137);
    assertThat(usage(result).cpuTotalMicros()).isBetween(500_000L, 600_000L);
  }

  @Test
  void theCpuTimeLimitCountsEveryProcessOfTheSandbox() throws Exception {
    TestHost.assumeCgroups();
    SandboxResult result = strict().cpuTimeLimit(Duration.ofMillis(400)).wallTimeLimit(Duration.ofSeconds(10))
        .build().command("/bin/sh", "-c", "(" + BUSY_LOOP + ") & (" + BUSY_LOOP + ") & wait").run().result();
    // Had the helper watched one process only, the kill would come at 400 ms of that
    // process, near 800 ms of the sandbox's: the total bounds both, whatever the load.
    assertThat(result.termination()).isEqualTo(Termination.CPU_TIME_LIMIT);
    assertThat(usage(result).cpuTotalMicros()).isBetween(400_000L, 500_000L);
  }

  @Test
  void yesUnderAnOutputLimitOfOneMebibyte() throws Exception {
    CompletedRun run = strict().outputLimit(DataSize.ofMebibytes(1)).build().command("/usr/bin/yes").run();
    assertThat(run.result().termination()).isEqualTo(Termination.OUTPUT_LIMIT);
    assertThat(run.stdoutBytes()).hasSize(1 << 20); // the JVM held exactly the limit, no more
  }

  @Test
  void aWriteThrottleOfOneMebibytePerSecondSlowsDirectWrites(@TempDir Path dir) throws Exception {
    TestHost.assumeCgroups();
    Path disk = BlockDevices.diskHolding(dir);
    Sandbox sandbox = strict().ioWriteBandwidth(disk, DataSize.ofMebibytes(1))
        .bindMount(dir, "/data", org.sandbox4j.Access.READ_WRITE).build();
    long start = System.nanoTime();
    CompletedRun run = sandbox.command("/usr/bin/dd", "if=/dev/zero", "of=/data/out", "bs=64k", "count=64",
        "oflag=direct").run();
    long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
    assertThat(run.result().succeeded()).as(run.stderr()).isTrue();
    assertThat(elapsedMillis).isGreaterThanOrEqualTo(3000);
    assertThat(usage(run.result()).ioWriteBytes()).isGreaterThanOrEqualTo(4L << 20);
  }

  @Test
  void rlimitsApplyToTheProgram() throws Exception {
    CompletedRun run = strict().rlimit(Rlimit.NOFILE, 64).rlimit(Rlimit.FSIZE, 1 << 20).build()
        .command("/bin/sh", "-c", "ulimit -n; ulimit -c; dd if=/dev/zero of=/tmp/big bs=1M count=2 2>&1; "
            + "echo dd=$?").run();
    // dd dies of SIGXFSZ (the shell says "File size limit exceeded", status 128+25).
    assertThat(run.stdout()).startsWith("64\n0\n").contains("File size limit exceeded").contains("dd=153");
  }

  @Test
  void aLiveSnapshotWhileTheProgramRuns() throws Exception {
    TestHost.assumeCgroups();
    try (SandboxProcess process = strict().memoryLimit(DataSize.ofMebibytes(256)).build()
        .command("/usr/bin/python3", "-c", "import time; a = bytearray(32 << 20); print('ready', flush=True); time.sleep(30)")
        .start()) {
      String ready = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream())).readLine();
      assertThat(ready).isEqualTo("ready");
      ResourceUsage live = process.usage().orElseThrow();
      assertThat(live.memoryBytes()).isGreaterThan(32L << 20);
      assertThat(live.pids()).isEqualTo(1);
      process.destroyForcibly();
      assertThat(process.waitForResult().usage().orElseThrow().peakMemoryBytes().orElseThrow()).isGreaterThan(32L << 20);
    }
  }

  @Test
  void theAccountIsTheProgramsAloneNotTheJvmsOrTheHelpers() throws Exception {
    TestHost.assumeCgroups();
    SandboxResult result = strict().build().command("/bin/true").run().result();
    ResourceUsage usage = usage(result);
    // /bin/true touches well under 2 MiB; the JVM (hundreds of MiB) and the helper are elsewhere.
    assertThat(usage.peakMemoryBytes().orElseThrow()).isLessThan(2L << 20);
    // About 1 ms natively. The bound is far above that because under qemu's emulation a
    // preempted vCPU's time is charged to whatever the guest ran (50-75 ms measured there
    // on a busy host), and still far below the JVM's CPU time, which is seconds by now.
    long jvmCpuMicros = ((com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1000;
    assertThat(usage.cpuTotalMicros()).isLessThan(Math.min(250_000L, jvmCpuMicros / 4));
  }

  @Test
  void noRunCgroupIsLeftBehind() throws Exception {
    TestHost.assumeCgroups();
    strict().memoryLimit(DataSize.ofMebibytes(64)).pidsLimit(16).build().command("/bin/true").run();
    for (Path parent : RunCgroups.parents()) {
      assertThat(RunCgroups.runsIn(parent)).as(parent.toString()).isEmpty();
    }
  }

  @Test
  void withoutACgroupEveryLimitThatNeedsOneFailsTheLaunchNamingItAndTheRemedy(@TempDir Path dir) throws Exception {
    TestHost.assumeNoCgroups();
    Path disk = BlockDevices.diskHolding(dir);
    Map<String, Sandbox.Builder> limited = new LinkedHashMap<>();
    limited.put("memoryLimit(64 MiB)", strict().memoryLimit(DataSize.ofMebibytes(64)));
    limited.put("memorySoftLimit(32 MiB)", strict().memorySoftLimit(DataSize.ofMebibytes(32)));
    limited.put("cpuQuota(20000 us per 100000 us)", strict().cpuQuota(Duration.ofMillis(20)));
    limited.put("cpuset(0)", strict().cpuset("0"));
    limited.put("memoryNodes(0)", strict().memoryNodes("0"));
    limited.put("pidsLimit(32)", strict().pidsLimit(32));
    limited.put("ioThrottle(write bytes/s 1 MiB on " + disk, strict().ioWriteBandwidth(disk, DataSize.ofMebibytes(1)));
    limited.put("cpuTimeLimit(PT0.5S)", strict().cpuTimeLimit(Duration.ofMillis(500)));
    String reason = TestHost.noCgroups().detail();
    strict().build().command("/bin/true").run(); // the helper memfd and the reactor are made once per JVM
    int fds = HostProcesses.openFileDescriptors();
    for (Map.Entry<String, Sandbox.Builder> limit : limited.entrySet()) {
      Sandbox sandbox = limit.getValue().build();
      assertThatThrownBy(() -> sandbox.command("/bin/true").start()).as(limit.getKey())
          .isInstanceOfSatisfying(SandboxLaunchException.class, e -> {
            assertThat(e.stage()).isEqualTo("cgroup");
            assertThat(e.detail()).startsWith(limit.getKey())
                .contains(" cannot be enforced without a cgroup, and this JVM has none: " + reason)
                .contains("run as root, or start the JVM in a cgroup v2 subtree delegated to this user");
          });
    }
    assertThatThrownBy(() -> strict().memoryLimit(DataSize.ofMebibytes(64)).pidsLimit(16).build()
        .command("/bin/true").start())
        .hasMessageContaining("memoryLimit(64 MiB), pidsLimit(16) cannot be enforced without a cgroup");
    // Nothing was started, so nothing is left: no helper, no pipe.
    assertThat(ProcessHandle.current().children().count()).isZero();
    assertThat(HostProcesses.openFileDescriptors()).isEqualTo(fds);
  }

  @Test
  void withoutACgroupARunWithoutCgroupLimitsRunsWithoutAnAccount() throws Exception {
    TestHost.assumeNoCgroups();
    // The limits that need no cgroup are the helper's (wall time) and the JVM's (output).
    CompletedRun run = strict().outputLimit(DataSize.ofKibibytes(4)).wallTimeLimit(Duration.ofSeconds(5)).build()
        .command("/bin/sh", "-c", "echo hello").run();
    assertThat(run.result().termination()).as(run.stderr()).isEqualTo(Termination.EXITED);
    assertThat(run.stdout()).isEqualTo("hello\n");
    assertThat(run.result().usage()).isEmpty();
  }

  @Test
  void withoutACgroupASandboxThatAllowsItRunsWithoutItsCgroupLimitsAndTheResultListsThem() throws Exception {
    TestHost.assumeNoCgroups();
    String reason = TestHost.noCgroups().getMessage();
    Sandbox sandbox = strict().memoryLimit(DataSize.ofMebibytes(64)).pidsLimit(16).cpuTimeLimit(Duration.ofMillis(500))
        .outputLimit(DataSize.ofKibibytes(4)).wallTimeLimit(Duration.ofMillis(300)).allowUnenforcedLimits().build();
    CompletedRun run = sandbox.command("/bin/sh", "-c", "echo hello").run();
    assertThat(run.result().termination()).as(run.stderr()).isEqualTo(Termination.EXITED);
    assertThat(run.stdout()).isEqualTo("hello\n");
    assertThat(run.result().usage()).isEmpty();
    assertThat(run.result().unenforcedLimits()).containsExactly(
        "memoryLimit(64 MiB): not enforced, this JVM has no cgroup (" + reason + ")",
        "pidsLimit(16): not enforced, this JVM has no cgroup (" + reason + ")",
        "cpuTimeLimit(PT0.5S): not enforced, this JVM has no cgroup (" + reason + ")");
    assertThat(run.result().toString()).contains("NOT ENFORCED: memoryLimit(64 MiB): not enforced");
    // What needs no cgroup still holds: the helper's wall clock and the JVM's output count.
    assertThat(sandbox.command("/bin/sleep", "10").run().result().termination()).isEqualTo(Termination.WALL_TIME_LIMIT);
    assertThat(sandbox.command("/usr/bin/yes").run().result().termination()).isEqualTo(Termination.OUTPUT_LIMIT);
  }

  @Test
  void withACgroupASandboxThatAllowsUnenforcedLimitsHasEveryLimitEnforced() throws Exception {
    TestHost.assumeCgroups();
    SandboxResult result = strict().memoryLimit(DataSize.ofMebibytes(64)).allowUnenforcedLimits().build()
        .command("/usr/bin/python3", "-c", "a = []\nwhile True: a.append(bytearray(1 << 20))").run().result();
    assertThat(result.termination()).isEqualTo(Termination.MEMORY_LIMIT);
    assertThat(result.unenforcedLimits()).isEmpty();
  }

  @Test
  void aV2HierarchyThisUserMayNotWriteFailsWithTheRemedy() throws Exception {
    TestHost.assumeNotRoot("root may write every cgroup");
    assumeTrue(Files.isRegularFile(Path.of("/sys/fs/cgroup/unified/cgroup.controllers")),
        "no empty cgroup v2 hierarchy on this host");
    assertThatThrownBy(() -> new CgroupV2Driver("/sys/fs/cgroup/unified", "/", "/sandbox4j-test"))
        .isInstanceOfSatisfying(SandboxLaunchException.class, e -> {
          assertThat(e.stage()).isEqualTo("cgroup");
          assertThat(e.path()).isEqualTo("/sys/fs/cgroup/unified/sandbox4j-test");
          assertThat(e.detail()).contains("run as root, or start the JVM in a cgroup v2 subtree delegated to this user");
        });
  }

  @Test
  void aMissingControllerFailsClosedWithTheRemedy() throws Exception {
    TestHost.assumeRoot("the test parent on the unified hierarchy is root's");
    // The v2 hierarchy of this host has no controllers (they are all bound to v1).
    CgroupDriver v2 = RunCgroups.unifiedDriverOrNull();
    org.junit.jupiter.api.Assumptions.assumeTrue(v2 != null, "no empty cgroup v2 hierarchy on this host");
    Sandbox sandbox = Sandbox.builder().memoryLimit(DataSize.ofMebibytes(64)).build();
    var plan = Planner.plan(sandbox, sandbox.command("/bin/true"), 0, 0);
    assertThatThrownBy(() -> HelperProcess.start(plan, HelperBinary.load().execPath(), v2))
        .isInstanceOf(org.sandbox4j.SandboxLaunchException.class)
        .hasMessageContaining("the memory controller is not available").hasMessageContaining("delegate it");
    assertThat(RunCgroups.runsIn(RunCgroups.unifiedParent())).isEmpty();
  }

  @Test
  void cgroupV2MechanicsOnTheUnifiedHierarchy() throws Exception {
    TestHost.assumeRoot("the test parent on the unified hierarchy is root's");
    CgroupDriver v2 = RunCgroups.unifiedDriverOrNull();
    org.junit.jupiter.api.Assumptions.assumeTrue(v2 != null, "no empty cgroup v2 hierarchy on this host");
    Sandbox sandbox = Sandbox.builder().strict().cpuTimeLimit(Duration.ofMillis(300)).build();
    var plan = Planner.plan(sandbox, sandbox.command("/bin/sh", "-c", "cat /proc/self/cgroup; " + BUSY_LOOP), 0, 0);
    var control = HelperProcess.start(plan, HelperBinary.load().execPath(), v2);
    try {
      SandboxResult result = control.result().get();
      String cgroupLine = new String(control.stdout().readAllBytes()).lines()
          .filter(line -> line.startsWith("0::")).findFirst().orElse("");
      assertThat(cgroupLine).isEqualTo("0::/"); // the cgroup namespace is rooted at the run cgroup
      assertThat(result.termination()).isEqualTo(Termination.CPU_TIME_LIMIT);
      assertThat(usage(result).cpuTotalMicros()).isBetween(300_000L, 400_000L);
    } finally {
      control.close();
    }
    assertThat(RunCgroups.runsIn(RunCgroups.unifiedParent())).isEmpty();
  }
}
