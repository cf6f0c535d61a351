package org.sandbox4j.examples.cli;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;

/**
 * Parses a duration as people write one on a command line: a decimal number and a unit,
 * e.g. {@code 500ms}, {@code 2s}, {@code 1.5s}, {@code 1m}, {@code 100us}.
 *
 * <p>The unit is required: a bare {@code 5} could mean seconds or milliseconds, and a
 * wall-time limit that is off by a factor of 1000 is worse than an error. Units are
 * {@code ns}, {@code us} (or {@code µs}), {@code ms}, {@code s}, {@code m} (or {@code min})
 * and {@code h}, in any case. The result must be a whole number of nanoseconds.
 *
 * <p>This parser only reads the text; whether a duration makes sense (say, a positive
 * wall-time limit) is the builder's call, so its message is the one people see.
 */
public final class DurationParser {
  private static final String EXAMPLES = "expected e.g. 500ms, 2s, 1.5s, 1m, 100us";

  private DurationParser() {}

  /**
   * The duration {@code text} denotes.
   *
   * @throws IllegalArgumentException naming the text when it is not a duration
   */
  public static Duration parse(String text) {
    requireNonNull(text, "text");
    String s = text.trim().toLowerCase(Locale.ROOT);
    int end = 0;
    while (end < s.length() && (Character.isDigit(s.charAt(end)) || s.charAt(end) == '.')) {
      end++;
    }
    if (end == 0) {
      throw notADuration(text, EXAMPLES);
    }
    String unit = s.substring(end).trim();
    if (unit.isEmpty()) {
      throw notADuration(text, "give a unit: ns, us, ms, s, m or h");
    }
    long nanosPerUnit = nanosPer(unit, text);
    BigDecimal number;
    try {
      // Only digits and dots reach here, so BigDecimal sees neither a sign nor an exponent.
      number = new BigDecimal(s.substring(0, end));
    } catch (NumberFormatException e) {
      throw notADuration(text, EXAMPLES);
    }
    BigDecimal nanos = number.multiply(BigDecimal.valueOf(nanosPerUnit));
    if (nanos.stripTrailingZeros().scale() > 0) {
      throw notADuration(text, "finer than a nanosecond");
    }
    try {
      return Duration.ofNanos(nanos.longValueExact());
    } catch (ArithmeticException e) {
      throw notADuration(text, "too large");
    }
  }

  private static long nanosPer(String unit, String text) {
    switch (unit) {
      case "ns":
        return 1L;
      case "us":
      case "µs":
        return 1_000L;
      case "ms":
        return 1_000_000L;
      case "s":
        return 1_000_000_000L;
      case "m":
      case "min":
        return 60_000_000_000L;
      case "h":
        return 3_600_000_000_000L;
      default:
        throw notADuration(text, "unknown unit \"" + unit + "\"; use ns, us, ms, s, m or h");
    }
  }

  private static IllegalArgumentException notADuration(String text, String why) {
    return new IllegalArgumentException("not a duration: \"" + text + "\" (" + why + ")");
  }
}
