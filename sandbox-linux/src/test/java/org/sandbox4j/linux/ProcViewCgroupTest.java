package org.sandbox4j.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sandbox4j.DataSize;
import org.sandbox4j.ResourceLimits;
import org.sandbox4j.Sandbox;

/** The readings of real run cgroups, and a view that follows them live. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProcViewCgroupTest {
  @org.junit.jupiter.api.BeforeAll
  static void needsRoot() {
    TestHost.assumeRoot("the test makes run cgroups and moves host processes into them");
  }

  private static final long MIB = 1 << 20;
  /** Waits for a line, allocates (and touches) 100 MiB, says so, waits for another line. */
  private static final String ALLOCATE = "import sys\n"
      + "sys.stdin.readline()\n"
      + "a = bytearray(b'\\x01') * (100 << 20)\n"
      + "print('allocated', flush=True)\n"
      + "sys.stdin.readline()\n";

  private static long kb(String meminfo, String key) {
    Matcher m = Pattern.compile("^" + Pattern.quote(key) + ":\\s+(\\d+) kB$", Pattern.MULTILINE).matcher(meminfo);
    assertThat(m.find()).as("%s in\n%s", key, meminfo).isTrue();
    return Long.parseLong(m.group(1));
  }

  /** Moves {@code pid} into the run cgroup, as the helper moves the program (each v1 hierarchy, or the v2 one). */
  private static void join(RunCgroup run, long pid) throws Exception {
    for (Path dir : run.directories()) {
      CgroupFiles.write(dir.resolve("cgroup.procs"), Long.toString(pid), "");
    }
  }

  @Test
  void meminfoFallsByWhatAProgramInTheRunCgroupAllocates(@TempDir Path mountPoint) throws Exception {
    ResourceLimits limits = Sandbox.builder().memoryLimit(DataSize.ofMebibytes(512)).build().limits();
    RunCgroup run = CgroupDriver.detect().create(limits);
    Process python = new ProcessBuilder("/usr/bin/python3", "-c", ALLOCATE).redirectErrorStream(true).start();
    try {
      join(run, python.pid());
      ProcViewModel model = ProcViewModel.of(limits, run, Kernel.bootTimeNanos());
      try (ProcViewTestMount mount = ProcViewTestMount.serving(mountPoint, model)) {
        String before = Files.readString(mount.file("meminfo"));
        assertThat(kb(before, "MemTotal")).isEqualTo(512 * 1024);

        OutputStream stdin = python.getOutputStream();
        BufferedReader stdout = new BufferedReader(new InputStreamReader(python.getInputStream(), UTF_8));
        stdin.write("go\n".getBytes(UTF_8));
        stdin.flush();
        assertThat(stdout.readLine()).isEqualTo("allocated");
        Thread.sleep(2 * ProcViewLive.CACHE_NANOS / 1_000_000); // past the view's cache of readings

        String after = Files.readString(mount.file("meminfo"));
        assertThat(kb(after, "MemTotal")).isEqualTo(512 * 1024);
        assertThat(kb(before, "MemFree") - kb(after, "MemFree")).as("MemFree fell by").isGreaterThanOrEqualTo(95 * 1024);
        assertThat(kb(before, "MemAvailable") - kb(after, "MemAvailable")).as("MemAvailable fell by")
            .isGreaterThanOrEqualTo(95 * 1024);
        assertThat(kb(after, "AnonPages")).isGreaterThanOrEqualTo(95 * 1024);

        // The one task of the sandbox, known by its pid (the host's here: no pid namespace).
        String loadavg = Files.readString(mount.file("loadavg"));
        assertThat(loadavg).matches("\\d+\\.\\d\\d \\d+\\.\\d\\d \\d+\\.\\d\\d [01]/1 " + python.pid() + "\n");
        String stat = Files.readString(mount.file("stat"));
        assertThat(stat).contains("\nprocesses 1\n");
        ProcViewReadings readings = run.viewReadings();
        assertThat(readings.cpuUserNanos() + readings.cpuSystemNanos()).isPositive();
        assertThat(readings.memoryLimitBytes()).hasValue(512 * MIB);
        assertThat(readings.tasks().total()).as("the counters come without the tasks").isZero();
        assertThat(run.viewTasks().maxInnerPid()).isEqualTo((int) python.pid());
      }
    } finally {
      python.destroyForcibly().waitFor();
      run.destroy();
    }
  }

  @Test
  void aRunCgroupNamesItsHierarchiesInTheOrderOfItsDirectories() throws Exception {
    RunCgroup run = CgroupDriver.detect().create(Sandbox.builder().build().limits());
    try {
      List<String> names = run.hierarchyNames();
      List<Path> dirs = run.directories();
      assertThat(names).hasSameSizeAs(dirs);
      if (run.version() == 2) {
        assertThat(names).containsExactly("");
        return;
      }
      assertThat(names).contains("memory", "cpuacct", "pids", "freezer", "blkio");
      for (int i = 0; i < names.size(); i++) {
        // Each hierarchy is mounted at <cgroup mount root>/<name>; the run sits somewhere below.
        assertThat(dirs.get(i).toString()).startsWith("/sys/fs/cgroup/" + names.get(i) + "/");
      }
    } finally {
      run.destroy();
    }
  }

  @Test
  void theUnifiedHierarchysRunCgroupReadsWithoutControllers() throws Exception {
    CgroupDriver unified = RunCgroups.unifiedDriverOrNull();
    assumeTrue(unified != null && RunCgroups.hostUsesV1(), "a hybrid host's controller-less cgroup2 hierarchy");
    RunCgroup run = unified.create(Sandbox.builder().build().limits());
    try {
      assertThat(run.hierarchyNames()).containsExactly("");
      ProcViewReadings readings = run.viewReadings();
      assertThat(readings.memoryUsageBytes()).isZero(); // no memory controller: nothing to read, nothing made up
      assertThat(run.viewTasks().total()).isZero();
    } finally {
      run.destroy();
    }
  }

  @Test
  void v2ReadingsComeFromTheCgroupAndTheLowestLimitOfItsAncestors(@TempDir Path root) throws Exception {
    Path parent = Files.createDirectories(root.resolve("sandbox4j"));
    Path run = Files.createDirectories(parent.resolve("run-1"));
    Files.writeString(parent.resolve("memory.max"), "1073741824\n");
    Files.writeString(parent.resolve("memory.swap.max"), "max\n");
    Files.writeString(run.resolve("memory.max"), "max\n");
    Files.writeString(run.resolve("memory.swap.max"), "67108864\n");
    Files.writeString(run.resolve("memory.current"), "209715200\n");
    Files.writeString(run.resolve("memory.swap.current"), "1048576\n");
    Files.writeString(run.resolve("memory.stat"), "anon 104857600\nfile 52428800\nkernel 4194304\n"
        + "kernel_stack 131072\npagetables 262144\nshmem 1048576\nfile_mapped 2097152\nfile_dirty 4096\n"
        + "file_writeback 0\nanon_thp 0\ninactive_anon 0\nactive_anon 104857600\ninactive_file 41943040\n"
        + "active_file 10485760\nunevictable 0\nslab_reclaimable 3145728\nslab_unreclaimable 1048576\nslab 4194304\n"
        + "pgfault 12345\n");
    Files.writeString(run.resolve("cpu.stat"), "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n"
        + "nr_periods 0\n");
    Files.writeString(run.resolve("cgroup.threads"), ProcessHandle.current().pid() + "\n");

    ProcViewReadings r = CgroupV2Driver.readViewReadings(run);
    assertThat(r.memoryUsageBytes()).isEqualTo(200 * MIB);
    assertThat(r.memoryLimitBytes()).hasValue(1024 * MIB);
    assertThat(r.swapLimitBytes()).hasValue(64 * MIB);
    assertThat(r.swapUsageBytes()).isEqualTo(MIB);
    assertThat(r.memoryStat(ProcViewReadings.MemoryStat.ANON)).isEqualTo(100 * MIB);
    assertThat(r.memoryStat(ProcViewReadings.MemoryStat.FILE)).isEqualTo(50 * MIB);
    assertThat(r.memoryStat(ProcViewReadings.MemoryStat.MAPPED)).isEqualTo(2 * MIB);
    assertThat(r.memoryStat(ProcViewReadings.MemoryStat.SLAB_RECLAIMABLE)).isEqualTo(3 * MIB);
    assertThat(r.memoryStat(ProcViewReadings.MemoryStat.KERNEL_STACK)).isEqualTo(128 * 1024);
    assertThat(r.cpuUserNanos()).isEqualTo(1_000_000_000L);
    assertThat(r.cpuSystemNanos()).isEqualTo(500_000_000L);
    assertThat(r.cpuUsageNanosByHostCpu()).isEmpty();
    assertThat(r.tasks().total()).as("the tasks are read apart").isZero();
    ProcViewReadings.Tasks tasks = CgroupV2Driver.readViewTasks(run, Path.of("/proc"));
    assertThat(tasks.total()).isEqualTo(1);
    assertThat(tasks.maxInnerPid()).isEqualTo((int) ProcessHandle.current().pid());
  }

  /** A v1 run's memory and cpuacct directories with the given memory.stat limits. */
  private static ProcViewReadings v1Readings(Path root, long memoryLimit, long memswLimit) throws Exception {
    Path memory = Files.createDirectories(root.resolve("memory"));
    Path cpuacct = Files.createDirectories(root.resolve("cpuacct"));
    Files.writeString(memory.resolve("memory.usage_in_bytes"), "104857600\n");
    Files.writeString(memory.resolve("memory.stat"), "cache 0\nrss 104857600\nswap 1048576\n"
        + "hierarchical_memory_limit " + memoryLimit + "\nhierarchical_memsw_limit " + memswLimit + "\n"
        + "total_rss 104857600\ntotal_swap 1048576\n");
    Files.writeString(cpuacct.resolve("cpuacct.usage"), "3000000000\n");
    Files.writeString(cpuacct.resolve("cpuacct.usage_user"), "200\n");
    Files.writeString(cpuacct.resolve("cpuacct.usage_sys"), "100\n");
    Files.writeString(cpuacct.resolve("cpuacct.usage_percpu"), "1000000000 2000000000 \n");
    return CgroupV1Driver.readViewReadings(memory, cpuacct);
  }

  @Test
  void v1SwapIsWhatMemswAllowsBeyondTheMemoryLimit(@TempDir Path root) throws Exception {
    long unlimited = 9223372036854771712L; // v1's "no limit"
    ProcViewReadings limited = v1Readings(root.resolve("limited"), 512 * MIB, 768 * MIB);
    assertThat(limited.memoryLimitBytes()).hasValue(512 * MIB);
    assertThat(limited.swapLimitBytes()).hasValue(256 * MIB);
    assertThat(limited.swapUsageBytes()).isEqualTo(MIB);
    assertThat(limited.memoryUsageBytes()).isEqualTo(100 * MIB);
    assertThat(limited.cpuUserNanos()).isEqualTo(2_000_000_000L);
    assertThat(limited.cpuSystemNanos()).isEqualTo(1_000_000_000L);
    assertThat(limited.cpuUsageNanosByHostCpu()).containsEntry(0, 1_000_000_000L).containsEntry(1, 2_000_000_000L);
    // An ancestor's memsw limit without a memory limit: memory may take all of it, so none of it is swap as such.
    ProcViewReadings memswOnly = v1Readings(root.resolve("memsw-only"), unlimited, 768 * MIB);
    assertThat(memswOnly.memoryLimitBytes()).isEmpty();
    assertThat(memswOnly.swapLimitBytes()).isEmpty();
    ProcViewReadings neither = v1Readings(root.resolve("neither"), unlimited, unlimited);
    assertThat(neither.swapLimitBytes()).isEmpty();
    ProcViewReadings memoryOnly = v1Readings(root.resolve("memory-only"), 512 * MIB, unlimited);
    assertThat(memoryOnly.swapLimitBytes()).isEmpty();
    assertThat(CgroupV1Driver.swapLimit(OptionalLong.of(512 * MIB), OptionalLong.of(256 * MIB))).hasValue(0);
  }

  @Test
  void onlyTheFirstTasksStatesAreReadButAllAreCounted(@TempDir Path dir) throws Exception {
    Path proc = Files.createDirectories(dir.resolve("proc"));
    StringBuilder list = new StringBuilder();
    int tasks = CgroupFiles.MAX_TASK_STATES + 44;
    for (int i = 1; i <= tasks; i++) {
      writeStatus(proc, 1000 + i, "R (running)", (1000 + i) + "\t" + i);
      list.append(1000 + i).append('\n');
    }
    Files.writeString(dir.resolve("tasks"), list.toString());
    ProcViewReadings.Tasks read = CgroupFiles.readTasks(dir.resolve("tasks"), proc);
    assertThat(CgroupFiles.MAX_TASK_STATES).isEqualTo(256);
    assertThat(read.total()).isEqualTo(tasks);
    assertThat(read.active()).isEqualTo(CgroupFiles.MAX_TASK_STATES);
    assertThat(read.maxInnerPid()).isEqualTo(CgroupFiles.MAX_TASK_STATES);
  }

  @Test
  void v1StatKeysAreReadInTheirHierarchicalForm() {
    Map<ProcViewReadings.MemoryStat, Long> stat = ProcViewReadings.memoryStat(1, Map.of("rss", 1L, "total_rss", 10L,
        "cache", 20L, "mapped_file", 3L, "total_unevictable", 7L, "slab_reclaimable", 99L));
    assertThat(stat).containsEntry(ProcViewReadings.MemoryStat.ANON, 10L)
        .containsEntry(ProcViewReadings.MemoryStat.FILE, 20L)
        .containsEntry(ProcViewReadings.MemoryStat.MAPPED, 3L)
        .containsEntry(ProcViewReadings.MemoryStat.UNEVICTABLE, 7L)
        .doesNotContainKey(ProcViewReadings.MemoryStat.SLAB_RECLAIMABLE); // v1 has no such key
    assertThat(ProcViewReadings.limit(9223372036854771712L)).isEmpty(); // v1's "unlimited"
    assertThat(ProcViewReadings.limit(512 * MIB)).hasValue(512 * MIB);
  }

  @Test
  void tasksAreReadFromTheListAndEachTasksStatus(@TempDir Path dir) throws Exception {
    Path proc = Files.createDirectories(dir.resolve("proc"));
    writeStatus(proc, 4711, "R (running)", "4711\t1");
    writeStatus(proc, 4712, "D (disk sleep)", "4712\t2");
    writeStatus(proc, 4713, "S (sleeping)", "4713\t3");
    // 4714 is listed but ended before its status was read.
    Path list = dir.resolve("tasks");
    Files.writeString(list, "4711\n4712\n4713\n4714\n");
    ProcViewReadings.Tasks tasks = CgroupFiles.readTasks(list, proc);
    assertThat(tasks.total()).isEqualTo(3);
    assertThat(tasks.running(0)).isEqualTo(1);
    assertThat(tasks.blocked(0)).isEqualTo(1);
    assertThat(tasks.running(3)).as("inner pid 3 reads the file").isEqualTo(2);
    assertThat(tasks.maxInnerPid()).isEqualTo(3);
    assertThat(CgroupFiles.readTasks(dir.resolve("gone"), proc).total()).isZero();
    assertThat(CgroupFiles.stateOf("Name:\tx\nState:\tZ (zombie)\n")).isEqualTo('Z');
    assertThat(CgroupFiles.innerPidOf("Name:\tx\nPid:\t5\n")).isZero(); // a kernel without NSpid
  }

  private static void writeStatus(Path proc, int tid, String state, String nspid) throws Exception {
    Path dir = Files.createDirectories(proc.resolve(Integer.toString(tid)));
    Files.writeString(dir.resolve("status"), "Name:\tworker\nUmask:\t0022\nState:\t" + state + "\nTgid:\t" + tid
        + "\nNgid:\t0\nPid:\t" + tid + "\nPPid:\t1\nNStgid:\t" + nspid + "\nNSpid:\t" + nspid + "\n");
  }
}
