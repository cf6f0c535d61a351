package org.sandbox4j.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sandbox4j.Access;
import org.sandbox4j.DataSize;
import org.sandbox4j.LaunchPlan;
import org.sandbox4j.MountStep;
import org.sandbox4j.MountStep.Flag;
import org.sandbox4j.MountStep.Op;
import org.sandbox4j.Namespace;
import org.sandbox4j.Sandbox;

class PlanCodecTest {
  /** A run's origin on the host's boot-time clock: 5.25 s after boot. */
  private static final long ORIGIN = 5_250_000_000L;
  private static final Set<Flag> NONE = EnumSet.noneOf(Flag.class);
  private static final Set<Flag> VIEW_BIND = EnumSet.of(Flag.READ_ONLY, Flag.NOSUID, Flag.NODEV, Flag.NOEXEC);

  /** Every field the wire carries (a plan's stdio and its Java-only settings do not travel). */
  private static void assertSameOnTheWire(LaunchPlan decoded, LaunchPlan plan) {
    assertThat(decoded.namespaces()).isEqualTo(plan.namespaces());
    assertThat(decoded.uidMappings()).isEqualTo(plan.uidMappings());
    assertThat(decoded.gidMappings()).isEqualTo(plan.gidMappings());
    assertThat(decoded.runAsUid()).isEqualTo(plan.runAsUid());
    assertThat(decoded.runAsGid()).isEqualTo(plan.runAsGid());
    assertThat(decoded.hostname()).isEqualTo(plan.hostname());
    assertThat(decoded.mountSteps()).isEqualTo(plan.mountSteps());
    assertThat(decoded.workingDirectory()).isEqualTo(plan.workingDirectory());
    assertThat(decoded.command()).isEqualTo(plan.command());
    assertThat(decoded.environment()).isEqualTo(plan.environment());
    assertThat(decoded.wallTimeLimit()).isEqualTo(plan.wallTimeLimit());
  }

  /** A hand-made plan: the root tmpfs, a proc, the given steps, /bin/true. */
  private static LaunchPlan.Builder plan(Set<Namespace> namespaces, MountStep... steps) {
    LaunchPlan.Builder b = LaunchPlan.builder().namespaces(namespaces)
        .mountStep(MountStep.of(Op.ROOT_TMPFS, "", "/", NONE, 0755, 0))
        .mountStep(MountStep.of(Op.PROC, "", "/proc", NONE, 0, 0));
    for (MountStep step : steps) {
      b.mountStep(step);
    }
    return b.command(List.of("/bin/true"));
  }

  private static final Set<Namespace> MOUNT_PID = EnumSet.of(Namespace.MOUNT, Namespace.PID);

  /** The records of a message: {tag, offset of the payload, length}. */
  private static List<int[]> records(byte[] message) {
    ByteBuffer in = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
    in.position(16);
    List<int[]> out = new ArrayList<>();
    while (in.hasRemaining()) {
      int tag = in.getShort() & 0xFFFF;
      in.getShort();
      int length = in.getInt();
      out.add(new int[] {tag, in.position(), length});
      in.position(in.position() + length);
    }
    return out;
  }

  private static LaunchPlan richPlan() throws Exception {
    // Without seccomp: the decoder gives back the BPF, not the policy it was compiled from.
    Sandbox sandbox = Sandbox.builder().strict().withoutSeccomp().hostname("judge-7").runAs(1000, 1000)
        .bindMount(Path.of("/usr/share"), "/data", Access.READ_ONLY)
        .tmpfs("/scratch", DataSize.ofMebibytes(16))
        .workingDirectory("/tmp").wallTimeLimit(Duration.ofMillis(1500)).build();
    return Planner.plan(sandbox,
        sandbox.command("python3", "-c", "print('héllo')", "").env("LANG", "C.UTF-8").env("EMPTY", ""),
        4242, 4343);
  }

  @Test
  void roundTripKeepsEveryField() throws Exception {
    LaunchPlan plan = richPlan();
    PlanCodec.Decoded decoded = PlanCodec.decode(PlanCodec.encode(plan, null, ORIGIN));
    assertSameOnTheWire(decoded.plan, plan);
    assertThat(decoded.timeOriginNanos).hasValue(ORIGIN);
  }

