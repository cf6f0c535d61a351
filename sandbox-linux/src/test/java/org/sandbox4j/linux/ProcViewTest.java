package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sandbox4j.Access;
import org.sandbox4j.CompletedRun;
import org.sandbox4j.DataSize;
import org.sandbox4j.ProcView;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxResult;

/**
 * What programs inside read about their machine, with the view: the tools people use
 * ({@code free}, {@code nproc}, {@code getconf}, {@code top}, {@code uptime}), Python and a
 * JVM, all reading the real files the view mounts over the kernel's.
 */
class ProcViewTest {
  private static final long MIB = 1 << 20;
  private static final DataSize LIMIT = DataSize.ofMebibytes(256);
  private static final int HOST_CPUS = CgroupDriver.onlineCpus();

  /**
   * Skips a test of live values where this user cannot open /dev/fuse: there the automatic
   * view is static (withoutFuseTheAutomaticViewIsStatic) and asking for a live one fails.
   */
  private static void assumeLive() {
    org.junit.jupiter.api.Assumptions.assumeTrue(HostViewSupport.fuseUnavailableReason().isEmpty(),
        () -> "the live view needs FUSE: " + HostViewSupport.fuseUnavailableReason().orElse(""));
  }

  /** The strict sandbox with a memory limit; skips the test where this JVM has no cgroup. */
  private static Sandbox.Builder limited() {
    TestHost.assumeCgroups();
    return Sandbox.builder().strict().memoryLimit(LIMIT);
  }

  private static CompletedRun sh(Sandbox sandbox, String script) throws Exception {
    CompletedRun run = sandbox.command("/bin/sh", "-c", script).run();
    assertThat(run.result().succeeded()).as("%s\nstdout: %s\nstderr: %s", run.result(), run.stdout(), run.stderr())
        .isTrue();
    return run;
  }

  private static long field(String text, String regex) {
    Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(text);
    assertThat(m.find()).as("%s in:\n%s", regex, text).isTrue();
    return Long.parseLong(m.group(1));
  }

  @ParameterizedTest
  @EnumSource(value = ProcView.class, names = {"LIVE", "STATIC"})
  void freeReportsTheMemoryLimitAsTotal(ProcView view) throws Exception {
    if (view == ProcView.LIVE) {
      assumeLive();
    }
    CompletedRun run = sh(limited().procView(view).build(), "free -b");
    assertThat(field(run.stdout(), "^Mem:\\s+(\\d+)")).isEqualTo(LIMIT.toBytes());
    assertThat(field(run.stdout(), "^Swap:\\s+(\\d+)")).isZero();
    assertThat(run.result().procView()).isEqualTo(view);
  }

  @Test
  void aLimitTurnsTheLiveViewOnByItself() throws Exception {
    assumeLive();
    CompletedRun run = sh(limited().build(), "head -1 /proc/meminfo");
    assertThat(run.result().procView()).isEqualTo(ProcView.LIVE);
    assertThat(field(run.stdout(), "^MemTotal:\\s+(\\d+) kB")).isEqualTo(LIMIT.toBytes() / 1024);
  }

  @Test
  void withoutLimitsOrWithTheViewOffTheKernelsFilesShow() throws Exception {
    long hostTotal = field(Files.readString(Path.of("/proc/meminfo")), "^MemTotal:\\s+(\\d+) kB");
    CompletedRun plain = sh(Sandbox.builder().strict().build(), "head -1 /proc/meminfo");
    assertThat(plain.result().procView()).isEqualTo(ProcView.OFF);
    assertThat(field(plain.stdout(), "^MemTotal:\\s+(\\d+) kB")).isEqualTo(hostTotal);
    CompletedRun off = sh(limited().procView(ProcView.OFF).build(), "head -1 /proc/meminfo");
    assertThat(field(off.stdout(), "^MemTotal:\\s+(\\d+) kB")).isEqualTo(hostTotal);
  }

  /** The numbers: 1.5 CPUs of this host's 2 round up to 2; cpuset {0} plus half a CPU is 1. */
  @Test
  void everyWayOfCountingCpusAgreesWithTheSandboxsCpus() throws Exception {
    String count = "nproc; getconf _NPROCESSORS_ONLN; /usr/bin/python3 -c 'import os; print(os.cpu_count())';"
        + " grep -c ^processor /proc/cpuinfo; grep -c '^cpu[0-9]' /proc/stat; cat /sys/devices/system/cpu/online";
    if (HOST_CPUS >= 2) {
      CompletedRun run = sh(limited().cpus(1.5).build(), count);
      assertThat(run.stdout().lines()).containsExactly("2", "2", "2", "2", "2", "0-1");
    }
    CompletedRun one = sh(limited().cpuset("0").cpus(0.5).build(), count);
    assertThat(one.stdout().lines()).containsExactly("1", "1", "1", "1", "1", "0");
  }

