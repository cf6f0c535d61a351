package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.sandbox4j.DataSize;
import org.sandbox4j.Sandbox;

/** The view's files rendered from fixed readings: exact lines, the kernel's formats. */
class ProcViewFilesTest {
  private static final long MIB = 1 << 20;
  private static final long SECOND = 1_000_000_000L;
  /** A host of 16 GiB without swap, 4 KiB pages. */
  private static final ProcViewHost HOST = new ProcViewHost(16L << 30, 0, "", 4096);
  private static final long ORIGIN = 1000 * SECOND;

  private static ProcViewModel.Builder model() {
    return ProcViewModel.builder().memoryLimitBytes(OptionalLong.of(512 * MIB)).swapLimitBytes(OptionalLong.of(0))
        .visibleCpus(List.of(0, 1)).originBootNanos(ORIGIN).startEpochSeconds(1_700_000_000L);
  }

  /** A sandbox using 100 MiB: 60 of them anonymous, 40 page cache of which 8 shmem, 2 MiB reclaimable slab. */
  private static ProcViewReadings.Builder busy() {
    return ProcViewReadings.builder()
        .memoryUsageBytes(100 * MIB)
        .memoryStat(ProcViewReadings.MemoryStat.ANON, 60 * MIB)
        .memoryStat(ProcViewReadings.MemoryStat.FILE, 40 * MIB)
        .memoryStat(ProcViewReadings.MemoryStat.SHMEM, 8 * MIB)
        .memoryStat(ProcViewReadings.MemoryStat.ACTIVE_ANON, 50 * MIB)
        .memoryStat(ProcViewReadings.MemoryStat.INACTIVE_ANON, 18 * MIB)
        .memoryStat(ProcViewReadings.MemoryStat.ACTIVE_FILE, 12 * MIB)
        .memoryStat(ProcViewReadings.MemoryStat.INACTIVE_FILE, 20 * MIB)
        .memoryStat(ProcViewReadings.MemoryStat.MAPPED, 5 * MIB)
        .memoryStat(ProcViewReadings.MemoryStat.SLAB_RECLAIMABLE, 2 * MIB)
        .memoryStat(ProcViewReadings.MemoryStat.SLAB_UNRECLAIMABLE, 1 * MIB)
        .memoryStat(ProcViewReadings.MemoryStat.KERNEL_STACK, 64 * 1024);
  }

  /** "MemFree:          421888 kB" -> MemFree -> 421888, in file order. */
  private static Map<String, Long> meminfoValues(String text) {
    Map<String, Long> values = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      Matcher m = Pattern.compile("^([A-Za-z0-9_()]+):\\s+(\\d+)( kB)?$").matcher(line);
      assertThat(m.matches()).as("line \"%s\"", line).isTrue();
      values.put(m.group(1), Long.parseLong(m.group(2)));
    }
    return values;
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = ProcViewFilesTest.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void meminfoShowsTheLimitAsTotalAndTheCgroupsUseInTheKernelsLayout() {
    String meminfo = ProcViewFiles.meminfo(model().build(), busy().build(), HOST);
    List<String> lines = List.of(meminfo.split("\n"));
    assertThat(lines.subList(0, 5)).containsExactly(
        "MemTotal:         524288 kB",
        "MemFree:          421888 kB",
        // free + clean page cache (40 - 8 MiB) + reclaimable slab (2 MiB)
        "MemAvailable:     456704 kB",
        "Buffers:               0 kB",
        "Cached:            40960 kB");
    assertThat(lines).contains(
        "Active:            63488 kB",
        "Inactive:          38912 kB",
        "Active(anon):      51200 kB",
        "SwapTotal:             0 kB",
        "SwapFree:              0 kB",
        "AnonPages:         61440 kB",
        "Mapped:             5120 kB",
        "Shmem:              8192 kB",
        "Slab:               3072 kB",
        "SReclaimable:       2048 kB",
        "SUnreclaim:         1024 kB",
        "KernelStack:          64 kB",
        "HugePages_Total:       0",
        "Hugepagesize:       2048 kB");
    // Every line is "Key:" padded to 16 columns and a value right-aligned in 8, as show_val_kb.
    for (String line : lines) {
      assertThat(line).matches(line.startsWith("HugePages_") ? "^.{16} *\\d+$" : "^.{16} *\\d+ kB$");
      assertThat(line.substring(0, 16)).matches("^[A-Za-z0-9_()]+: *$");
    }
  }

