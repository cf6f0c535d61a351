package org.sandbox4j.linux;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The output limit: bytes the program may write to stdout and stderr together, counted as
 * the JVM reads them. The read that crosses the limit delivers only the bytes up to it,
 * tells the helper (which kills the tree and reports OUTPUT_LIMIT), and every later read
 * sees end of stream: the JVM never holds more than the limit.
 */
final class OutputBudget {
  private final AtomicLong remaining;
  private final AtomicBoolean exceeded = new AtomicBoolean();
  private final Runnable onExceeded;

  OutputBudget(long limit, Runnable onExceeded) {
    this.remaining = new AtomicLong(limit);
    this.onExceeded = onExceeded;
  }

  /** Whether the program wrote more than the limit: the fact behind OUTPUT_LIMIT. */
  boolean exceeded() {
    return exceeded.get();
  }

  InputStream count(InputStream in) {
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) == 1 ? one[0] & 0xff : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (exceeded.get()) {
          return -1;
        }
        int n = super.read(b, off, len);
        if (n <= 0) {
          return n;
        }
        long left = remaining.addAndGet(-n);
        if (left >= 0) {
          return n;
        }
        if (exceeded.compareAndSet(false, true)) {
          onExceeded.run();
        }
        int allowed = (int) Math.max(0, n + left);
        return allowed == 0 ? -1 : allowed;
      }

      @Override
      public long skip(long n) throws IOException {
        int chunk = (int) Math.min(Math.max(n, 0), 8192);
        return Math.max(0, read(new byte[chunk], 0, chunk));
      }
    };
  }
}
