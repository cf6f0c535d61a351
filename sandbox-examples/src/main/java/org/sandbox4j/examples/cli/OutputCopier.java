package org.sandbox4j.examples.cli;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;

/**
 * Copies one of the program's output pipes to one of the CLI's own streams, on a thread of
 * its own. The CLI needs it only with {@code --output-limit}: the library counts output as
 * it reads it from pipes, so the program cannot inherit the CLI's stdout and stderr then.
 * One copier per pipe, so that a full stderr never blocks the program while stdout is read.
 */
final class OutputCopier {
  private final Thread thread;

  private OutputCopier(String name, InputStream from, PrintStream to) {
    requireNonNull(from, "from");
    requireNonNull(to, "to");
    this.thread = new Thread(() -> copy(from, to), name);
    // Never holds the JVM up: when the CLI gives up on a run, nothing is left to copy to anyway.
    thread.setDaemon(true);
  }

  /** Starts copying {@code from} to {@code to} until {@code from} ends; then closes {@code from}. */
  static OutputCopier start(String name, InputStream from, PrintStream to) {
    OutputCopier copier = new OutputCopier(name, from, to);
    copier.thread.start();
    return copier;
  }

  /** Waits until everything was copied and flushed (or copying stopped, see {@link #copy}). */
  void join() throws InterruptedException {
    thread.join();
  }

  /**
   * Copies until end of stream, flushing after every read: a prompt without a line break
   * must show before the program waits for input. Stops early when {@code to} fails (its
   * reader is gone, as with {@code | head}): closing the pipe then lets the program meet a
   * closed stream, as it would have without sandbox4j in between.
   */
  static void copy(InputStream from, PrintStream to) {
    byte[] buffer = new byte[8192];
    try (from) {
      int n;
      while ((n = from.read(buffer)) >= 0) {
        to.write(buffer, 0, n);
        to.flush();
        if (to.checkError()) {
          return;
        }
      }
    } catch (IOException e) {
      // The pipe was closed under us: the run was killed and released, and its result says so.
    }
  }
}
