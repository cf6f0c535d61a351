package org.sandbox4j.spi;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.sandbox4j.ResourceUsage;
import org.sandbox4j.SandboxResult;

/** A provider's handle on one running sandbox, wrapped by {@link org.sandbox4j.SandboxProcess}. */
public interface ProcessControl {
  /** The program's stdin, or a stream that refuses writes when stdin is not a pipe. */
  OutputStream stdin();

  /** The program's stdout, or an empty stream when stdout is not a pipe. */
  InputStream stdout();

  /** The program's stderr, or an empty stream when stderr is not a pipe. */
  InputStream stderr();

  /** The program's process id as the caller's PID namespace sees it. */
  long pid();

  /**
   * Completes with the result once the program and everything it started are gone; never
   * completes exceptionally except when the provider itself failed.
   */
  CompletableFuture<SandboxResult> result();

  /** What the sandbox uses now, from its cgroup; empty without one or after the end. */
  Optional<ResourceUsage> usage();

  /** Asks the program to end: SIGTERM, delivered by the sandbox's init. */
  void terminate();

  /** Kills the program and everything it started, at once. */
  void kill();

  /** Kills what still runs, waits for it, and releases every resource. Idempotent. */
  void close();
}
