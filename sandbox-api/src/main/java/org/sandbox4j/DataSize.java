package org.sandbox4j;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * An amount of memory or storage in bytes, immutable. Binary units: {@code 1k = 1024}.
 *
 * <p>{@link #parse(String)} accepts what command lines and configuration files say:
 * {@code 4096}, {@code 512k}, {@code 64m}, {@code 64MiB}, {@code 1g}, {@code 1GiB}.
 */
public final class DataSize implements Comparable<DataSize> {
  private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

  private final long bytes;

  private DataSize(long bytes) {
    this.bytes = bytes;
  }

  /** A size of {@code bytes} bytes; must not be negative. */
  public static DataSize ofBytes(long bytes) {
    checkArgument(bytes >= 0, "size must not be negative: %s bytes", bytes);
    return new DataSize(bytes);
  }

  public static DataSize ofKibibytes(long kibibytes) {
    return ofBytes(Math.multiplyExact(kibibytes, 1024L));
  }

  public static DataSize ofMebibytes(long mebibytes) {
    return ofBytes(Math.multiplyExact(mebibytes, 1024L * 1024));
  }

  public static DataSize ofGibibytes(long gibibytes) {
    return ofBytes(Math.multiplyExact(gibibytes, 1024L * 1024 * 1024));
  }

  /**
   * Parses {@code 4096}, {@code 512k}, {@code 64m}, {@code 64MiB}, {@code 2g}, {@code 1t}
   * (case-insensitive, binary units).
   *
   * @throws IllegalArgumentException naming the text when it is not a size
   */
  public static DataSize parse(String text) {
    requireNonNull(text, "text");
    String s = text.trim().toLowerCase(Locale.ROOT);
    int end = 0;
    while (end < s.length() && Character.isDigit(s.charAt(end))) {
      end++;
    }
    checkArgument(end > 0, "not a size: \"%s\" (expected e.g. 4096, 512k, 64m, 1g)", text);
    String unit = s.substring(end).trim();
    long shift;
    switch (unit) {
      case "": case "b": shift = 0; break;
      case "k": case "kb": case "kib": shift = 10; break;
      case "m": case "mb": case "mib": shift = 20; break;
      case "g": case "gb": case "gib": shift = 30; break;
      case "t": case "tb": case "tib": shift = 40; break;
      default:
        throw new IllegalArgumentException(
            "not a size: \"" + text + "\" (unknown unit \"" + unit + "\"; use k, m, g or t)");
    }
    try {
      long number = Long.parseLong(s.substring(0, end));
      return ofBytes(Math.multiplyExact(number, 1L << shift));
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("not a size: \"" + text + "\" (too large)", e);
    }
  }

  public long toBytes() {
    return bytes;
  }

  @Override
  public int compareTo(DataSize other) {
    return Long.compare(bytes, other.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DataSize && ((DataSize) o).bytes == bytes;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(bytes);
  }

  /** The largest binary unit that represents the size exactly, e.g. {@code 64 MiB}. */
  @Override
  public String toString() {
    long value = bytes;
    int unit = 0;
    while (value != 0 && value % 1024 == 0 && unit < UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    return value + " " + UNITS[unit];
  }
}
