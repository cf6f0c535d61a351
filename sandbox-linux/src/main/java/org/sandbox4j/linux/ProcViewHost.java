package org.sandbox4j.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * The few host facts a {@code /proc} view may use: the totals that cap what a sandbox
 * without its own limit is shown (memory, swap), the host's CPU descriptions (the view shows
 * those of its own CPUs) and the page size. Nothing else of the host reaches a view.
 * Immutable; {@link #current()} rereads the totals at most once a second, and the CPU
 * descriptions, which only CPU hotplug changes and which are large on big hosts, only when
 * asked for and then at most once a minute or when the online CPUs change
 * ({@link CpuinfoCache}).
 */
final class ProcViewHost {
  private static final long REFRESH_NANOS = 1_000_000_000L;
  private static final Object LOCK = new Object();
  private static ProcViewHost cached;
  private static long cachedAt;

  /** The host's {@code /proc/cpuinfo}, shared by every view. */
  static final CpuinfoCache CPUINFO = new CpuinfoCache(
      () -> Files.readString(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8),
      () -> Files.readString(Path.of("/sys/devices/system/cpu/online"), StandardCharsets.US_ASCII),
      System::nanoTime);

  /** Text read from the host, which may fail. */
  interface Text {
    String get() throws IOException;
  }

  /**
   * The host's {@code /proc/cpuinfo}, read when first asked for, then again only when the
   * copy is {@value #MAX_AGE_NANOS} ns old or the online CPU list (looked at no more than
   * every {@value #ONLINE_CHECK_NANOS} ns) has changed. Thread-safe.
   */
  static final class CpuinfoCache {
    static final long MAX_AGE_NANOS = 60_000_000_000L;
    static final long ONLINE_CHECK_NANOS = 1_000_000_000L;

    private final Text cpuinfo;
    private final Text online;
    private final LongSupplier clock;
    private String text;
    private long readAt;
    private String onlineAtRead;
    private long onlineCheckedAt;

    CpuinfoCache(Text cpuinfo, Text online, LongSupplier clock) {
      this.cpuinfo = cpuinfo;
      this.online = online;
      this.clock = clock;
    }

    synchronized String get() throws IOException {
      long now = clock.getAsLong();
      if (text != null && now - onlineCheckedAt >= ONLINE_CHECK_NANOS) {
        onlineCheckedAt = now;
        if (!onlineNow().equals(onlineAtRead)) {
          text = null; // a CPU came or went
        }
      }
      if (text == null || now - readAt >= MAX_AGE_NANOS) {
        String onlineBefore = onlineNow();
        text = cpuinfo.get();
        onlineAtRead = onlineBefore;
        readAt = clock.getAsLong();
        onlineCheckedAt = readAt;
      }
      return text;
    }

    /** The online CPU list; "" where it cannot be read (the age alone decides then). */
    private String onlineNow() {
      try {
        return online.get().strip();
      } catch (IOException | RuntimeException unreadable) {
        return "";
      }
    }
  }

  private final long memTotalBytes;
  private final long swapTotalBytes;
  private final Text cpuinfo;
  private final int pageSize;

  ProcViewHost(long memTotalBytes, long swapTotalBytes, String cpuinfo, int pageSize) {
    this(memTotalBytes, swapTotalBytes, () -> cpuinfo, pageSize);
  }

  /** A host whose {@code /proc/cpuinfo} is read from {@code cpuinfo} only when a view renders its own. */
  ProcViewHost(long memTotalBytes, long swapTotalBytes, Text cpuinfo, int pageSize) {
    if (memTotalBytes <= 0 || swapTotalBytes < 0 || pageSize <= 0 || Integer.bitCount(pageSize) != 1) {
      throw new IllegalArgumentException("host: MemTotal " + memTotalBytes + ", SwapTotal " + swapTotalBytes
          + ", page size " + pageSize);
    }
    this.memTotalBytes = memTotalBytes;
    this.swapTotalBytes = swapTotalBytes;
    this.cpuinfo = cpuinfo;
    this.pageSize = pageSize;
  }

  /**
   * This host now, its totals reread when the last reading is older than a second. While
   * they stay the same it is the same object, so what was rendered from it stays current.
   */
  static ProcViewHost current() throws IOException {
    synchronized (LOCK) {
      if (cached == null || System.nanoTime() - cachedAt > REFRESH_NANOS) {
        ProcViewHost fresh = read();
        if (cached == null || cached.memTotalBytes != fresh.memTotalBytes
            || cached.swapTotalBytes != fresh.swapTotalBytes || cached.pageSize != fresh.pageSize) {
          cached = fresh;
        }
        cachedAt = System.nanoTime();
      }
      return cached;
    }
  }

  /** The totals of {@code /proc/meminfo} now; {@code /proc/cpuinfo} through {@link #CPUINFO}, when asked for. */
  static ProcViewHost read() throws IOException {
    long memTotal = 0;
    long swapTotal = 0;
    for (String line : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.US_ASCII)) {
      if (line.startsWith("MemTotal:")) {
        memTotal = kilobytes(line) * 1024;
      } else if (line.startsWith("SwapTotal:")) {
        swapTotal = kilobytes(line) * 1024;
      }
    }
    return new ProcViewHost(memTotal, swapTotal, CPUINFO::get, LibC.INSTANCE.getpagesize());
  }

  /** "MemTotal:       24683652 kB" -> 24683652. */
  private static long kilobytes(String line) {
    String[] parts = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
    return Long.parseLong(parts[0]);
  }

  long memTotalBytes() {
    return memTotalBytes;
  }

  long swapTotalBytes() {
    return swapTotalBytes;
  }

  /** The host's {@code /proc/cpuinfo}, whole; read (or taken from its cache) now. */
  String cpuinfo() {
    try {
      return cpuinfo.get();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the host's /proc/cpuinfo", e);
    }
  }

  int pageSize() {
    return pageSize;
  }

  /**
   * The huge page size of a PMD mapping: a page table page holds pageSize / 8 entries, each
   * mapping a page (2 MiB with 4 KiB pages, 512 MiB with 64 KiB). Derived, not read: it is
   * the architecture's, and programs (JVMs with large pages) look for the line.
   */
  long hugePageBytes() {
    return (long) pageSize * (pageSize / 8);
  }
}