  @Test
  void meminfoKeysComeInTheKernelsOrder() {
    Map<String, Long> values = meminfoValues(ProcViewFiles.meminfo(model().build(), busy().build(), HOST));
    assertThat(List.copyOf(values.keySet())).containsSubsequence("MemTotal", "MemFree", "MemAvailable", "Buffers",
        "Cached", "SwapCached", "Active", "Inactive", "Active(anon)", "Inactive(anon)", "Active(file)",
        "Inactive(file)", "Unevictable", "Mlocked", "SwapTotal", "SwapFree", "Dirty", "Writeback", "AnonPages",
        "Mapped", "Shmem", "KReclaimable", "Slab", "SReclaimable", "SUnreclaim", "KernelStack", "PageTables",
        "CommitLimit", "Committed_AS", "AnonHugePages", "HugePages_Total", "Hugepagesize", "Hugetlb");
    assertThat(values).doesNotContainKey("DirectMap4k"); // the host's page-table layout is not the sandbox's
  }

  @Test
  void freeComputesUsedAsTheSandboxsNonReclaimableMemory() {
    // procps: used = MemTotal - MemFree - Buffers - (Cached + SReclaimable)
    Map<String, Long> v = meminfoValues(ProcViewFiles.meminfo(model().build(), busy().build(), HOST));
    long used = v.get("MemTotal") - v.get("MemFree") - v.get("Buffers") - v.get("Cached") - v.get("SReclaimable");
    assertThat(used).isEqualTo((100 - 40 - 2) * 1024);
  }

  @Test
  void aSandboxWithoutALimitSeesTheHostsMemoryCappedByAnInheritedLimit() {
    ProcViewModel unlimited = model().memoryLimitBytes(OptionalLong.empty()).swapLimitBytes(OptionalLong.empty())
        .build();
    assertThat(meminfoValues(ProcViewFiles.meminfo(unlimited, busy().build(), HOST)).get("MemTotal"))
        .isEqualTo(16L << 20);
    ProcViewReadings inherited = busy().memoryLimitBytes(OptionalLong.of(1L << 30)).build();
    assertThat(meminfoValues(ProcViewFiles.meminfo(unlimited, inherited, HOST)).get("MemTotal")).isEqualTo(1L << 20);
  }

  @Test
  void usageAboveTheTotalShowsNothingFreeRatherThanANegativeNumber() {
    ProcViewReadings over = busy().memoryUsageBytes(600 * MIB).build();
    Map<String, Long> v = meminfoValues(ProcViewFiles.meminfo(model().build(), over, HOST));
    assertThat(v.get("MemFree")).isZero();
    assertThat(v.get("MemAvailable")).isBetween(0L, v.get("MemTotal"));
  }

  @Test
  void swapIsTheAllowanceCappedByTheHostsSwap() {
    ProcViewHost withSwap = new ProcViewHost(16L << 30, 4L << 30, "", 4096);
    ProcViewModel allowed = model().swapLimitBytes(OptionalLong.of(256 * MIB)).build();
    ProcViewReadings swapping = busy().swapUsageBytes(10 * MIB).build();
    Map<String, Long> v = meminfoValues(ProcViewFiles.meminfo(allowed, swapping, withSwap));
    assertThat(v.get("SwapTotal")).isEqualTo(256 * 1024);
    assertThat(v.get("SwapFree")).isEqualTo(246 * 1024);
    // The same allowance on a host without swap is no swap.
    assertThat(meminfoValues(ProcViewFiles.meminfo(allowed, swapping, HOST)).get("SwapTotal")).isZero();
    assertThat(ProcViewFiles.swaps(allowed, swapping, withSwap)).isEqualTo(ProcViewFiles.SWAPS_HEADER
        + "none" + " ".repeat(36) + "virtual\t\t262144\t\t10240\t\t-2\n");
    assertThat(ProcViewFiles.swaps(model().build(), busy().build(), withSwap)).isEqualTo(ProcViewFiles.SWAPS_HEADER);
  }

  @Test
  void noReadingsRenderAnIdleSandbox() {
    Map<String, Long> v = meminfoValues(ProcViewFiles.meminfo(model().build(), ProcViewReadings.NONE, HOST));
    assertThat(v.get("MemFree")).isEqualTo(v.get("MemTotal"));
    assertThat(v.get("MemAvailable")).isEqualTo(v.get("MemTotal"));
  }

