package org.sandbox4j.examples.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI running real sandboxes under the strict preset: needs Linux with unprivileged
 * user namespaces and the helper that sandbox-linux bundles; the limits need a cgroup the
 * user may create. The programs write nothing, since they share the test JVM's own stdio,
 * except under {@code --output-limit}: then the CLI copies their output to {@link System#out},
 * which the test captures.
 */
class CliRunIT {
  @TempDir
  Path temp;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int execute(String... args) {
    return Main.execute(args, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
  }

  @Test
  void runsTrueUnderTheStrictPresetAndWritesTheResult() throws Exception {
    Path json = temp.resolve("result.json");

    int status = execute("run", "--result-json", json.toString(), "--", "/bin/true");

    assertThat(status).as("stderr: %s", err).isZero();
    assertThat(Files.readString(json, UTF_8))
        .startsWith("{\"termination\":\"EXITED\",\"exitCode\":0,\"signal\":0,\"wallTimeMicros\":")
        .endsWith("}\n");
  }

  @Test
  void exitsWithTheProgramsStatus() throws Exception {
    Path json = temp.resolve("result.json");

    int status = execute("run", "--result-json", json.toString(), "--", "/bin/sh", "-c", "exit 3");

    assertThat(status).as("stderr: %s", err).isEqualTo(3);
    assertThat(Files.readString(json, UTF_8)).startsWith("{\"termination\":\"EXITED\",\"exitCode\":3,");
  }

  @Test
  void aLaunchFailureExitsWith127AndWritesWhereItFailed() throws Exception {
    Path json = temp.resolve("result.json");

    int status = execute("run", "--result-json", json.toString(), "--", "/no/such/program");

    assertThat(status).isEqualTo(ExitCodes.LAUNCH_FAILED);
    assertThat(err.toString(UTF_8)).startsWith("sandbox4j: launch failed: execve /no/such/program: ENOENT");
    assertThat(Files.readString(json, UTF_8)).startsWith("{\"termination\":\"SETUP_FAILED\",\"exitCode\":127,"
        + "\"signal\":0,\"wallTimeMicros\":0,\"stage\":\"execve\",\"path\":\"/no/such/program\",\"errno\":\"ENOENT\"");
  }

  @Test
  void runsUnderLimitsAndWritesWhatTheRunUsed() throws Exception {
    assumeTrue(TestHost.cgroupsUsable(), () -> "needs a cgroup: " + TestHost.cgroupDriver());
    Path json = temp.resolve("result.json");

    int status = execute("run", "--memory", "64m", "--pids", "16", "--result-json", json.toString(), "--", "/bin/true");

    assertThat(status).as("stderr: %s", err).isZero();
    assertThat(Files.readString(json, UTF_8))
        .contains("\"termination\":\"EXITED\"")
        .containsPattern("\"peakMemoryBytes\":\\d+[,}]");
  }

  @Test
  void withoutACgroupLimitsFailTheLaunchWithTheRemedyAndNoResult() throws Exception {
    assumeFalse(TestHost.cgroupsUsable(), "this user has a cgroup here");
    Path json = temp.resolve("result.json");

    int status = execute("run", "--memory", "64m", "--pids", "16", "--result-json", json.toString(), "--", "/bin/true");

    assertThat(status).isEqualTo(ExitCodes.LAUNCH_FAILED);
    assertThat(err.toString(UTF_8)).startsWith("sandbox4j: launch failed: cgroup ")
        .contains("memoryLimit(64 MiB), pidsLimit(16) cannot be enforced without a cgroup, and this JVM has none: ")
        .contains("run as root, or start the JVM in a cgroup v2 subtree delegated to this user");
  }

  @Test
  void withoutACgroupAllowedUnenforcedLimitsRunAndAreListedInTheResult() throws Exception {
    assumeFalse(TestHost.cgroupsUsable(), "this user has a cgroup here");
    Path json = temp.resolve("result.json");

    int status = execute("run", "--memory", "64m", "--allow-unenforced-limits", "--result-json", json.toString(), "--",
        "/bin/true");

    assertThat(status).as("stderr: %s", err).isZero();
    assertThat(Files.readString(json, UTF_8)).contains("\"termination\":\"EXITED\"")
        .contains("\"unenforcedLimits\":[\"memoryLimit(64 MiB): not enforced, this JVM has no cgroup (cgroup ")
        .doesNotContain("peakMemoryBytes");
  }

  @Test
  void stopsAtTheOutputLimitAndCopiesTheOutputUpToIt() throws Exception {
    Path json = temp.resolve("result.json");
    ByteArrayOutputStream programOut = new ByteArrayOutputStream();
    PrintStream testOut = System.out;
    int status;
    System.setOut(new PrintStream(programOut, true, UTF_8));
    try {
      status = execute("run", "--output-limit", "1k", "--result-json", json.toString(), "--", "/usr/bin/yes");
    } finally {
      System.setOut(testOut);
    }

    // Killed by the helper (137), or dead of SIGPIPE (141) first once the copier stopped
    // reading: either way the verdict is the JVM's count, OUTPUT_LIMIT.
    assertThat(status).as("stderr: %s", err).isIn(137, 141);
    assertThat(Files.readString(json, UTF_8)).contains("\"termination\":\"OUTPUT_LIMIT\"");
    // Exactly the limit: the library hands over the bytes up to it and no more.
    assertThat(programOut.toString(UTF_8)).isEqualTo("y\n".repeat(512));
  }

  @Test
  void copiesOutputUnderTheLimitToItsOwnStdoutAndStderr() throws Exception {
    ByteArrayOutputStream programOut = new ByteArrayOutputStream();
    ByteArrayOutputStream programErr = new ByteArrayOutputStream();
    PrintStream testOut = System.out;
    PrintStream testErr = System.err;
    int status;
    System.setOut(new PrintStream(programOut, true, UTF_8));
    System.setErr(new PrintStream(programErr, true, UTF_8));
    try {
      status = execute("run", "--output-limit", "1k", "--", "/bin/sh", "-c", "echo out; echo err >&2; exit 4");
    } finally {
      System.setOut(testOut);
      System.setErr(testErr);
    }

    assertThat(status).as("stderr: %s", err).isEqualTo(4);
    assertThat(programOut.toString(UTF_8)).isEqualTo("out\n");
    assertThat(programErr.toString(UTF_8)).isEqualTo("err\n");
  }

  @Test
  void runsUnderAPolicyFileThatAllowsEverything() throws Exception {
    Path policy = temp.resolve("allow-all.policy");
    Files.writeString(policy, "# everything runs\ndefault allow\n", UTF_8);

    int status = execute("run", "--seccomp", policy.toString(), "--", "/bin/sh", "-c", "exit 0");

    assertThat(status).as("stderr: %s", err).isZero();
  }

  @Test
  void aKillRuleOfThePolicyFileEndsTheRunAndNamesTheSyscall() throws Exception {
    Path policy = temp.resolve("no-getppid.policy");
    Files.writeString(policy, "default allow\nkill getppid\n", UTF_8);
    Path json = temp.resolve("result.json");

    int status = execute("run", "--seccomp", policy.toString(), "--result-json", json.toString(),
        "--", "/usr/bin/python3", "-c", "import os; os.getppid()");

    assertThat(status).as("stderr: %s", err).isEqualTo(137);
    assertThat(Files.readString(json, UTF_8))
        .contains("\"termination\":\"SECCOMP_VIOLATION\"")
        .contains("\"seccompViolation\":\"getppid\"");
  }

  @Test
  void printPlanPrintsThePlanToStderrAndRunsNothing() {
    int status = execute("run", "--print-plan", "--hostname", "box", "--", "/bin/true");

    assertThat(status).isZero();
    assertThat(err.toString(UTF_8)).startsWith("LaunchPlan\n").contains("  hostname: box\n")
        .contains("stdin: INHERIT, stdout: INHERIT, stderr: INHERIT");
    assertThat(out.toString(UTF_8)).isEmpty();
  }
}