  @Test
  void allocatingAHundredMebibytesLowersMemAvailableByAboutThat() throws Exception {
    assumeLive();
    String program = String.join("\n",
        "def avail():",
        "    for line in open('/proc/meminfo'):",
        "        if line.startswith('MemAvailable:'):",
        "            return int(line.split()[1]) * 1024",
        "before = avail()",
        "block = bytearray(100 << 20)",
        "for i in range(0, len(block), 4096):",
        "    block[i] = 1",
        // The view renders from counters it caches briefly (longer where reading them is slow,
        // as under emulation): the new value shows within that, not necessarily at once.
        "import time",
        "deadline = time.monotonic() + 5",
        "after = avail()",
        "while before - after < (90 << 20) and time.monotonic() < deadline:",
        "    time.sleep(0.05)",
        "    after = avail()",
        "print(before, after)");
    CompletedRun run = limited().build().command("/usr/bin/python3", "-c", program).run();
    assertThat(run.result().succeeded()).as(run.stderr()).isTrue();
    String[] values = run.stdout().trim().split(" ");
    long drop = Long.parseLong(values[0]) - Long.parseLong(values[1]);
    assertThat(drop).isBetween(90 * MIB, 120 * MIB);
  }

  @Test
  void uptimeCountsFromTheSandboxsStart() throws Exception {
    CompletedRun run = sh(limited().build(), "cat /proc/uptime; uptime");
    List<String> lines = run.stdout().lines().toList();
    double uptime = Double.parseDouble(lines.get(0).split(" ")[0]);
    assertThat(uptime).isBetween(0.0, 30.0);
    assertThat(lines.get(1)).contains("up 0 min");
  }

  @Test
  void topShowsTheSandboxsMemory() throws Exception {
    CompletedRun run = sh(limited().build(), "top -bn1 | head -5");
    assertThat(run.stdout()).containsPattern("MiB Mem :\\s+256\\.0 total");
  }

  @Test
  void theViewsFilesCannotBeWrittenEvenByRootInside() throws Exception {
    CompletedRun run = limited().build().command("/bin/sh", "-c",
        "for f in /proc/meminfo /proc/cpuinfo /proc/stat /proc/uptime /proc/loadavg /proc/swaps"
            + " /sys/devices/system/cpu/online /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max;"
            + " do [ -e $f ] || continue; echo 1 > $f && echo wrote $f; done; echo done").run();
    assertThat(run.stdout()).doesNotContain("wrote").contains("done");
  }

  @Test
  void loadavgAndSwapsShowOnlyTheSandbox() throws Exception {
    assumeLive();
    CompletedRun run = sh(limited().build(), "cat /proc/loadavg; cat /proc/swaps | wc -l");
    List<String> lines = run.stdout().lines().toList();
    String[] load = lines.get(0).split(" ");
    assertThat(load).hasSize(5);
    // The shell and cat: a handful of tasks, where the host has hundreds.
    assertThat(Integer.parseInt(load[3].split("/")[1])).isBetween(1, 10);
    assertThat(lines.get(1)).isEqualTo("1"); // the header: no swap allowed
  }

  @Test
  void theCgroupNamespaceShowsTheRunsCgroupAsRootReadOnly() throws Exception {
    CompletedRun run = sh(limited().build(), "cat /proc/self/cgroup; cat /sys/fs/cgroup/memory/memory.limit_in_bytes"
        + " /sys/fs/cgroup/memory.max 2>/dev/null; true");
    String out = run.stdout();
    assertThat(out).containsPattern("(?m)^(\\d+:memory:/|0::/)$");
    assertThat(out).contains(String.valueOf(LIMIT.toBytes()));
  }