  @Test
  void cpuinfoOfAnX86HostShowsTheVisibleCpusRenumbered() throws IOException {
    String host = resource("cpuinfo-x86_64.txt");
    ProcViewModel secondCpuOnly = model().visibleCpus(List.of(1)).build();
    String view = ProcViewFiles.cpuinfo(secondCpuOnly, host);
    assertThat(view.split("\n")).filteredOn(line -> line.startsWith("processor")).hasSize(1);
    assertThat(view).contains("processor\t: 0\n", "siblings\t: 1\n", "core id\t\t: 0\n", "cpu cores\t: 1\n",
        "apicid\t\t: 0\n", "initial apicid\t: 0\n", "physical id\t: 0\n");
    // Everything else is the host CPU's line as it was: the model name, flags, bugs.
    String hostBlock = host.substring(host.indexOf("processor\t: 1"));
    for (String key : List.of("model name", "flags", "bogomips", "cpu MHz")) {
      assertThat(view).contains(lineOf(hostBlock, key));
    }
    assertThat(view).endsWith("power management:\n\n");

    String both = ProcViewFiles.cpuinfo(model().build(), host);
    assertThat(both.split("\n")).filteredOn(line -> line.startsWith("processor")).containsExactly("processor\t: 0",
        "processor\t: 1");
    assertThat(both).contains("siblings\t: 2\n", "cpu cores\t: 2\n");
  }

  @Test
  void cpuinfoOfAnArm64HostKeepsItsLayout() throws IOException {
    String host = resource("cpuinfo-aarch64.txt");
    ProcViewModel twoOfFour = model().visibleCpus(List.of(2, 3)).build();
    String view = ProcViewFiles.cpuinfo(twoOfFour, host);
    assertThat(view.split("\n")).filteredOn(line -> line.startsWith("processor")).containsExactly("processor\t: 0",
        "processor\t: 1");
    assertThat(view).contains("CPU part\t: 0xd0c\n", "CPU architecture: 8\n");
    String[] blocks = view.split("\n\n");
    assertThat(blocks).hasSize(2);
    assertThat(blocks[1]).isEqualTo(host.split("\n\n")[3].replace("processor\t: 3", "processor\t: 1"));
  }

  @Test
  void cpuinfoDropsAMachinesSerialNumberOutsideTheCpuBlocks() {
    String arm32 = "processor\t: 0\nmodel name\t: ARMv7 Processor rev 4 (v7l)\n\n"
        + "processor\t: 1\nmodel name\t: ARMv7 Processor rev 4 (v7l)\n\n"
        + "Hardware\t: BCM2835\nRevision\t: a02082\nSerial\t\t: 00000000deadbeef\nModel\t\t: Raspberry Pi 3\n";
    String view = ProcViewFiles.cpuinfo(model().visibleCpus(List.of(0)).build(), arm32);
    assertThat(view).isEqualTo("processor\t: 0\nmodel name\t: ARMv7 Processor rev 4 (v7l)\n\n"
        + "Hardware\t: BCM2835\nRevision\t: a02082\nModel\t\t: Raspberry Pi 3\n\n");
  }

  private static String lineOf(String text, String key) {
    for (String line : text.split("\n")) {
      if (line.startsWith(key)) {
        return line + "\n";
      }
    }
    throw new AssertionError("no " + key + " in " + text);
  }

  @Test
  void statSpreadsTheCgroupsCpuTimeOverTheVisibleCpusAndIdleIsTheRest() {
    // 10 s up on 2 CPUs, 3 s user + 1 s system: 4 s busy, 16 s idle.
    ProcViewReadings r = busy().cpuNanos(3 * SECOND, SECOND)
        .tasks(new ProcViewReadings.Tasks(5, new int[] {1, 2, 3, 7, 9}, new byte[] {'S', 'R', 'R', 'D', 'S'}))
        .build();
    String stat = ProcViewFiles.stat(model().build(), r, ORIGIN + 10 * SECOND, 0);
    assertThat(stat).isEqualTo(
        "cpu  300 0 100 1600 0 0 0 0 0 0\n"
            + "cpu0 150 0 50 800 0 0 0 0 0 0\n"
            + "cpu1 150 0 50 800 0 0 0 0 0 0\n"
            + "intr 0\n"
            + "ctxt 0\n"
            + "btime 1700000000\n"
            + "processes 5\n"
            + "procs_running 2\n"
            + "procs_blocked 1\n"
            + "softirq 0 0 0 0 0 0 0 0 0 0 0\n");
    // The reader is running, whatever state its wait for this very file put it in.
    String asReader = ProcViewFiles.stat(model().build(), r, ORIGIN + 10 * SECOND, 7);
    assertThat(asReader).contains("procs_running 3\nprocs_blocked 0\n");
  }

