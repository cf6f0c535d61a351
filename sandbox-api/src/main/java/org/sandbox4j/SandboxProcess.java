package org.sandbox4j;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.sandbox4j.spi.ProcessControl;

/**
 * A running sandboxed program, as a {@link Process}. Exit detection needs no thread per
 * process: one reactor of the provider completes {@link #onExit()} for all of them.
 * {@link #close()} kills whatever still runs and releases every resource; use it in
 * try-with-resources.
 */
public final class SandboxProcess extends Process implements AutoCloseable {
  private final ProcessControl control;

  SandboxProcess(ProcessControl control) {
    this.control = requireNonNull(control, "control");
  }

  @Override
  public OutputStream getOutputStream() {
    return control.stdin();
  }

  @Override
  public InputStream getInputStream() {
    return control.stdout();
  }

  @Override
  public InputStream getErrorStream() {
    return control.stderr();
  }

  /** The program's pid as the caller's PID namespace sees it (not 2, its pid inside). */
  @Override
  public long pid() {
    return control.pid();
  }

  /**
   * A handle on the program's process while it exists.
   *
   * @throws IllegalStateException when the program has already exited and its pid is gone
   */
  @Override
  public ProcessHandle toHandle() {
    return ProcessHandle.of(pid()).orElseThrow(
        () -> new IllegalStateException("the sandboxed program (pid " + pid() + ") has already exited"));
  }

  /** Completes with this process when the program and everything it started are gone. */
  @Override
  public CompletableFuture<Process> onExit() {
    return control.result().thenApply(result -> this);
  }

  /** Completes with the account of the run once it is over. */
  public CompletableFuture<SandboxResult> onResult() {
    return control.result().thenApply(result -> result);
  }

  /**
   * A live snapshot of what the sandbox uses, read from its cgroup now; empty when the run
   * has no cgroup or is over (then {@link SandboxResult#usage()} has the final account).
   */
  public Optional<ResourceUsage> usage() {
    return control.usage();
  }

  /** Waits for the end of the run and returns its account. */
  public SandboxResult waitForResult() throws InterruptedException {
    try {
      return control.result().get();
    } catch (ExecutionException e) {
      throw providerFailure(e);
    }
  }

  @Override
  public int waitFor() throws InterruptedException {
    return waitForResult().exitCode();
  }

  @Override
  public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    try {
      control.result().get(timeout, unit);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw providerFailure(e);
    }
  }

  /** The exit status; {@code 128 + signal} when a signal ended the program. */
  @Override
  public int exitValue() {
    CompletableFuture<SandboxResult> result = control.result();
    if (!result.isDone()) {
      throw new IllegalThreadStateException("the sandboxed program has not exited");
    }
    return result.join().exitCode();
  }

  @Override
  public boolean isAlive() {
    return !control.result().isDone();
  }

  /** Asks the program to end: SIGTERM, delivered through the sandbox's init. */
  @Override
  public void destroy() {
    control.terminate();
  }

  /** Kills the program and everything it started at once; the result says {@link Termination#KILLED}. */
  @Override
  public SandboxProcess destroyForcibly() {
    control.kill();
    return this;
  }

  @Override
  public boolean supportsNormalTermination() {
    return true;
  }

  /** Kills whatever still runs, waits for it to be gone, and releases pipes and descriptors. */
  @Override
  public void close() {
    control.close();
  }

  private static RuntimeException providerFailure(ExecutionException e) {
    Throwable cause = e.getCause();
    return cause instanceof IOException
        ? new UncheckedIOException("the sandbox provider failed", (IOException) cause)
        : new IllegalStateException("the sandbox provider failed", cause);
  }

  @Override
  public String toString() {
    String state = isAlive() ? "running"
        : control.result().handle((result, failure) -> result != null ? result.toString() : "failed: " + failure).join();
    return "SandboxProcess[pid=" + pid() + ", " + state + "]";
  }
}