  @Test
  void aJvmInsideSizesItselfForTheSandbox() throws Exception {
    Path javaHome = Path.of(System.getProperty("java.home")).toRealPath();
    String java = javaHome.resolve("bin/java").toString();
    Sandbox.Builder builder = limited().cpuset("0").cpus(0.5).withoutSeccomp();
    if (!javaHome.startsWith("/usr/")) {
      builder.bindMount(javaHome, javaHome.toString(), Access.READ_ONLY);
    }
    CompletedRun run = builder.build().command(java, "-XX:+PrintFlagsFinal", "-version").run();
    assertThat(run.result().succeeded()).as(run.stderr()).isTrue();
    long maxHeap = field(run.stdout(), "size_t MaxHeapSize\\s+=\\s+(\\d+)");
    // The default is a quarter of the memory the JVM believes it has: 64 MiB of 256, not of the host's.
    assertThat(maxHeap).isLessThanOrEqualTo(LIMIT.toBytes() / 2);
    CompletedRun cpus = builder.build().command(java, "-XshowSettings:system", "-version").run();
    assertThat(cpus.stderr() + cpus.stdout()).containsPattern("(?i)(Effective CPU Count|Active Processor Count):\\s+1");
  }

  @Test
  void anExplicitViewNeedsTheSandboxsOwnProc() {
    assertThatThrownBy(() -> Sandbox.builder().hostRootfs().memoryLimit(LIMIT).procView(ProcView.LIVE).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("procView(LIVE)").hasMessageContaining("mountProc()");
  }

  @Test
  void theResultAndThePlanNameTheView() throws Exception {
    Sandbox sandbox = limited().procView(ProcView.STATIC).build();
    assertThat(sandbox.command("/bin/true").plan().procView()).isEqualTo(ProcView.STATIC);
    assertThat(sandbox.command("/bin/true").plan().toString()).contains("view /proc/meminfo (snapshot");
    SandboxResult result = sandbox.command("/bin/true").run().result();
    assertThat(result.procView()).isEqualTo(ProcView.STATIC);
  }

  @Test
  void withoutACgroupALimitFailsClosedAndAnUnenforcedOneIsNotShownAsIfItHeld() throws Exception {
    TestHost.assumeNoCgroups();
    Sandbox.Builder limitedWithoutCgroup = Sandbox.builder().strict().memoryLimit(LIMIT);
    assertThatThrownBy(() -> limitedWithoutCgroup.build().command("/bin/true").run())
        .isInstanceOf(org.sandbox4j.SandboxLaunchException.class).hasMessageContaining("memoryLimit(256 MiB)");
    long hostTotal = field(Files.readString(Path.of("/proc/meminfo")), "^MemTotal:\\s+(\\d+) kB");
    CompletedRun run = sh(Sandbox.builder().strict().memoryLimit(LIMIT).allowUnenforcedLimits().build(),
        "head -1 /proc/meminfo");
    assertThat(run.result().unenforcedLimits()).isNotEmpty();
    assertThat(run.result().procView()).isEqualTo(ProcView.OFF);
    assertThat(field(run.stdout(), "^MemTotal:\\s+(\\d+) kB")).isEqualTo(hostTotal);
  }

  @Test
  void withoutACgroupAStaticViewStillWorksAndALiveOneFailsNamingTheRemedy() throws Exception {
    TestHost.assumeNoCgroups();
    CompletedRun run = sh(Sandbox.builder().strict().cpuset("0").allowUnenforcedLimits().procView(ProcView.STATIC)
        .build(), "grep -c ^processor /proc/cpuinfo; cat /sys/devices/system/cpu/online");
    assertThat(run.result().procView()).isEqualTo(ProcView.STATIC);
    // The cpuset is not enforced here, so the view shows the host's CPUs, not CPU 0 alone.
    assertThat(run.stdout().lines()).containsExactly(String.valueOf(HOST_CPUS), HOST_CPUS == 1 ? "0" : "0-" + (HOST_CPUS - 1));
    assertThatThrownBy(() -> Sandbox.builder().strict().procView(ProcView.LIVE).build().command("/bin/true").run())
        .isInstanceOf(org.sandbox4j.SandboxLaunchException.class)
        .hasMessageContaining("proc view").hasMessageContaining("procView(ProcView.STATIC)");
  }

  @Test
  void withoutFuseTheAutomaticViewIsStatic() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(HostViewSupport.fuseUnavailableReason().isPresent(),
        "this user can open /dev/fuse");
    CompletedRun run = sh(limited().build(), "head -1 /proc/meminfo");
    assertThat(run.result().procView()).isEqualTo(ProcView.STATIC);
    assertThat(field(run.stdout(), "^MemTotal:\\s+(\\d+) kB")).isEqualTo(LIMIT.toBytes() / 1024);
    assertThatThrownBy(() -> limited().procView(ProcView.LIVE).build().command("/bin/true").run())
        .isInstanceOf(org.sandbox4j.SandboxLaunchException.class).hasMessageContaining("/dev/fuse");
  }
}