  @Test
  void statUsesPerCpuTimeWhereTheCgroupHasIt() {
    // v1's usage_percpu: 1 s on host CPU 2, 3 s on CPU 3, 0.5 s on CPU 0 which the view does not show.
    ProcViewReadings r = ProcViewReadings.builder().cpuNanos(4 * SECOND, SECOND / 2)
        .cpuUsageNanos(0, SECOND / 2).cpuUsageNanos(2, SECOND).cpuUsageNanos(3, 3 * SECOND).build();
    ProcViewModel model = model().visibleCpus(List.of(2, 3)).build();
    long[] busy = ProcViewFiles.busyNanosPerCpu(model, r);
    assertThat(busy).containsExactly(SECOND + SECOND / 4, 3 * SECOND + SECOND / 4);
    String stat = ProcViewFiles.stat(model, r, ORIGIN + 10 * SECOND, 0);
    assertThat(stat.split("\n")[1]).isEqualTo("cpu0 111 0 13 875 0 0 0 0 0 0");
    assertThat(stat.split("\n")[2]).isEqualTo("cpu1 288 0 36 675 0 0 0 0 0 0");
  }

  @Test
  void idleIsNeverNegative() {
    // CPU time from before the origin (the cgroup counts from its creation) exceeds the uptime.
    ProcViewReadings r = ProcViewReadings.builder().cpuNanos(30 * SECOND, 0).build();
    assertThat(ProcViewFiles.stat(model().build(), r, ORIGIN + 10 * SECOND, 0)).startsWith("cpu  3000 0 0 0 ");
    assertThat(ProcViewFiles.uptime(model().build(), r, ORIGIN + 10 * SECOND)).isEqualTo("10.00 0.00\n");
  }

  @Test
  void uptimeCountsFromTheRunsStartWithTheIdleTimeOfItsCpus() {
    ProcViewReadings r = ProcViewReadings.builder().cpuNanos(SECOND, SECOND / 4).build();
    // 12.345 s up on 2 CPUs, 1.25 s busy: idle 2 * 12.345 - 1.25 = 23.44
    assertThat(ProcViewFiles.uptime(model().build(), r, ORIGIN + 12_345_000_000L)).isEqualTo("12.34 23.44\n");
    assertThat(ProcViewFiles.uptime(model().build(), r, ORIGIN - SECOND)).isEqualTo("0.00 0.00\n");
    assertThat(ProcViewFiles.uptime(model().build(), r, ORIGIN + 3 * SECOND + 50_000_000L)).isEqualTo("3.05 4.85\n");
  }

  @Test
  void loadavgPrintsTheAveragesTasksAndHighestInnerPid() {
    ProcViewLoad load = new ProcViewLoad(ORIGIN);
    load.advance(ORIGIN + 60 * SECOND, 2); // 12 samples of 2 active tasks
    ProcViewReadings.Tasks tasks = new ProcViewReadings.Tasks(6, new int[] {1, 2, 31, 40, 41, 42},
        new byte[] {'S', 'S', 'R', 'R', 'D', 'S'});
    assertThat(ProcViewFiles.loadavg(load, tasks, 0)).isEqualTo("1.27 0.36 0.13 2/6 42\n");
    assertThat(ProcViewFiles.loadavg(load, tasks, 2)).isEqualTo("1.27 0.36 0.13 3/6 42\n");
    assertThat(ProcViewFiles.loadavg(new ProcViewLoad(ORIGIN), ProcViewReadings.Tasks.NONE, 0))
        .isEqualTo("0.00 0.00 0.00 0/0 0\n");
  }

