package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.sandbox4j.Access;
import org.sandbox4j.DataSize;
import org.sandbox4j.LaunchPlan;
import org.sandbox4j.Sandbox;

class PlanCodecTest {

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
    assertThat(PlanCodec.decode(PlanCodec.encode(plan)).plan).isEqualTo(plan);
  }

  @Test
  void headerIsTheDocumentedOne() throws Exception {
    byte[] bytes = PlanCodec.encode(richPlan());
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
    LaunchPlan decoded = PlanCodec.decode(PlanCodec.encode(richPlan())).plan;
    assertThat(decoded.wallTimeLimit()).contains(Duration.ofMillis(1500));
  }

  @Test
  void malformedMessagesAreRejected() throws Exception {
    byte[] good = PlanCodec.encode(richPlan());
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
    PlanCodec.Decoded decoded = PlanCodec.decode(PlanCodec.encode(Planner.plan(sandbox, sandbox.command("true"), 0, 0)));
    assertThat(decoded.securityFlags).isEqualTo(PlanCodec.SECURITY_NO_NEW_PRIVS);
    assertThat(decoded.keptCapabilities).isEqualTo(1L << 10);
    SeccompCompiler.Program program = SeccompCompiler.compile(org.sandbox4j.SeccompPolicy.strictDefault(),
        SyscallTable.forHost(), PlanCodec.NOTIFY);
    assertThat(decoded.seccompProgram).isEqualTo(program.instructions());
    Sandbox open = Sandbox.builder().withoutSeccomp().build();
    assertThat(PlanCodec.decode(PlanCodec.encode(Planner.plan(open, open.command("true"), 0, 0))).seccompProgram)
        .isNull();
  }
}
