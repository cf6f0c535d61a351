package org.sandbox4j.examples.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI running real sandboxes under the strict preset: needs Linux with unprivileged
 * user namespaces and the helper that sandbox-linux bundles. The programs write nothing,
 * since they share the test JVM's own stdio.
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
  void printPlanPrintsThePlanToStderrAndRunsNothing() {
    int status = execute("run", "--print-plan", "--hostname", "box", "--", "/bin/true");

    assertThat(status).isZero();
    assertThat(err.toString(UTF_8)).startsWith("LaunchPlan\n").contains("  hostname: box\n")
        .contains("stdin: INHERIT, stdout: INHERIT, stderr: INHERIT");
    assertThat(out.toString(UTF_8)).isEmpty();
  }
}