  @Test
  void theLoadAverageFollowsTheKernelsFixedPointMath() {
    // One sample of one task from zero: (0 * 1884 + 2048 * (2048 - 1884) + 2047) / 2048 = 164.
    assertThat(ProcViewLoad.calcLoad(0, ProcViewLoad.EXP_1, ProcViewLoad.FIXED_1)).isEqualTo(164);
    // exp^n by squaring equals n single samples of the same count, to within rounding.
    long stepwise = 0;
    for (int i = 0; i < 12; i++) {
      stepwise = ProcViewLoad.calcLoad(stepwise, ProcViewLoad.EXP_1, 2 * ProcViewLoad.FIXED_1);
    }
    long atOnce = ProcViewLoad.calcLoadN(0, ProcViewLoad.EXP_1, 2 * ProcViewLoad.FIXED_1, 12);
    assertThat(Math.abs(stepwise - atOnce)).isLessThanOrEqualTo(12);
    assertThat(ProcViewLoad.fixedPower(ProcViewLoad.EXP_1, 0)).isEqualTo(ProcViewLoad.FIXED_1);
    assertThat(ProcViewLoad.fixedPower(ProcViewLoad.EXP_1, 1)).isEqualTo(ProcViewLoad.EXP_1);
  }

  @Test
  void theLoadAverageDecaysOncePeriodsPassWithoutWork() {
    ProcViewLoad load = new ProcViewLoad(0);
    load.advance(15 * 60 * SECOND, 4);
    long[] busy = load.averages();
    assertThat(busy[0]).isEqualTo(4 * ProcViewLoad.FIXED_1); // rounding up while rising reaches 4 exactly
    load.advance(15 * 60 * SECOND + 4 * SECOND, 0); // less than one period: nothing sampled
    assertThat(load.averages()).isEqualTo(busy);
    load.advance(20 * 60 * SECOND, 0);
    long[] idle = load.averages();
    assertThat(idle[0]).isLessThan(busy[0] / 100); // 5 idle minutes: the 1-minute average is near 0
    assertThat(idle[2]).isBetween(busy[2] / 2, busy[2]); // the 15-minute one has decayed by about e^(-1/3)
  }

  @Test
  void cpusListsTheVisibleCpusInTheKernelsListFormat() {
    assertThat(ProcViewFiles.cpus(model().build())).isEqualTo("0-1\n");
    assertThat(ProcViewFiles.cpus(model().visibleCpus(List.of(5)).build())).isEqualTo("0\n");
  }

  @Test
  void theViewShowsTheFirstCpusOfTheCpusetAsManyAsTheQuotaRoundedUp() {
    TreeSet<Integer> host = new TreeSet<>(List.of(0, 1, 2, 3, 4, 5, 6, 7));
    Optional<Duration> period = Optional.of(Duration.ofMillis(100));
    assertThat(ProcViewModel.visibleCpus(new TreeSet<>(List.of(2, 4, 5)), Optional.empty(), Optional.empty()))
        .containsExactly(2, 4, 5);
    assertThat(ProcViewModel.visibleCpus(host, Optional.of(Duration.ofMillis(150)), period)).containsExactly(0, 1);
    assertThat(ProcViewModel.visibleCpus(new TreeSet<>(List.of(3, 4, 5, 6, 7)), Optional.of(Duration.ofMillis(20)),
        period)).containsExactly(3);
    assertThat(ProcViewModel.visibleCpus(new TreeSet<>(List.of(6, 7)), Optional.of(Duration.ofMillis(800)), period))
        .containsExactly(6, 7);
    assertThat(ProcViewModel.ceilCpus(Duration.ofMillis(200), Duration.ofMillis(100))).isEqualTo(2);
    assertThat(ProcViewModel.ceilCpus(Duration.ofMillis(201), Duration.ofMillis(100))).isEqualTo(3);
    assertThat(ProcViewModel.ceilCpus(Duration.ofMillis(1), Duration.ofMillis(100))).isEqualTo(1);
  }

  @Test
  void aHugeQuotaNeitherOverflowsNorThrows() {
    Duration millennium = Duration.ofDays(365 * 1000); // beyond what a long holds in nanoseconds
    Duration period = Duration.ofMillis(100);
    assertThat(ProcViewModel.ceilCpus(millennium, period)).isEqualTo(Integer.MAX_VALUE);
    // q + p - 1 would wrap to a negative count here
    assertThat(ProcViewModel.ceilCpus(Duration.ofNanos(Long.MAX_VALUE - 10), Duration.ofSeconds(1)))
        .isEqualTo(Integer.MAX_VALUE);
    assertThat(ProcViewModel.ceilCpus(Duration.ofNanos(Long.MAX_VALUE), Duration.ofNanos(Long.MAX_VALUE)))
        .isEqualTo(1);
    assertThat(ProcViewModel.ceilCpus(Duration.ofNanos(Long.MAX_VALUE - 1), Duration.ofNanos(Long.MAX_VALUE / 2)))
        .isEqualTo(2);
    TreeSet<Integer> four = new TreeSet<>(List.of(0, 1, 2, 3));
    assertThat(ProcViewModel.visibleCpus(four, Optional.of(millennium), Optional.of(period)))
        .containsExactly(0, 1, 2, 3);
    ProcViewModel model = ProcViewModel.of(Sandbox.builder().cpuQuota(millennium).build().limits(), Optional.empty(),
        0, four);
    assertThat(model.cpuCount()).isEqualTo(4);
  }

