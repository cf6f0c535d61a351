package org.sandbox4j;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;

/** A run that went to its end, with its captured output. Immutable. */
public final class CompletedRun {
  private final SandboxResult result;
  private final byte[] stdout;
  private final byte[] stderr;

  CompletedRun(SandboxResult result, byte[] stdout, byte[] stderr) {
    this.result = requireNonNull(result);
    this.stdout = stdout.clone();
    this.stderr = stderr.clone();
  }

  public SandboxResult result() {
    return result;
  }

  /** Standard output as UTF-8 text; empty when stdout was not a pipe. */
  public String stdout() {
    return new String(stdout, StandardCharsets.UTF_8);
  }

  /** Standard error as UTF-8 text; empty when stderr was not a pipe or went to stdout. */
  public String stderr() {
    return new String(stderr, StandardCharsets.UTF_8);
  }

  public byte[] stdoutBytes() {
    return stdout.clone();
  }

  public byte[] stderrBytes() {
    return stderr.clone();
  }

  @Override
  public String toString() {
    return "CompletedRun{" + result + ", stdout=" + stdout.length + " bytes, stderr=" + stderr.length + " bytes}";
  }
}
