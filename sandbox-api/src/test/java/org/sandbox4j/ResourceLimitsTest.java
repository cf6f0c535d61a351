package org.sandbox4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ResourceLimitsTest {

  @Test
  void cpusIsAShorthandForQuotaPerPeriod() {
    ResourceLimits limits = Sandbox.builder().cpus(0.5).build().limits();
    assertThat(limits.cpuQuota()).contains(Duration.ofMillis(50));
    assertThat(limits.cpuPeriod()).contains(ResourceLimits.DEFAULT_CPU_PERIOD);
    ResourceLimits classic = Sandbox.builder().cpuQuota(Duration.ofMillis(20)).cpuPeriod(Duration.ofMillis(100))
        .build().limits();
    assertThat(classic.cpuQuota()).contains(Duration.ofMillis(20));
    assertThat(Sandbox.builder().cpus(1.5).cpuPeriod(Duration.ofMillis(10)).build().limits().cpuQuota())
        .contains(Duration.ofMillis(15));
  }

  @Test
  void badLimitsNameTheOptionAndTheValue() {
    assertThatThrownBy(() -> Sandbox.builder().memoryLimit(DataSize.ofBytes(0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("memoryLimit must be at least 1 MiB, was 0 B");
    assertThatThrownBy(() -> Sandbox.builder().pidsLimit(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("pidsLimit must be at least 1, was 0");
    assertThatThrownBy(() -> Sandbox.builder().pidsLimit(-3))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("pidsLimit must be at least 1, was -3");
    assertThatThrownBy(() -> Sandbox.builder().cpus(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cpus must be between 0.01");
    assertThatThrownBy(() -> Sandbox.builder().cpuQuota(Duration.ofMillis(-20)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("cpuQuota must be at least 1ms, was PT-0.02S");
    assertThatThrownBy(() -> Sandbox.builder().cpuPeriod(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("cpuPeriod must be between 1ms and 1s, was PT2S");
    assertThatThrownBy(() -> Sandbox.builder().cpuTimeLimit(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("cpuTimeLimit must be at least 1ms, was PT0S");
    assertThatThrownBy(() -> Sandbox.builder().outputLimit(DataSize.ofBytes(0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("outputLimit must be positive, was 0 B");
    assertThatThrownBy(() -> Sandbox.builder().cpuset("1-0"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("cpuset: bad range \"1-0\" in \"1-0\"");
    assertThatThrownBy(() -> Sandbox.builder().cpuset("zero"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("cpuset: \"zero\" is not a list like 0-3,8");
    assertThatThrownBy(() -> Sandbox.builder().rlimit(Rlimit.NOFILE, 64, 32))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("rlimit NOFILE: soft limit 64 is above the hard limit 32");
  }

  @Test
  void unknownDevicesAreRefusedAtOnce() {
    assertThatThrownBy(() -> Sandbox.builder().ioWriteBandwidth(Path.of("/dev/no-such-disk"), DataSize.ofMebibytes(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("io write bytes/s: unknown device /dev/no-such-disk");
    assertThatThrownBy(() -> Sandbox.builder().ioWriteBandwidth(Path.of("/dev/null"), DataSize.ofMebibytes(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("io write bytes/s: /dev/null is not a block device");
  }

  @Test
  void conflictingLimitsAreFoundAtOnceOrAtBuild() {
    assertThatThrownBy(() -> Sandbox.builder().cpus(0.5).cpuQuota(Duration.ofMillis(20)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("cpus(0.5) already sets the CPU quota");
    assertThatThrownBy(() -> Sandbox.builder().cpuPeriod(Duration.ofMillis(100)).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("cpuPeriod needs a quota");
    assertThatThrownBy(() -> Sandbox.builder().memoryLimit(DataSize.ofMebibytes(64))
        .memorySoftLimit(DataSize.ofMebibytes(128)).build())
        .isInstanceOf(IllegalStateException.class).hasMessage("memorySoftLimit 128 MiB is above memoryLimit 64 MiB");
    assertThatThrownBy(() -> Sandbox.builder().swapLimit(DataSize.ofMebibytes(1)).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("swapLimit needs memoryLimit");
    assertThatThrownBy(() -> Sandbox.builder().memoryLimit(DataSize.ofMebibytes(64)).memoryLimit(DataSize.ofMebibytes(32)))
        .isInstanceOf(IllegalStateException.class).hasMessage("memoryLimit was already set to 64 MiB");
  }

  @Test
  void theOutputLimitNeedsPipes() {
    Sandbox sandbox = Sandbox.builder().outputLimit(DataSize.ofMebibytes(1)).build();
    assertThatThrownBy(() -> sandbox.command("yes").redirectOutput(Redirect.INHERIT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("redirectOutput: INHERIT cannot be counted for the sandbox's outputLimit(1 MiB)");
  }

  @Test
  void coreDumpsAreOffByDefaultAndLimitsAreDescribed() {
    Sandbox sandbox = Sandbox.builder().memoryLimit(DataSize.ofMebibytes(64)).cpuset("0").pidsLimit(32)
        .cpuTimeLimit(Duration.ofMillis(500)).build();
    assertThat(sandbox.limits().rlimits().get(Rlimit.CORE)).containsExactly(0, 0);
    assertThat(sandbox.limits().needsCgroup()).isTrue();
    assertThat(sandbox.describe()).contains("[x] memory: 64 MiB, no swap").contains("[x] cpuset: CPUs 0")
        .contains("[x] pids: at most 32").contains("[x] CPU time: PT0.5S").contains("[x] rlimit CORE: 0");
    assertThat(Sandbox.builder().build().describe()).contains("[ ] resource limits: none");
  }

  @Test
  void aSoftMemoryLimitAloneNeedsACgroupAndIsDescribed() {
    // Without a cgroup it could not be enforced: a provider must fail the launch, not drop it.
    Sandbox sandbox = Sandbox.builder().memorySoftLimit(DataSize.ofMebibytes(32)).build();
    assertThat(sandbox.limits().needsCgroup()).isTrue();
    assertThat(sandbox.describe()).contains("[x] memory: soft limit 32 MiB")
        .doesNotContain("[ ] resource limits: none");
  }

  @Test
  void unenforcedLimitsAreAllowedOnlyWhenAskedForAndThenDescribed() {
    assertThat(Sandbox.builder().memoryLimit(DataSize.ofMebibytes(64)).build().limits().unenforcedAllowed()).isFalse();
    Sandbox sandbox = Sandbox.builder().memoryLimit(DataSize.ofMebibytes(64)).pidsLimit(16)
        .cpuTimeLimit(Duration.ofMillis(500)).outputLimit(DataSize.ofMebibytes(1)).rlimit(Rlimit.NOFILE, 64)
        .allowUnenforcedLimits().build();
    assertThat(sandbox.limits().unenforcedAllowed()).isTrue();
    assertThat(sandbox.describe()).contains("[x] unenforced limits allowed: a limit this host cannot enforce is"
        + " listed in the result, not a launch error");
    assertThatThrownBy(() -> Sandbox.builder().allowUnenforcedLimits().allowUnenforcedLimits())
        .isInstanceOf(IllegalStateException.class).hasMessage("allowUnenforcedLimits was already called");
  }

  @Test
  void withoutCgroupLimitsKeepsTheOutputLimitTheRlimitsAndTheOptIn() {
    ResourceLimits all = Sandbox.builder().memoryLimit(DataSize.ofMebibytes(64)).memorySoftLimit(DataSize.ofMebibytes(32))
        .cpuQuota(Duration.ofMillis(20)).cpuset("0").pidsLimit(16).cpuTimeLimit(Duration.ofMillis(500))
        .outputLimit(DataSize.ofMebibytes(1)).rlimit(Rlimit.NOFILE, 64).allowUnenforcedLimits().build().limits();
    ResourceLimits rest = all.withoutCgroupLimits();
    assertThat(rest.needsCgroup()).isFalse();
    assertThat(rest.memory()).isEmpty();
    assertThat(rest.memorySoft()).isEmpty();
    assertThat(rest.cpuQuota()).isEmpty();
    assertThat(rest.cpus()).isEmpty();
    assertThat(rest.pids()).isEmpty();
    assertThat(rest.cpuTime()).isEmpty();
    assertThat(rest.output()).contains(DataSize.ofMebibytes(1));
    assertThat(rest.rlimits().get(Rlimit.NOFILE)).containsExactly(64, 64);
    assertThat(rest.rlimits().get(Rlimit.CORE)).containsExactly(0, 0);
    assertThat(rest.unenforcedAllowed()).isTrue();
    assertThat(rest).isNotEqualTo(all).isEqualTo(rest.withoutCgroupLimits());
  }

  @Test
  void listsUseTheKernelsFormat() {
    assertThat(ResourceLimits.formatList(ResourceLimits.parseList("cpuset", "0-3,8,10-11"))).isEqualTo("0-3,8,10-11");
  }
}
