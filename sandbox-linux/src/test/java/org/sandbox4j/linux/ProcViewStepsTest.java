package org.sandbox4j.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.sandbox4j.Capability;
import org.sandbox4j.DataSize;
import org.sandbox4j.LaunchPlan;
import org.sandbox4j.MountStep;
import org.sandbox4j.MountStep.Flag;
import org.sandbox4j.MountStep.Op;
import org.sandbox4j.Namespace;
import org.sandbox4j.ResourceLimits;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxLaunchException;
import org.sandbox4j.SandboxResult;
import org.sandbox4j.Termination;

/**
 * The helper's side of the honest {@code /proc}, on the real kernel: VIEW_SNAPSHOT steps, the
 * VIEW_LIVE failure paths, the time namespace, the cgroup namespace rooted at the run cgroup
 * and CGROUP_VIEW, and the helper's decoder refusing malformed forms of the new records.
 *
 * <p>Plans that need what {@link HelperProcess} does not pass (a time origin, a cgroup binding
 * with hierarchy names, a chosen fd 5) or that are malformed on purpose go to the helper by
 * hand ({@link #spawn}): plan on fd 3, status on fd 4, as the protocol says.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProcViewStepsTest {
  private static final Set<Flag> NONE = EnumSet.noneOf(Flag.class);
  private static final Set<Flag> MOUNT_FLAGS = EnumSet.of(Flag.NOSUID, Flag.NODEV, Flag.NOEXEC);
  private static final String MEMINFO = "MemTotal:         65536 kB\nMemFree:          65536 kB\n";
  private static final String ONLINE = "0-1\n";

  @TempDir static Path dir;
  private static Path rootfs;

  @BeforeAll
  static void busyboxRootfs() throws Exception {
    TestHost.assumeRoot("the plans here are run with and without a user namespace, and with run cgroups");
    rootfs = BusyboxRootfs.create(dir.resolve("rootfs"));
    Files.createDirectories(rootfs.resolve("sys/fs/cgroup"));
  }

  /** A busybox root, read-only, with a fresh /proc and a writable /tmp tmpfs. */
  private static LaunchPlan.Builder busybox(boolean userNamespace, String script, Namespace... more) {
    EnumSet<Namespace> namespaces = EnumSet.of(Namespace.MOUNT, Namespace.PID, Namespace.IPC, Namespace.UTS);
    if (userNamespace) {
      namespaces.add(Namespace.USER);
    }
    namespaces.addAll(List.of(more));
    return LaunchPlan.builder().namespaces(namespaces)
        .mountStep(MountStep.of(Op.ROOT_BIND, rootfs.toString(), "/", EnumSet.of(Flag.READ_ONLY), 0, 0))
        .mountStep(MountStep.of(Op.PROC, "", "/proc", MOUNT_FLAGS, 0, 0))
        .mountStep(MountStep.of(Op.TMPFS, "", "/tmp", MOUNT_FLAGS, 01777, 1 << 20))
        .environmentEntry("PATH=/bin")
        .stdio(Redirect.PIPE, Redirect.PIPE, Redirect.PIPE, true)
        .command(List.of("/bin/sh", "-c", script));
  }

  private static MountStep snapshot(String content, String target, Flag... flags) {
    Set<Flag> set = EnumSet.noneOf(Flag.class);
    set.addAll(List.of(flags));
    return MountStep.of(Op.VIEW_SNAPSHOT, content, target, set, 0, 0);
  }

  /** What a run printed (stdout and stderr together) and how it ended. */
  private static final class Run {
    final SandboxResult result;
    final String output;

    Run(SandboxResult result, String output) {
      this.result = result;
      this.output = output;
    }
  }

  private static Run start(LaunchPlan plan, CgroupDriver cgroups) throws Exception {
    HelperProcess process = HelperProcess.start(plan, HelperBinary.load().execPath(), cgroups);
    try {
      String output = new String(process.stdout().readAllBytes(), UTF_8);
      return new Run(process.result().get(60, TimeUnit.SECONDS), output);
    } finally {
      process.close();
    }
  }

  // ---------- the helper spawned by hand ----------

  /** A finished helper: its status records, parsed, and what the program printed. */
  private static final class Spawned {
    final StatusParser status = new StatusParser();
    String output;
    int exitCode;

    SandboxResult result() {
      assertThat(status.result()).as("EXIT record; program output: %s", output).isNotNull();
      return status.result();
    }
  }

  /**
   * Runs the helper on {@code message} through {@code sh}: sh's stdin becomes fd 3 (the plan,
   * kept open until the helper is done, like the JVM does), its stdout fd 4 (status), the
   * program's stdio goes to sh's stderr, and {@code fd5} is the redirection for fd 5 ("" for
   * none: the JVM's spawn leaves every other fd closed).
   */
  private static Spawned spawn(byte[] message, String fd5) throws Exception {
    return spawn(message, fd5, (helperPid, status) -> { });
  }

  /** Called once the helper reported STARTED, while the program runs. */
  private interface WhileRunning {
    void check(long helperPid, StatusParser status) throws Exception;
  }

  private static Spawned spawn(byte[] message, String fd5, WhileRunning whileRunning) throws Exception {
    String helper = HelperBinary.load(false).execPath();
    Process process = new ProcessBuilder("/bin/sh", "-c", "exec \"$0\" 3<&0 4>&1 0</dev/null 1>&2 " + fd5, helper)
        .start();
    CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
    Spawned spawned = new Spawned();
    try (OutputStream plan = process.getOutputStream(); InputStream status = process.getInputStream()) {
      plan.write(message);
      plan.flush();
      byte[] buffer = new byte[4096];
      boolean checked = false;
      for (int n; (n = status.read(buffer)) >= 0; ) { // until the helper closes fd 4 and exits
        spawned.status.accept(buffer, n);
        if (spawned.status.started() && !checked) {
          checked = true;
          whileRunning.check(process.pid(), spawned.status);
        }
      }
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the helper exits after its EXIT record").isTrue();
      spawned.exitCode = process.exitValue();
      spawned.output = new String(output.get(30, TimeUnit.SECONDS), UTF_8);
    } finally {
      process.destroyForcibly();
    }
    return spawned;
  }

  private static byte[] readAll(InputStream in) {
    try (in) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The host's boot-time clock now, in nanoseconds, rounded down (as /proc/uptime is). */
  private static long bootTimeNanos() throws IOException {
    return new BigDecimal(hostUptime()).movePointRight(9).longValueExact();
  }

  private static String hostUptime() throws IOException {
    return Files.readString(Path.of("/proc/uptime")).split(" ")[0];
  }

  // ---------- VIEW_SNAPSHOT ----------

  @ParameterizedTest(name = "user namespace: {0}")
  @ValueSource(booleans = {false, true})
  void snapshotsAreReadBackInsideAndReadOnlyEvenForRoot(boolean userNamespace) throws Exception {
    LaunchPlan plan = busybox(userNamespace,
        "cat /proc/meminfo; echo ---; cat /tmp/views/cpu/online; echo ---; stat -c '%a %s' /proc/meminfo;"
            + "echo x >> /proc/meminfo; echo x > /proc/meminfo; echo x >> /tmp/views/cpu/online;"
            + "chmod 666 /proc/meminfo; echo ---; cat /proc/meminfo")
        .mountStep(snapshot(MEMINFO, "/proc/meminfo"))
        .mountStep(snapshot(ONLINE, "/tmp/views/cpu/online", Flag.CREATE_TARGET))
        // Root keeps the power to override file permissions: only the read-only mount stops it.
        .keptCapabilities(EnumSet.of(Capability.DAC_OVERRIDE, Capability.FOWNER))
        .build();
    Run run = start(plan, null);
    assertThat(run.result.termination()).as(run.output).isEqualTo(Termination.EXITED);
    String[] parts = run.output.split("---\n", -1);
    assertThat(parts).as(run.output).hasSize(4);
    assertThat(parts[0]).isEqualTo(MEMINFO);
    assertThat(parts[1]).isEqualTo(ONLINE);
    assertThat(parts[2]).startsWith("444 " + MEMINFO.length() + "\n");
    assertThat(parts[2].split("Read-only file system", -1)).as(parts[2]).hasSize(5); // four refusals
    assertThat(parts[2]).doesNotContain("Permission denied");
    assertThat(parts[3]).isEqualTo(MEMINFO);
  }

  @Test
  void snapshotsAndTheRestOfProcCoexist() throws Exception {
    // The view replaces one file of a fresh procfs; its neighbours are the kernel's.
    Run run = start(busybox(false, "cat /proc/meminfo; head -n 1 /proc/stat; cat /proc/self/mountinfo")
        .mountStep(snapshot(MEMINFO, "/proc/meminfo")).build(), null);
    assertThat(run.output).startsWith(MEMINFO + "cpu ");
    assertThat(run.output.lines().filter(l -> l.contains(" /proc/meminfo ")))
        .singleElement().asString().contains(" ro,nosuid,nodev,noexec");
  }

  @Test
  void aLargeSnapshotIsReadBackWhole() throws Exception {
    // /proc/cpuinfo of a host with ~500 CPUs: 900 KiB, far beyond a FILE step's 64 KiB.
    StringBuilder cpuinfo = new StringBuilder();
    for (int cpu = 0; cpuinfo.length() < 900 * 1024; cpu++) {
      cpuinfo.append("processor\t: ").append(cpu).append("\nvendor_id\t: GenuineIntel\ncpu MHz\t\t: 2400.000\n")
          .append("flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 ")
          .append("clflush mmx fxsr sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc\n\n");
    }
    String content = cpuinfo.substring(0, 900 * 1024 - 1) + "\n";
    Run run = start(busybox(false, "cat /proc/cpuinfo").mountStep(snapshot(content, "/proc/cpuinfo")).build(), null);
    assertThat(run.result.termination()).isEqualTo(Termination.EXITED);
    assertThat(run.output.length()).isEqualTo(900 * 1024);
    assertThat(run.output).isEqualTo(content);
  }

  @Test
  void aViewTargetMustBeAFileThatExistsOrMayBeCreated() throws Exception {
    String helper = HelperBinary.load().execPath();
    // Missing, without CREATE_TARGET.
    assertThatThrownBy(() -> HelperProcess.start(busybox(false, "true")
            .mountStep(snapshot(MEMINFO, "/proc/honest")).build(), helper).close())
        .isInstanceOfSatisfying(SandboxLaunchException.class, e -> {
          assertThat(e.stage()).isEqualTo("proc view");
          assertThat(e.path()).isEqualTo("/proc/honest");
          assertThat(e).hasMessageContaining("mount point does not exist");
        });
    // A directory.
    assertThatThrownBy(() -> HelperProcess.start(busybox(false, "true")
            .mountStep(snapshot(MEMINFO, "/proc/sys")).build(), helper).close())
        .isInstanceOfSatisfying(SandboxLaunchException.class, e -> {
          assertThat(e.stage()).isEqualTo("proc view");
          assertThat(e).hasMessageContaining("is a directory");
        });
    // CREATE_TARGET in the caller's root: refused, and nothing is created there.
    assertThatThrownBy(() -> HelperProcess.start(busybox(false, "true")
            .mountStep(snapshot(MEMINFO, "/etc/planted", Flag.CREATE_TARGET)).build(), helper).close())
        .isInstanceOf(SandboxLaunchException.class)
        .hasMessageContaining("refusing to create it outside a tmpfs the plan made");
    assertThat(rootfs.resolve("etc/planted")).doesNotExist();
  }

  // ---------- VIEW_LIVE: fd 5 ----------

  private static byte[] liveViewPlan() {
    return PlanCodec.encode(busybox(false, "cat /proc/meminfo")
        .mountStep(MountStep.of(Op.VIEW_LIVE, "meminfo", "/proc/meminfo", NONE, 0, 0)).build());
  }

  @Test
  void aLiveViewWithoutFd5FailsNamingTheStage() throws Exception {
    Spawned helper = spawn(liveViewPlan(), "");
    SandboxLaunchException e = helper.status.stageError();
    assertThat(e).isNotNull();
    assertThat(e.stage()).isEqualTo("proc view");
    assertThat(e.path()).isEqualTo("/proc/meminfo");
    assertThat(e.errnoName()).isEqualTo("EBADF");
    assertThat(e).hasMessageContaining("fd 5 is not open");
    assertThat(helper.result().termination()).isEqualTo(Termination.SETUP_FAILED);
    assertThat(helper.status.started()).isFalse();
  }

  @Test
  void aLiveViewWhoseFd5IsNoSocketFailsNamingTheStage() throws Exception {
    Spawned helper = spawn(liveViewPlan(), "5</dev/null");
    SandboxLaunchException e = helper.status.stageError();
    assertThat(e).isNotNull();
    assertThat(e.stage()).isEqualTo("proc view");
    assertThat(e.errno()).isEqualTo(88); // ENOTSOCK
    assertThat(e).hasMessageContaining("fd 5 is not a socket");
    assertThat(helper.result().termination()).isEqualTo(Termination.SETUP_FAILED);
  }

  /** The fds of a process, by number, that are open on the host's /dev/null. */
  private static List<Integer> devNullFds(long pid) throws IOException {
    List<Integer> fds = new ArrayList<>();
    try (Stream<Path> links = Files.list(Path.of("/proc/" + pid + "/fd"))) {
      for (Path link : (Iterable<Path>) links::iterator) {
        try {
          if (Files.readSymbolicLink(link).toString().equals("/dev/null")) {
            fds.add(Integer.parseInt(link.getFileName().toString()));
          }
        } catch (java.nio.file.NoSuchFileException closedMeanwhile) {
          // the listing's own fd
        }
      }
    }
    return fds;
  }

  @Test
  void withoutLiveViewsFd5IsClosedLikeAnyOtherFd() throws Exception {
    // The helper gets /dev/null on fd 5 but has no use for it: neither the supervisor nor
    // init keeps it (their fds 0-2 are /dev/null of their own).
    List<List<Integer>> seen = new ArrayList<>();
    Spawned helper = spawn(PlanCodec.encode(busybox(false, "sleep 1").build()), "5</dev/null",
        (helperPid, status) -> {
          seen.add(devNullFds(helperPid));
          seen.add(devNullFds(status.initPid()));
        });
    assertThat(helper.result().termination()).as(helper.output).isEqualTo(Termination.EXITED);
    assertThat(seen).hasSize(2).allSatisfy(fds -> assertThat(fds).allMatch(fd -> fd <= 2));
  }

  // ---------- the time namespace ----------

  @ParameterizedTest(name = "user namespace: {0}")
  @ValueSource(booleans = {false, true})
  void theBootClockStartsAtTheRunsOrigin(boolean userNamespace) throws Exception {
    long origin = bootTimeNanos();
    LaunchPlan plan = busybox(userNamespace,
        "cat /proc/uptime; cat /proc/self/stat; grep btime /proc/stat", Namespace.TIME).build();
    Spawned helper = spawn(PlanCodec.encode(plan, null, origin), "");
    assertThat(helper.result().termination()).as(helper.output).isEqualTo(Termination.EXITED);
    List<String> lines = helper.output.lines().collect(java.util.stream.Collectors.toList());
    assertThat(lines).as(helper.output).hasSize(3);
    double uptime = Double.parseDouble(lines.get(0).split(" ")[0]);
    assertThat(uptime).as("uptime inside counts from the run's start").isBetween(0.0, 30.0);
    // Field 22 of /proc/<pid>/stat (after the command in parentheses): start time in ticks.
    String[] stat = lines.get(1).substring(lines.get(1).lastIndexOf(')') + 2).split(" ");
    double started = Long.parseLong(stat[22 - 3]) / 100.0; // USER_HZ is 100 for /proc
    assertThat(started).as("cat started in the sandbox's time").isBetween(0.0, uptime + 0.01);
    assertThat(uptime - started).isLessThan(5.0);
    // btime moves by the origin: boot time inside is when the run started, in wall-clock time.
    long btimeInside = Long.parseLong(lines.get(2).split(" ")[1]);
    long btimeHost = Files.readAllLines(Path.of("/proc/stat")).stream().filter(l -> l.startsWith("btime "))
        .mapToLong(l -> Long.parseLong(l.split(" ")[1])).findFirst().orElseThrow();
    assertThat(btimeInside - btimeHost).isBetween(origin / 1_000_000_000 - 2, origin / 1_000_000_000 + 2);
    double hostUptime = Double.parseDouble(hostUptime());
    Assumptions.assumeTrue(hostUptime >= 60, "the host booted less than a minute ago");
    assertThat(hostUptime).as("the host's own uptime is untouched").isGreaterThan(uptime + 30);
  }

  @Test
  void aTimeOriginInTheFutureIsRefused() throws Exception {
    long future = bootTimeNanos() + 3_600_000_000_000L;
    Spawned helper = spawn(PlanCodec.encode(busybox(false, "true", Namespace.TIME).build(), null, future), "");
    SandboxLaunchException e = helper.status.stageError();
    assertThat(e).isNotNull();
    assertThat(e.stage()).isEqualTo("time namespace");
    assertThat(e).hasMessageContaining("later than the host's boot-time clock");
    assertThat(helper.result().termination()).isEqualTo(Termination.SETUP_FAILED);
  }

  // ---------- the cgroup namespace and CGROUP_VIEW ----------

  private static CgroupDriver driverOrSkip() {
    try {
      return CgroupDriver.detect();
    } catch (SandboxLaunchException e) {
      Assumptions.abort("no usable cgroups here: " + e.getMessage());
      throw new AssertionError(e);
    }
  }

  private static ResourceLimits memoryLimit(DataSize size) {
    return Sandbox.builder().memoryLimit(size).build().limits();
  }

  @Test
  void theProgramsCgroupNamespaceIsRootedAtTheRunCgroup() throws Exception {
    CgroupDriver driver = driverOrSkip();
    boolean v1 = RunCgroups.hostUsesV1();
    Run run = start(busybox(false, "cat /proc/self/cgroup", Namespace.CGROUP)
        .limits(memoryLimit(DataSize.ofMebibytes(64))).build(), driver);
    assertThat(run.result.termination()).as(run.output).isEqualTo(Termination.EXITED);
    if (v1) {
      assertThat(run.output.lines().filter(l -> l.matches("[0-9]+:memory:.*"))).as(run.output)
          .singleElement().asString().endsWith(":memory:/");
    } else {
      assertThat(run.output.lines()).as(run.output).contains("0::/");
    }
    CgroupDriver unified = RunCgroups.unifiedDriverOrNull();
    if (v1 && unified != null) { // a hybrid host: the v2 way (clone3 into the cgroup) too
      Run v2 = start(busybox(false, "cat /proc/self/cgroup", Namespace.CGROUP).build(), unified);
      assertThat(v2.output.lines()).as(v2.output).contains("0::/");
    }
  }

  /** The hierarchy names of a run cgroup's directories, as a CGROUP_VIEW shows them. */
  private static List<String> hierarchyNames(RunCgroup run) throws IOException {
    if (run.version() == 2) {
      return List.of("");
    }
    CgroupLayout layout = CgroupLayout.parse(Files.readAllLines(Path.of("/proc/self/mountinfo")),
        Files.readAllLines(Path.of("/proc/self/cgroup")));
    List<String> names = new ArrayList<>();
    for (Path directory : run.directories()) {
      names.add(layout.v1.values().stream().map(h -> Path.of(h.mountPoint))
          .filter(mountPoint -> directory.startsWith(mountPoint)).findFirst()
          .orElseThrow(() -> new AssertionError("no hierarchy holds " + directory)).getFileName().toString());
    }
    return names;
  }

  @ParameterizedTest(name = "user namespace: {0}")
  @ValueSource(booleans = {false, true})
  void aCgroupViewShowsTheRunsOwnLimitReadOnly(boolean userNamespace) throws Exception {
    CgroupDriver driver = driverOrSkip();
    ResourceLimits limits = memoryLimit(DataSize.ofMebibytes(64));
    RunCgroup run = driver.create(limits);
    try {
      boolean v1 = run.version() == 1;
      String limitFile = v1 ? "/sys/fs/cgroup/memory/memory.limit_in_bytes" : "/sys/fs/cgroup/memory.max";
      LaunchPlan plan = busybox(userNamespace,
          "cat " + limitFile + "; echo 1 > " + limitFile + "; mkdir /sys/fs/cgroup/x; echo ---; ls /sys/fs/cgroup;"
              + "echo ---; cat /proc/self/cgroup", Namespace.CGROUP)
          .limits(limits).mountStep(MountStep.of(Op.CGROUP_VIEW, "", "/sys/fs/cgroup", NONE, 0, 0))
          .keptCapabilities(EnumSet.of(Capability.DAC_OVERRIDE)).build();
      List<String> directories = new ArrayList<>();
      run.directories().forEach(d -> directories.add(d.toString()));
      PlanCodec.CgroupBinding binding = new PlanCodec.CgroupBinding(run.version(), directories,
          run.cpuUsageFile().toString(), run.cpuUsageFormat(), 1000, hierarchyNames(run));
      Spawned helper = spawn(PlanCodec.encode(plan, binding, -1), "");
      assertThat(helper.result().termination()).as(helper.output).isEqualTo(Termination.EXITED);
      String[] parts = helper.output.split("---\n", -1);
      assertThat(parts).as(helper.output).hasSize(3);
      assertThat(parts[0]).startsWith(Long.toString(64L << 20) + "\n");
      assertThat(parts[0].split("Read-only file system", -1)).as(parts[0]).hasSize(3);
      if (v1) {
        assertThat(parts[1].lines()).containsExactlyInAnyOrderElementsOf(binding.names);
        assertThat(parts[2].lines().filter(l -> l.matches("[0-9]+:memory:.*"))).singleElement().asString()
            .endsWith(":memory:/");
      } else {
        assertThat(parts[1].lines()).contains("memory.max", "cgroup.procs");
        assertThat(parts[2].lines()).contains("0::/");
      }
    } finally {
      run.destroy();
    }
  }

  @Test
  void aCgroupViewWithoutTheRunsCgroupShowsNothing() throws Exception {
    // Without a binding (no cgroup, or one without hierarchy names) the step is dropped.
    Run run = start(busybox(false, "ls /sys/fs/cgroup | wc -l")
        .mountStep(MountStep.of(Op.CGROUP_VIEW, "", "/sys/fs/cgroup", NONE, 0, 0)).build(), null);
    assertThat(run.output.trim()).isEqualTo("0");
  }

  // ---------- the helper's decoder ----------

  /** A plan body spelled out record by record, to say what PlanCodec never would. */
  private static final class Wire {
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();

    Wire record(int tag, byte[] payload) {
      ByteBuffer header = le(8).putShort((short) tag).putShort((short) 0).putInt(payload.length);
      body.writeBytes(header.array());
      body.writeBytes(payload);
      return this;
    }

    Wire u32(int tag, int value) {
      return record(tag, le(4).putInt(value).array());
    }

    Wire u64(int tag, long value) {
      return record(tag, le(8).putLong(value).array());
    }

    Wire mount(int op, int flags, int mode, long size, byte[] source, String target) {
      byte[] t = target.getBytes(UTF_8);
      return record(PlanCodec.TAG_MOUNT, le(24 + source.length + t.length).putShort((short) op)
          .putShort((short) flags).putInt(mode).putLong(size).putInt(source.length).put(source).putInt(t.length)
          .put(t).array());
    }

    byte[] message() {
      byte[] b = body.toByteArray();
      return le(16 + b.length).putInt(PlanCodec.MAGIC).putShort((short) 1).putShort((short) 16).putInt(b.length)
          .putInt(0).put(b).array();
    }

    private static ByteBuffer le(int size) {
      return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
  }

  private static final int NS_PID = 1;
  private static final int NS_MOUNT = 2;
  private static final int NS_TIME = 128;

  /** A valid plan around one change: NAMESPACES, the root tmpfs, a proc, the change, ARG, SECURITY. */
  private static byte[] plan(int namespaces, Consumer<Wire> change) {
    Wire wire = new Wire().u32(PlanCodec.TAG_NAMESPACES, namespaces)
        .mount(2, 0, 0755, 0, new byte[0], "/")
        .mount(5, 0, 0, 0, new byte[0], "/proc");
    change.accept(wire);
    return wire.record(PlanCodec.TAG_ARG, "/bin/true".getBytes(UTF_8))
        .record(PlanCodec.TAG_SECURITY, Wire.le(12).putInt(1).putLong(0).array()).message();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  static Stream<Arguments> malformedPlans() {
    int base = NS_PID | NS_MOUNT;
    Consumer<Wire> nothing = w -> { };
    return Stream.of(
        Arguments.of("TIME without TIME_ORIGIN", plan(base | NS_TIME, nothing),
            "the TIME namespace needs a TIME_ORIGIN record"),
        Arguments.of("TIME_ORIGIN without TIME", plan(base, w -> w.u64(16, 1)), "TIME_ORIGIN needs the TIME namespace"),
        Arguments.of("two TIME_ORIGINs", plan(base | NS_TIME, w -> w.u64(16, 1).u64(16, 2)),
            "more than one TIME_ORIGIN record"),
        Arguments.of("a short TIME_ORIGIN", plan(base | NS_TIME, w -> w.record(16, new byte[7])),
            "TIME_ORIGIN: payload must be 8 bytes"),
        Arguments.of("a TIME_ORIGIN of 2^63", plan(base | NS_TIME, w -> w.u64(16, Long.MIN_VALUE)),
            "TIME_ORIGIN: must be at most 2^63-1"),
        Arguments.of("namespace bit 256", plan(base | 256, nothing), "NAMESPACES: unknown bits 0x100"),
        Arguments.of("tag 17", plan(base, w -> w.u64(17, 0)), "unknown tag 17"),
        Arguments.of("mount op 16", plan(base, w -> w.mount(16, 0, 0, 0, new byte[0], "/proc/x")), "unknown op 16"),
        Arguments.of("a live view name with capitals", plan(base, w -> w.mount(12, 0, 0, 0, bytes("MemInfo"),
            "/proc/meminfo")), "view file name of [a-z0-9_] only"),
        Arguments.of("a live view name with a slash", plan(base, w -> w.mount(12, 0, 0, 0, bytes("../meminfo"),
            "/proc/meminfo")), "view file name of [a-z0-9_] only"),
        Arguments.of("an empty live view name", plan(base, w -> w.mount(12, 0, 0, 0, new byte[0], "/proc/meminfo")),
            "view file name of 1..32 bytes"),
        Arguments.of("a live view name of 33 bytes", plan(base, w -> w.mount(12, 0, 0, 0, bytes("a".repeat(33)),
            "/proc/meminfo")), "view file name of 1..32 bytes"),
        Arguments.of("a snapshot of 1048577 bytes", plan(base, w -> w.mount(11, 0, 0, 0, new byte[(1 << 20) + 1],
            "/proc/meminfo")), "content longer than 1048576 bytes"),
        Arguments.of("a file of 65537 bytes", plan(base, w -> w.mount(8, 0, 0644, 0, new byte[65537], "/f")),
            "content longer than 65536 bytes"),
        Arguments.of("a snapshot with a NUL byte", plan(base, w -> w.mount(11, 0, 0, 0, bytes("a\0b"),
            "/proc/meminfo")), "contains a NUL byte"),
        Arguments.of("a recursive view", plan(base, w -> w.mount(11, 16, 0, 0, bytes("x"), "/proc/meminfo")),
            "flags 0x10 not valid for op 11"),
        Arguments.of("a view with a mode", plan(base, w -> w.mount(12, 0, 0444, 0, bytes("meminfo"),
            "/proc/meminfo")), "bad mode 0444"),
        Arguments.of("a view with a size", plan(base, w -> w.mount(11, 0, 0, 4096, bytes("x"), "/proc/meminfo")),
            "size given for op 11"),
        Arguments.of("a view over /", plan(base, w -> w.mount(12, 0, 0, 0, bytes("meminfo"), "/")),
            "target must not be \"/\""),
        Arguments.of("a view target with ..", plan(base, w -> w.mount(11, 0, 0, 0, bytes("x"), "/proc/../etc/passwd")),
            "has a '.' or '..' component"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedPlans")
  void theHelperRefusesMalformedRecords(String what, byte[] message, String problem) throws Exception {
    Spawned helper = spawn(message, "");
    SandboxLaunchException e = helper.status.stageError();
    assertThat(e).as(what).isNotNull();
    assertThat(e.stage()).isEqualTo("decode plan");
    assertThat(e).hasMessageContaining(problem);
    assertThat(helper.result().termination()).isEqualTo(Termination.SETUP_FAILED);
    assertThat(helper.exitCode).isEqualTo(2);
  }

  @Test
  void theHelperTakesTheLargestValidForms() throws Exception {
    // The bounds themselves are valid: 32-byte names, 1 MiB snapshots, an origin of 0.
    // Decoded, the plan then fails its first check after the decoder: no socket on fd 5.
    byte[] message = plan(NS_PID | NS_MOUNT | NS_TIME, w -> w.u64(16, 0)
        .mount(11, 1 | 2 | 4 | 8, 0, 0, bytes("x".repeat(1 << 20)), "/proc/meminfo")
        .mount(12, 32, 0, 0, bytes("a_0".repeat(10) + "zz"), "/proc/absent"));
    Spawned helper = spawn(message, "");
    SandboxLaunchException e = helper.status.stageError();
    assertThat(e).isNotNull();
    assertThat(e.stage()).as(e.getMessage()).isEqualTo("proc view");
    assertThat(e).hasMessageContaining("fd 5 is not open");
    assertThat(helper.exitCode).isZero();
  }
}