  @Test
  void headerIsTheDocumentedOne() throws Exception {
    byte[] bytes = PlanCodec.encode(richPlan(), null, ORIGIN);
    ByteBuffer header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(new String(bytes, 0, 4, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("S4JP");
    assertThat(header.getInt(0)).isEqualTo(PlanCodec.MAGIC);
    assertThat(header.getShort(4)).isEqualTo((short) 1);
    assertThat(header.getShort(6)).isEqualTo((short) 16);
    assertThat(header.getInt(8)).isEqualTo(bytes.length - 16);
    assertThat(header.getInt(12)).isZero();
  }

  @Test
  void wallTimeTravelsInMicroseconds() throws Exception {
    LaunchPlan decoded = PlanCodec.decode(PlanCodec.encode(richPlan(), null, ORIGIN)).plan;
    assertThat(decoded.wallTimeLimit()).contains(Duration.ofMillis(1500));
  }

  @Test
  void malformedMessagesAreRejected() throws Exception {
    byte[] good = PlanCodec.encode(richPlan(), null, ORIGIN);
    byte[] badMagic = good.clone();
    badMagic[0] = 'X';
    assertThatThrownBy(() -> PlanCodec.decode(badMagic)).hasMessageContaining("bad magic");
    assertThatThrownBy(() -> PlanCodec.decode(Arrays.copyOf(good, good.length - 1)))
        .hasMessageContaining("bad body length");
    byte[] unknownTag = good.clone();
    unknownTag[16] = 99;
    assertThatThrownBy(() -> PlanCodec.decode(unknownTag)).hasMessageContaining("unknown tag 99");
  }

  @Test
  void limitsTravelAsRlimitCgroupAndCpuLimitRecords() throws Exception {
    Sandbox sandbox = Sandbox.builder().cpuTimeLimit(Duration.ofMillis(500)).rlimit(org.sandbox4j.Rlimit.NOFILE, 64)
        .rlimit(org.sandbox4j.Rlimit.FSIZE, 1 << 20, org.sandbox4j.Rlimit.UNLIMITED).build();
    LaunchPlan plan = Planner.plan(sandbox, sandbox.command("true"), 0, 0);
    PlanCodec.CgroupBinding cgroup = new PlanCodec.CgroupBinding(1,
        java.util.List.of("/sys/fs/cgroup/memory/x/run-1", "/sys/fs/cgroup/cpuacct/x/run-1"),
        "/sys/fs/cgroup/cpuacct/x/run-1/cpuacct.usage", 1, 1500);
    PlanCodec.Decoded decoded = PlanCodec.decode(PlanCodec.encode(plan, cgroup));
    assertThat(decoded.rlimits).containsOnlyKeys(1, 4, 7); // FSIZE, CORE (0 by default), NOFILE
    assertThat(decoded.rlimits.get(1)).containsExactly(1 << 20, -1L);
    assertThat(decoded.rlimits.get(4)).containsExactly(0L, 0L);
    assertThat(decoded.rlimits.get(7)).containsExactly(64L, 64L);
    assertThat(decoded.cgroup.directories).isEqualTo(cgroup.directories);
    assertThat(decoded.cgroup.cpuUsageFile).isEqualTo(cgroup.cpuUsageFile);
    assertThat(decoded.cgroup.cpusMilli).isEqualTo(1500);
    assertThat(decoded.cpuLimitMicros).isEqualTo(500_000);
    assertThatThrownBy(() -> PlanCodec.encode(plan, null)).hasMessageContaining("CPU-time limit needs the run's cgroup");
  }

  @Test
  void hardeningTravelsAsSecurityAndSeccompRecords() throws Exception {
    Sandbox sandbox = Sandbox.builder().strict().keepCapabilities(org.sandbox4j.Capability.NET_BIND_SERVICE).build();
    PlanCodec.Decoded decoded = PlanCodec.decode(PlanCodec.encode(Planner.plan(sandbox, sandbox.command("true"), 0, 0),
        null, ORIGIN));
    assertThat(decoded.securityFlags).isEqualTo(PlanCodec.SECURITY_NO_NEW_PRIVS);
    assertThat(decoded.keptCapabilities).isEqualTo(1L << 10);
    SeccompCompiler.Program program = SeccompCompiler.compile(org.sandbox4j.SeccompPolicy.strictDefault(),
        SyscallTable.forHost(), PlanCodec.NOTIFY);
    assertThat(decoded.seccompProgram).isEqualTo(program.instructions());
    Sandbox open = Sandbox.builder().withoutSeccomp().build();
    assertThat(PlanCodec.decode(PlanCodec.encode(Planner.plan(open, open.command("true"), 0, 0), null, ORIGIN))
        .seccompProgram).isNull();
  }

  // ---------- the /proc view: ops 11 and 12, the time namespace, CGROUP_VIEW ----------

  @Test
  void viewStepsRoundTripAsOps11And12() {
    MountStep snapshot = MountStep.of(Op.VIEW_SNAPSHOT, "MemTotal: 65536 kB\nnon-ASCII: é\n", "/proc/meminfo",
        NONE, 0, 0);
    MountStep created = MountStep.of(Op.VIEW_SNAPSHOT, "0-1\n", "/sys/devices/system/cpu/online",
        EnumSet.of(Flag.CREATE_TARGET), 0, 0);
    MountStep live = MountStep.of(Op.VIEW_LIVE, "meminfo", "/proc/meminfo", VIEW_BIND, 0, 0);
    MountStep empty = MountStep.of(Op.VIEW_SNAPSHOT, "", "/proc/swaps", NONE, 0, 0);
    LaunchPlan plan = plan(MOUNT_PID, snapshot, created, live, empty).build();
    byte[] message = PlanCodec.encode(plan);
    assertSameOnTheWire(PlanCodec.decode(message).plan, plan);
    List<int[]> mounts = records(message).stream().filter(r -> r[0] == PlanCodec.TAG_MOUNT)
        .collect(java.util.stream.Collectors.toList());
    ByteBuffer in = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(mounts).hasSize(6);
    assertThat(in.getShort(mounts.get(2)[1])).isEqualTo((short) 11);
    assertThat(in.getShort(mounts.get(2)[1] + 2)).isZero();
    assertThat(in.getShort(mounts.get(3)[1])).isEqualTo((short) 11);
    assertThat(in.getShort(mounts.get(3)[1] + 2)).isEqualTo((short) 32); // CREATE_TARGET
    assertThat(in.getShort(mounts.get(4)[1])).isEqualTo((short) 12);
    assertThat(in.getShort(mounts.get(4)[1] + 2)).isEqualTo((short) (1 | 2 | 4 | 8));
    // the content travels as UTF-8 bytes, its length in bytes
    assertThat(in.getInt(mounts.get(2)[1] + 16)).isEqualTo(snapshot.source().getBytes(UTF_8).length);
  }

  @Test
  void theTimeNamespaceIsBit128AndItsOriginTag16() {
    LaunchPlan plan = plan(EnumSet.of(Namespace.MOUNT, Namespace.PID, Namespace.TIME)).build();
    byte[] message = PlanCodec.encode(plan, null, ORIGIN);
    ByteBuffer in = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
    List<int[]> records = records(message);
    assertThat(records.get(0)[0]).isEqualTo(PlanCodec.TAG_NAMESPACES);
    assertThat(in.getInt(records.get(0)[1])).isEqualTo(1 | 2 | 128);
    int[] origin = records.stream().filter(r -> r[0] == 16).findFirst().orElseThrow();
    assertThat(origin[2]).isEqualTo(8);
    assertThat(in.getLong(origin[1])).isEqualTo(ORIGIN);
    assertThat(records.stream().filter(r -> r[0] == 16)).hasSize(1);
    PlanCodec.Decoded decoded = PlanCodec.decode(message);
    assertThat(decoded.plan.namespaces()).contains(Namespace.TIME);
    assertThat(decoded.timeOriginNanos).hasValue(ORIGIN);
    // An origin of 0 (the host's boot) is a valid one.
    assertThat(PlanCodec.decode(PlanCodec.encode(plan, null, 0)).timeOriginNanos).hasValue(0);
  }

  @Test
  void withoutTheTimeNamespaceNoOriginTravels() {
    LaunchPlan plan = plan(MOUNT_PID).build();
    byte[] message = PlanCodec.encode(plan, null, ORIGIN);
    assertThat(records(message)).noneMatch(r -> r[0] == 16);
    assertThat(message).isEqualTo(PlanCodec.encode(plan));
    assertThat(PlanCodec.decode(message).timeOriginNanos).isEmpty();
  }

  @Test
  void theTimeNamespaceWithoutAnOriginIsRefused() {
    LaunchPlan plan = plan(EnumSet.of(Namespace.MOUNT, Namespace.PID, Namespace.TIME)).build();
    assertThatThrownBy(() -> PlanCodec.encode(plan, null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("time namespace needs the run's time origin");
    assertThatThrownBy(() -> PlanCodec.encode(plan)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("time origin");
    assertThatThrownBy(() -> PlanCodec.encode(plan, null, -1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("time origin");
  }

  @Test
  void theDecoderRefusesAnOriginWithoutTheNamespaceAndMalformedOrigins() {
    byte[] withTime = PlanCodec.encode(plan(EnumSet.of(Namespace.MOUNT, Namespace.PID, Namespace.TIME)).build(), null,
        ORIGIN);
    ByteBuffer in = ByteBuffer.wrap(withTime).order(ByteOrder.LITTLE_ENDIAN);
    int bitsAt = records(withTime).get(0)[1];
    byte[] noTimeBit = withTime.clone();
    ByteBuffer.wrap(noTimeBit).order(ByteOrder.LITTLE_ENDIAN).putInt(bitsAt, in.getInt(bitsAt) & ~128);
    assertThatThrownBy(() -> PlanCodec.decode(noTimeBit)).hasMessageContaining("TIME_ORIGIN goes with the time");
    int[] origin = records(withTime).stream().filter(r -> r[0] == 16).findFirst().orElseThrow();
    byte[] huge = withTime.clone();
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(origin[1], Long.MIN_VALUE);
    assertThatThrownBy(() -> PlanCodec.decode(huge)).hasMessageContaining("TIME_ORIGIN above 2^63-1");
    // TIME without its record: the record cut off (it is the last one here), the header fixed.
    assertThat(origin[1] + origin[2]).isEqualTo(withTime.length);
    byte[] cut = Arrays.copyOf(withTime, origin[1] - 8);
    ByteBuffer.wrap(cut).order(ByteOrder.LITTLE_ENDIAN).putInt(8, cut.length - 16);
    assertThatThrownBy(() -> PlanCodec.decode(cut)).hasMessageContaining("TIME_ORIGIN goes with the time");
  }

  @Test
  void viewsTheHelperWouldRefuseAreRefusedWhenEncoded() {
    for (String name : new String[] {"MemInfo", "", "a".repeat(33), "../meminfo", "mem info", "meminfo\n"}) {
      LaunchPlan plan = plan(MOUNT_PID, MountStep.of(Op.VIEW_LIVE, name, "/proc/meminfo", NONE, 0, 0)).build();
      assertThatThrownBy(() -> PlanCodec.encode(plan)).as(name).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("is not a live view file name");
    }
    assertThat(PlanCodec.decode(PlanCodec.encode(plan(MOUNT_PID,
        MountStep.of(Op.VIEW_LIVE, "a_0".repeat(10) + "zz", "/proc/meminfo", NONE, 0, 0)).build())).plan).isNotNull();
    // 524289 characters, 1048578 bytes of UTF-8: the bound is on the bytes the helper gets.
    LaunchPlan wide = plan(MOUNT_PID, MountStep.of(Op.VIEW_SNAPSHOT, "é".repeat((1 << 19) + 1), "/proc/meminfo", NONE,
        0, 0)).build();
    assertThatThrownBy(() -> PlanCodec.encode(wide)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most 1048576 bytes");
    LaunchPlan nul = plan(MOUNT_PID, MountStep.of(Op.VIEW_SNAPSHOT, "a\0b", "/proc/meminfo", NONE, 0, 0)).build();
    assertThatThrownBy(() -> PlanCodec.encode(nul)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("without a NUL byte");
    // The view file's mode is the helper's (0444), not the plan's.
    LaunchPlan moded = plan(MOUNT_PID, MountStep.of(Op.VIEW_SNAPSHOT, "x", "/proc/meminfo", NONE, 0444, 0)).build();
    assertThatThrownBy(() -> PlanCodec.encode(moded)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mode and size must be 0");
    LaunchPlan sized = plan(MOUNT_PID, MountStep.of(Op.VIEW_LIVE, "meminfo", "/proc/meminfo", NONE, 0, 4096)).build();
    assertThatThrownBy(() -> PlanCodec.encode(sized)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mode and size must be 0");
  }

  @Test
  void aSnapshotHoldsUpTo1MiBWhereAFileHolds64KiB() {
    assertThat(MountStep.MAX_VIEW_CONTENT).isEqualTo(PlanCodec.MAX_VIEW_CONTENT).isEqualTo(1 << 20);
    assertThat(MountStep.MAX_FILE_CONTENT).isEqualTo(PlanCodec.MAX_FILE_CONTENT).isEqualTo(65536);
    // /proc/cpuinfo of a large host: far more than a FILE may hold, within the view's bound.
    String big = "x".repeat(1 << 20);
    LaunchPlan full = plan(MOUNT_PID, MountStep.of(Op.VIEW_SNAPSHOT, big, "/proc/cpuinfo", NONE, 0, 0)).build();
    byte[] message = PlanCodec.encode(full);
    assertThat(PlanCodec.decode(message).plan.mountSteps().get(2).source()).isEqualTo(big);
    assertThatThrownBy(() -> MountStep.of(Op.VIEW_SNAPSHOT, big + "x", "/proc/cpuinfo", NONE, 0, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("content longer than 1048576");
    assertThatThrownBy(() -> MountStep.of(Op.FILE, "x".repeat(65537), "/f", NONE, 0644, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("content longer than 65536");
    assertThat(MountStep.of(Op.FILE, "x".repeat(65536), "/f", NONE, 0644, 0).source()).hasSize(65536);

    // One byte more on the wire (the API cannot make it): the decoder refuses it as the helper does.
    int[] mount = records(message).stream().filter(r -> r[0] == PlanCodec.TAG_MOUNT).skip(2).findFirst()
        .orElseThrow();
    int sourceEnd = mount[1] + 20 + (1 << 20);
    byte[] longer = new byte[message.length + 1];
    System.arraycopy(message, 0, longer, 0, sourceEnd);
    longer[sourceEnd] = 'x';
    System.arraycopy(message, sourceEnd, longer, sourceEnd + 1, message.length - sourceEnd);
    ByteBuffer out = ByteBuffer.wrap(longer).order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(8, longer.length - 16).putInt(mount[1] - 4, mount[2] + 1).putInt(mount[1] + 16, (1 << 20) + 1);
    assertThatThrownBy(() -> PlanCodec.decode(longer)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("VIEW_SNAPSHOT content longer than 1048576 bytes");
  }

  private static PlanCodec.CgroupBinding v1(List<String> names) {
    return new PlanCodec.CgroupBinding(1, List.of("/sys/fs/cgroup/memory/s/run-1", "/sys/fs/cgroup/cpu,cpuacct/s/run-1",
        "/sys/fs/cgroup/pids/s/run-1"), "/sys/fs/cgroup/cpu,cpuacct/s/run-1/cpuacct.usage", 1, 1000, names);
  }

  @Test
  void aCgroupViewOnV1IsATmpfsOfHierarchyBindsAndLinks() {
    MountStep view = MountStep.of(Op.CGROUP_VIEW, "", "/sys/fs/cgroup", EnumSet.of(Flag.CREATE_TARGET), 0, 0);
    LaunchPlan plan = plan(MOUNT_PID, view).command(List.of("/bin/true")).build();
    PlanCodec.CgroupBinding binding = v1(List.of("memory", "cpu,cpuacct", "pids"));
    List<MountStep> steps = PlanCodec.decode(PlanCodec.encode(plan, binding, -1)).plan.mountSteps();
    Set<Flag> inside = EnumSet.copyOf(VIEW_BIND);
    inside.add(Flag.CREATE_TARGET);
    Set<Flag> tmpfs = EnumSet.copyOf(VIEW_BIND);
    tmpfs.add(Flag.CREATE_TARGET);
    assertThat(steps.subList(2, steps.size())).containsExactly(
        MountStep.of(Op.TMPFS, "", "/sys/fs/cgroup", tmpfs, 0555, PlanCodec.CGROUP_VIEW_TMPFS_BYTES),
        MountStep.of(Op.BIND, "/sys/fs/cgroup/memory/s/run-1", "/sys/fs/cgroup/memory", inside, 0, 0),
        MountStep.of(Op.BIND, "/sys/fs/cgroup/cpu,cpuacct/s/run-1", "/sys/fs/cgroup/cpu,cpuacct", inside, 0, 0),
        MountStep.of(Op.BIND, "/sys/fs/cgroup/pids/s/run-1", "/sys/fs/cgroup/pids", inside, 0, 0),
        MountStep.of(Op.SYMLINK, "cpu,cpuacct", "/sys/fs/cgroup/cpu", NONE, 0, 0),
        MountStep.of(Op.SYMLINK, "cpu,cpuacct", "/sys/fs/cgroup/cpuacct", NONE, 0, 0));
    // CGROUP_VIEW never travels: it is not an op of the wire.
    assertThat(steps).noneMatch(s -> s.op() == Op.CGROUP_VIEW);
  }

  @Test
  void aCgroupViewOnV2IsOneReadOnlyBind() {
    LaunchPlan plan = plan(MOUNT_PID, MountStep.of(Op.CGROUP_VIEW, "", "/sys/fs/cgroup", NONE, 0, 0)).build();
    PlanCodec.CgroupBinding binding = new PlanCodec.CgroupBinding(2, List.of("/sys/fs/cgroup/s/run-1"),
        "/sys/fs/cgroup/s/run-1/cpu.stat", 2, 1000, List.of(""));
    List<MountStep> steps = PlanCodec.decode(PlanCodec.encode(plan, binding, -1)).plan.mountSteps();
    assertThat(steps.subList(2, steps.size())).containsExactly(
        MountStep.of(Op.BIND, "/sys/fs/cgroup/s/run-1", "/sys/fs/cgroup", VIEW_BIND, 0, 0));
  }

  @Test
  void aCgroupViewWithoutTheRunsCgroupOrItsNamesIsDropped() {
    LaunchPlan plan = plan(MOUNT_PID, MountStep.of(Op.CGROUP_VIEW, "", "/sys/fs/cgroup", NONE, 0, 0)).build();
    PlanCodec.CgroupBinding unnamed = new PlanCodec.CgroupBinding(1, List.of("/sys/fs/cgroup/memory/s/run-1"),
        "/sys/fs/cgroup/cpuacct/s/run-1/cpuacct.usage", 1, 1000);
    for (PlanCodec.CgroupBinding binding : java.util.Arrays.asList(null, unnamed)) {
      List<MountStep> steps = PlanCodec.decode(PlanCodec.encode(plan, binding, -1)).plan.mountSteps();
      assertThat(steps).extracting(MountStep::op).containsExactly(Op.ROOT_TMPFS, Op.PROC);
    }
    assertThat(unnamed.names).isEmpty();
  }

  @Test
  void hierarchyNamesMustFitTheirDirectories() {
    assertThatThrownBy(() -> v1(List.of("memory"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 hierarchy names for 3 directories");
    for (String bad : new String[] {"", "a/b", "..", ",cpu", "cpu,", "cpu,,cpuacct"}) {
      assertThatThrownBy(() -> v1(List.of("memory", bad, "pids"))).as(bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad hierarchy name");
    }
    assertThatThrownBy(() -> new PlanCodec.CgroupBinding(2, List.of("/sys/fs/cgroup/s/run-1"), "/x/cpu.stat", 2, 1000,
        List.of("memory"))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void moreMountStepsThanTheHelperTakesAreRefused() {
    LaunchPlan.Builder b = plan(MOUNT_PID);
    for (int i = 0; i < 255; i++) {
      b.mountStep(MountStep.of(Op.DIR, "", "/d" + i, NONE, 0755, 0));
    }
    assertThatThrownBy(() -> PlanCodec.encode(b.build())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("257 mount steps, the helper takes at most 256");
  }
}
