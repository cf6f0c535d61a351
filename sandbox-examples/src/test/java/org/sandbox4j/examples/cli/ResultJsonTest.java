package org.sandbox4j.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.sandbox4j.ProcView;
import org.sandbox4j.ResourceUsage;
import org.sandbox4j.SandboxLaunchException;
import org.sandbox4j.SandboxResult;
import org.sandbox4j.Termination;

class ResultJsonTest {
  @Test
  void writesTheResultOnOneLineWithKeysInOrder() {
    SandboxResult result = SandboxResult.builder(Termination.EXITED).exitCode(3).wallTimeMicros(1843).build();

    assertThat(ResultJson.of(result))
        .isEqualTo("{\"termination\":\"EXITED\",\"exitCode\":3,\"signal\":0,\"wallTimeMicros\":1843,\"procView\":\"OFF\"}");
  }

  @Test
  void listsTheLimitsTheRunWentWithoutBeforeTheView() {
    SandboxResult result = SandboxResult.builder(Termination.EXITED).wallTimeMicros(5)
        .unenforcedLimits(java.util.List.of("memoryLimit(64 MiB): not enforced, \"why\"", "pidsLimit(16): x")).build();

    assertThat(ResultJson.of(result)).isEqualTo("{\"termination\":\"EXITED\",\"exitCode\":0,\"signal\":0,"
        + "\"wallTimeMicros\":5,\"unenforcedLimits\":[\"memoryLimit(64 MiB): not enforced, \\\"why\\\"\","
        + "\"pidsLimit(16): x\"],\"procView\":\"OFF\"}");
  }

  @Test
  void writesASignalAndItsShellStyleExitCode() {
    SandboxResult result = SandboxResult.builder(Termination.WALL_TIME_LIMIT)
        .exitCode(137).signal(9).wallTimeMicros(1_000_412).build();

    assertThat(ResultJson.of(result)).isEqualTo(
        "{\"termination\":\"WALL_TIME_LIMIT\",\"exitCode\":137,\"signal\":9,\"wallTimeMicros\":1000412,\"procView\":\"OFF\"}");
  }

  @Test
  void appendsWhatTheRunUsedWhenItHadACgroup() {
    ResourceUsage usage = ResourceUsage.builder().cpuUserMicros(1200).cpuSystemMicros(340).memoryBytes(4096)
        .peakMemoryBytes(2_097_152).oomKills(0).pids(0).pidsPeak(3).pidsLimitHits(1)
        .ioReadBytes(8192).ioWriteBytes(512).build();
    SandboxResult result = SandboxResult.builder(Termination.EXITED).wallTimeMicros(1843).usage(usage).build();

    assertThat(ResultJson.of(result)).isEqualTo("{\"termination\":\"EXITED\",\"exitCode\":0,\"signal\":0,"
        + "\"wallTimeMicros\":1843,\"cpuUserMicros\":1200,\"cpuSystemMicros\":340,\"peakMemoryBytes\":2097152,"
        + "\"oomKills\":0,\"pidsPeak\":3,\"pidsLimitHits\":1,\"ioReadBytes\":8192,\"ioWriteBytes\":512,\"procView\":\"OFF\"}");
  }

  @Test
  void writesPeaksTheKernelDoesNotKeepAsNull() {
    ResourceUsage usage = ResourceUsage.builder().cpuUserMicros(7).oomKills(1).build();
    SandboxResult result = SandboxResult.builder(Termination.MEMORY_LIMIT)
        .exitCode(137).signal(9).wallTimeMicros(52_000).usage(usage).build();

    assertThat(ResultJson.of(result)).isEqualTo("{\"termination\":\"MEMORY_LIMIT\",\"exitCode\":137,\"signal\":9,"
        + "\"wallTimeMicros\":52000,\"cpuUserMicros\":7,\"cpuSystemMicros\":0,\"peakMemoryBytes\":null,"
        + "\"oomKills\":1,\"pidsPeak\":null,\"pidsLimitHits\":0,\"ioReadBytes\":0,\"ioWriteBytes\":0,\"procView\":\"OFF\"}");
  }

  @Test
  void leavesTheUsageOutWhenTheRunHadNoCgroup() {
    SandboxResult result = SandboxResult.builder(Termination.OUTPUT_LIMIT)
        .exitCode(137).signal(9).wallTimeMicros(2093).build();

    assertThat(ResultJson.of(result)).isEqualTo(
        "{\"termination\":\"OUTPUT_LIMIT\",\"exitCode\":137,\"signal\":9,\"wallTimeMicros\":2093,\"procView\":\"OFF\"}");
  }

  @Test
  void endsWithTheProcViewTheProgramHad() {
    SandboxResult result = SandboxResult.builder(Termination.EXITED).wallTimeMicros(10).procView(ProcView.LIVE).build();

    assertThat(ResultJson.of(result)).endsWith(",\"procView\":\"LIVE\"}");
  }

