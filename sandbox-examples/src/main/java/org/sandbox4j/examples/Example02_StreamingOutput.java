package org.sandbox4j.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.time.Duration;
import java.time.Instant;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxProcess;
import org.sandbox4j.SandboxResult;

/**
 * Reading a program's output while it runs, instead of after it ends.
 *
 * <p>Run it from the fat jar:
 * {@code java -cp sandbox-examples/target/sandbox4j-cli.jar org.sandbox4j.examples.Example02_StreamingOutput}
 */
public final class Example02_StreamingOutput {
  private Example02_StreamingOutput() {}

  public static void main(String[] args) throws Exception {
    Sandbox sandbox = Sandbox.builder().strict().build();

    /*
     * start() returns as soon as the program runs (its execve succeeded), with a
     * SandboxProcess: a java.lang.Process, so its streams work as a ProcessBuilder's do.
     *
     * redirectErrorStream(true) sends stderr into the stdout pipe. Why: every pipe that is
     * not read fills up (64 KiB on Linux), and then the program blocks in write() forever.
     * With one stream there is only one pipe to drain; otherwise read stderr on another
     * thread, or redirect it to a file or to DISCARD.
     *
     * try-with-resources: close() kills whatever still runs and releases the pipes, also
     * when reading throws halfway.
     */
    try (SandboxProcess process = sandbox
        .command("sh", "-c", "for i in 1 2 3 4 5; do echo \"tick $i\"; sleep 0.3; done; echo done >&2")
        .redirectErrorStream(true)
        .start()) {
      // Nothing to say on stdin: close it, so a program that reads it sees end-of-file
      // instead of waiting for input that never comes.
      process.getOutputStream().close();

      Instant started = Instant.now();
      BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8));
      String line;
      // Each line arrives as the program writes it: the elapsed times grow by about 300 ms.
      // (Programs that write to a pipe may buffer their output; `sh`'s echo does not.)
      while ((line = lines.readLine()) != null) {
        long millis = Duration.between(started, Instant.now()).toMillis();
        System.out.printf("%5d ms  %s%n", millis, line);
      }

      /*
       * End-of-file on stdout does not mean the program is gone (it may have closed
       * stdout and gone on). waitForResult() waits for the end of the whole sandbox:
       * the program and everything it started.
       */
      SandboxResult result = process.waitForResult();
      System.out.println(result);
    }
  }
}
