package org.sandbox4j.examples;

import java.time.Duration;
import org.sandbox4j.CompletedRun;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxResult;
import org.sandbox4j.Termination;

/**
 * A wall-clock limit: a program that runs too long is killed, and the result says so.
 *
 * <p>Run it from the fat jar:
 * {@code java -cp sandbox-examples/target/sandbox4j-cli.jar org.sandbox4j.examples.Example03_WallTimeLimit}
 */
public final class Example03_WallTimeLimit {
  private Example03_WallTimeLimit() {}

  public static void main(String[] args) throws Exception {
    /*
     * Why in the sandbox and not with process.waitFor(1, SECONDS) and destroy(): the limit
     * is enforced by the helper outside the sandbox, from the program's execve, so it
     * holds even when the JVM is paused or busy; the whole sandbox is killed, children
     * included, not just the first process; and the result tells a timeout apart from a
     * crash, without guessing from exit codes.
     */
    Sandbox sandbox = Sandbox.builder()
        .strict()
        .wallTimeLimit(Duration.ofSeconds(1))
        .build();

    CompletedRun run = sandbox.command("sleep", "10").run();
    SandboxResult result = run.result();

    // Prints WALL_TIME_LIMIT after about one second, not ten.
    System.out.println(result.termination());
    System.out.println("wall time: " + result.wallTime().toMillis() + " ms");
    // Like a shell, the exit code of a killed program is 128 + the signal: 137 for SIGKILL.
    System.out.println("exit code: " + result.exitCode());

    // Decide on the termination, not on the exit code: a program may exit 137 by itself.
    if (result.termination() == Termination.WALL_TIME_LIMIT) {
      System.out.println("the program ran out of time, as it should");
    }
  }
}