  @Test
  void theModelTakesItsCpusFromTheLimitsOrTheInheritedCpuset() {
    TreeSet<Integer> inherited = new TreeSet<>(List.of(0, 1));
    ProcViewModel cpuset = ProcViewModel.of(Sandbox.builder().cpuset("1").build().limits(), Optional.empty(), 0,
        inherited);
    assertThat(cpuset.visibleCpus()).containsExactly(1);
    ProcViewModel quota = ProcViewModel.of(Sandbox.builder().cpus(0.5).build().limits(), Optional.empty(), 0,
        inherited);
    assertThat(quota.visibleCpus()).containsExactly(0);
    ProcViewModel none = ProcViewModel.of(Sandbox.builder().build().limits(), Optional.empty(), 0, inherited);
    assertThat(none.visibleCpus()).containsExactly(0, 1);
    assertThat(none.memoryLimitBytes()).isEmpty();
    assertThat(none.swapLimitBytes()).isEmpty();
    assertThat(ProcViewModel.jvmCpus()).isNotEmpty();
  }

  @Test
  void theModelTakesTheMemoryLimitAndSwapOnlyWithIt() {
    ProcViewModel model = ProcViewModel.of(Sandbox.builder().memoryLimit(DataSize.ofMebibytes(256)).build().limits(),
        Optional.empty(), 0, new TreeSet<>(List.of(0)));
    assertThat(model.memoryLimitBytes()).hasValue(256 * MIB);
    assertThat(model.swapLimitBytes()).hasValue(0); // no swap unless allowed
    ProcViewModel swap = ProcViewModel.of(Sandbox.builder().memoryLimit(DataSize.ofMebibytes(256))
        .swapLimit(DataSize.ofMebibytes(64)).build().limits(), Optional.empty(), 0, new TreeSet<>(List.of(0)));
    assertThat(swap.swapLimitBytes()).hasValue(64 * MIB);
  }

  @Test
  void aSnapshotIsAnIdleSandboxWithItsLimits() {
    org.sandbox4j.ResourceLimits limits = Sandbox.builder().memoryLimit(DataSize.ofMebibytes(256)).cpus(1)
        .build().limits();
    Map<String, Long> v = meminfoValues(ProcViewFiles.snapshot("meminfo", limits));
    assertThat(v.get("MemTotal")).isEqualTo(256 * 1024);
    assertThat(v.get("MemFree")).isEqualTo(256 * 1024);
    assertThat(ProcViewFiles.snapshot("cpus", limits)).isEqualTo("0\n");
    assertThat(ProcViewFiles.snapshot("uptime", limits)).isEqualTo("0.00 0.00\n");
    assertThat(ProcViewFiles.snapshot("loadavg", limits)).isEqualTo("0.00 0.00 0.00 0/0 0\n");
    assertThat(ProcViewFiles.snapshot("cpuinfo", limits).split("\n"))
        .filteredOn(line -> line.startsWith("processor")).hasSize(1);
    assertThatThrownBy(() -> ProcViewFiles.snapshot("kcore", limits)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("kcore");
  }

  @Test
  void tasksCountTheRequesterAsRunningAndKnowTheHighestPid() {
    ProcViewReadings.Tasks tasks = new ProcViewReadings.Tasks(4, new int[] {9, 3, 5, 1},
        new byte[] {'D', 'R', 'S', 'S'});
    assertThat(tasks.maxInnerPid()).isEqualTo(9);
    assertThat(tasks.active()).isEqualTo(2);
    assertThat(tasks.running(0)).isEqualTo(1);
    assertThat(tasks.running(5)).isEqualTo(2); // sleeping while it waits for the file: it reads, it runs
    assertThat(tasks.running(3)).isEqualTo(1); // already running
    assertThat(tasks.running(77)).isEqualTo(1); // not one of the sandbox's
    assertThat(tasks.blocked(9)).isZero();
    assertThat(tasks.blocked(1)).isEqualTo(1);
  }
}