  @Test
  void namesTheSyscallOfASeccompViolationRightAfterTheWallTime() {
    SandboxResult result = SandboxResult.builder(Termination.SECCOMP_VIOLATION)
        .exitCode(137).signal(9).wallTimeMicros(4051).seccompViolation("ptrace").build();

    assertThat(ResultJson.of(result)).isEqualTo("{\"termination\":\"SECCOMP_VIOLATION\",\"exitCode\":137,"
        + "\"signal\":9,\"wallTimeMicros\":4051,\"seccompViolation\":\"ptrace\",\"procView\":\"OFF\"}");
  }

  @Test
  void putsTheSeccompViolationBeforeWhatTheRunUsed() {
    ResourceUsage usage = ResourceUsage.builder().cpuUserMicros(5).build();
    SandboxResult result = SandboxResult.builder(Termination.SECCOMP_VIOLATION)
        .exitCode(137).signal(9).wallTimeMicros(9).seccompViolation("getppid").usage(usage).build();

    assertThat(ResultJson.of(result)).startsWith("{\"termination\":\"SECCOMP_VIOLATION\",\"exitCode\":137,"
        + "\"signal\":9,\"wallTimeMicros\":9,\"seccompViolation\":\"getppid\",\"cpuUserMicros\":5,");
  }

  @Test
  void leavesTheSeccompViolationOutWhenThereWasNone() {
    for (Termination termination : Termination.values()) {
      assertThat(ResultJson.of(SandboxResult.builder(termination).build())).doesNotContain("seccompViolation");
    }
  }

  @Test
  void namesEveryTermination() {
    for (Termination termination : Termination.values()) {
      assertThat(ResultJson.of(SandboxResult.builder(termination).build()))
          .startsWith("{\"termination\":\"" + termination.name() + "\",");
    }
  }

  @Test
  void writesALaunchFailureAsSetupFailedWithWhereItFailed() {
    SandboxLaunchException failure =
        new SandboxLaunchException("execve", "/usr/bin/python3", 2, "ENOENT", "not found inside the sandbox");

    assertThat(ResultJson.ofLaunchFailure(failure)).isEqualTo("{\"termination\":\"SETUP_FAILED\","
        + "\"exitCode\":127,\"signal\":0,\"wallTimeMicros\":0,"
        + "\"stage\":\"execve\",\"path\":\"/usr/bin/python3\",\"errno\":\"ENOENT\","
        + "\"detail\":\"not found inside the sandbox\"}");
  }

  @Test
  void writesEmptyStringsWhereTheFailureHasNoPathOrErrno() {
    SandboxLaunchException failure =
        new SandboxLaunchException("provider", "", 0, "", "no sandbox provider on the class path");

    assertThat(ResultJson.ofLaunchFailure(failure))
        .contains("\"stage\":\"provider\",\"path\":\"\",\"errno\":\"\",\"detail\":\"no sandbox provider");
  }

  @Test
  void escapesQuotesAndBackslashes() {
    assertThat(ResultJson.escape("say \"hi\" C:\\dir")).isEqualTo("say \\\"hi\\\" C:\\\\dir");
  }

  @Test
  void escapesEveryControlCharacterAsUnicode() {
    assertThat(ResultJson.escape("a\nb\tc\rd\u0000e\u001f")).isEqualTo(
        "a\\u000ab\\u0009c\\u000dd\\u0000e\\u001f");
    for (char c = 0; c < 0x20; c++) {
      assertThat(ResultJson.escape(String.valueOf(c))).isEqualTo(String.format("\\u%04x", (int) c));
    }
  }

  @Test
  void leavesOtherCharactersAsTheyAre() {
    assertThat(ResultJson.escape("/tmp/ünïcødé 😀 \u007f ' ")).isEqualTo("/tmp/ünïcødé 😀 \u007f ' ");
  }

  @Test
  void escapesLoneSurrogatesSoTheOutputStaysValidJson() {
    assertThat(ResultJson.escape("x\ud800y")).isEqualTo("x\\ud800y");
    assertThat(ResultJson.escape("\udc00")).isEqualTo("\\udc00");
    assertThat(ResultJson.escape("\ud83d")).isEqualTo("\\ud83d");
  }

  @Test
  void escapesStringsInsideTheObject() {
    SandboxLaunchException failure =
        new SandboxLaunchException("bind", "/da\"ta\n", 13, "EACCES", "permission denied");

    assertThat(ResultJson.ofLaunchFailure(failure)).contains("\"path\":\"/da\\\"ta\\u000a\"");
  }

  @Test
  void quotesAString() {
    assertThat(ResultJson.quote("a\"b")).isEqualTo("\"a\\\"b\"");
  }
}
