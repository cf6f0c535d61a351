package org.sandbox4j.examples.cli;

import static java.util.Objects.requireNonNull;

import java.util.OptionalLong;
import org.sandbox4j.ResourceUsage;
import org.sandbox4j.SandboxLaunchException;
import org.sandbox4j.SandboxResult;
import org.sandbox4j.Termination;

/**
 * A run's account as one line of JSON, for scripts: {@code --result-json FILE}.
 *
 * <pre>{"termination":"EXITED","exitCode":0,"signal":0,"wallTimeMicros":1843}</pre>
 *
 * <p>Keys come in a fixed order, the order of {@link SandboxResult}'s accessors, so that
 * the output is stable and diffable. A {@link Termination#SECCOMP_VIOLATION} adds
 * {@code seccompViolation}, the syscall ({@link SandboxResult#seccompViolation()}), right
 * after {@code wallTimeMicros}; other results leave the key out. When the run had a cgroup
 * ({@link SandboxResult#usage()}), what it used follows: {@code cpuUserMicros}, {@code cpuSystemMicros}, {@code peakMemoryBytes},
 * {@code oomKills}, {@code pidsPeak}, {@code pidsLimitHits}, {@code ioReadBytes} and
 * {@code ioWriteBytes}; the two peaks are {@code null} where the kernel keeps none. Without a
 * cgroup these keys are absent, not zero: nothing was measured. A run that went without limits
 * the host could not enforce ({@code --allow-unenforced-limits}) then has
 * {@code unenforcedLimits}, an array naming each with the reason. Last, {@code procView} names
 * the {@link org.sandbox4j.ProcView} the program had ({@code LIVE}, {@code STATIC}, {@code OFF}).
 * A launch failure is reported as
 * {@link Termination#SETUP_FAILED} with the CLI's exit status {@link ExitCodes#LAUNCH_FAILED}
 * and adds {@code stage}, {@code path}, {@code errno} (the symbolic name, e.g.
 * {@code ENOENT}) and {@code detail}; empty strings where the library has nothing to say.
 *
 * <p>To add a field, append one call to {@link #resultFields} or {@link #ofLaunchFailure}:
 * {@link JsonObjectWriter} takes care of commas and escaping.
 */
public final class ResultJson {
  private ResultJson() {}

  /** The result as a JSON object on one line, without a line break. */
  public static String of(SandboxResult result) {
    return resultFields(requireNonNull(result, "result")).string("procView", result.procView().name()).toString();
  }

  /** A launch that failed, as a {@link Termination#SETUP_FAILED} result naming where it failed. */
  public static String ofLaunchFailure(SandboxLaunchException failure) {
    requireNonNull(failure, "failure");
    SandboxResult result = SandboxResult.builder(Termination.SETUP_FAILED)
        .exitCode(ExitCodes.LAUNCH_FAILED)
        .build();
    return resultFields(result)
        .string("stage", failure.stage())
        .string("path", failure.path())
        .string("errno", failure.errnoName())
        .string("detail", failure.detail())
        .toString();
  }

  private static JsonObjectWriter resultFields(SandboxResult result) {
    JsonObjectWriter json = new JsonObjectWriter()
        .string("termination", result.termination().name())
        .number("exitCode", result.exitCode())
        .number("signal", result.signal())
        .number("wallTimeMicros", result.wallTimeMicros());
    result.seccompViolation().ifPresent(syscall -> json.string("seccompViolation", syscall));
    result.usage().ifPresent(usage -> usageFields(json, usage));
    if (!result.unenforcedLimits().isEmpty()) {
      json.strings("unenforcedLimits", result.unenforcedLimits());
    }
    return json;
  }

  private static void usageFields(JsonObjectWriter json, ResourceUsage usage) {
    json.number("cpuUserMicros", usage.cpuUserMicros())
        .number("cpuSystemMicros", usage.cpuSystemMicros())
        .number("peakMemoryBytes", usage.peakMemoryBytes())
        .number("oomKills", usage.oomKills())
        .number("pidsPeak", usage.pidsPeak())
        .number("pidsLimitHits", usage.pidsLimitHits())
        .number("ioReadBytes", usage.ioReadBytes())
        .number("ioWriteBytes", usage.ioWriteBytes());
  }

  /** {@code text} as a JSON string literal, quotes included. */
  public static String quote(String text) {
    return '"' + escape(text) + '"';
  }

  /**
   * {@code text} escaped for the inside of a JSON string: {@code "} and {@code \} get a
   * backslash, control characters below U+0020 become <code>&#92;u00XX</code>. A lone surrogate
   * (possible in a Java string, impossible in UTF-8) becomes <code>&#92;uXXXX</code> too, so the
   * output stays valid JSON that says exactly what the string held.
   */
  public static String escape(String text) {
    requireNonNull(text, "text");
    StringBuilder s = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        s.append('\\').append(c);
      } else if (c < 0x20 || isLoneSurrogate(text, i)) {
        s.append(String.format("\\u%04x", (int) c));
      } else {
        s.append(c);
      }
    }
    return s.toString();
  }

  private static boolean isLoneSurrogate(String text, int i) {
    char c = text.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1));
    }
    if (Character.isLowSurrogate(c)) {
      return i == 0 || !Character.isHighSurrogate(text.charAt(i - 1));
    }
    return false;
  }

  /** Appends the members of one flat JSON object, in call order. Single use. */
  private static final class JsonObjectWriter {
    private final StringBuilder json = new StringBuilder("{");

    JsonObjectWriter string(String name, String value) {
      return member(name, quote(value));
    }

    JsonObjectWriter number(String name, long value) {
      return member(name, Long.toString(value));
    }

    /** An absent value is JSON's {@code null}: the key stays, so every line has the same keys. */
    JsonObjectWriter number(String name, OptionalLong value) {
      return member(name, value.isPresent() ? Long.toString(value.getAsLong()) : "null");
    }

    /** An array of strings. */
    JsonObjectWriter strings(String name, java.util.List<String> values) {
      StringBuilder array = new StringBuilder("[");
      for (String value : values) {
        array.append(array.length() > 1 ? "," : "").append(quote(value));
      }
      return member(name, array.append(']').toString());
    }

    private JsonObjectWriter member(String name, String jsonValue) {
      if (json.length() > 1) {
        json.append(',');
      }
      json.append(quote(name)).append(':').append(jsonValue);
      return this;
    }

    @Override
    public String toString() {
      return json + "}";
    }
  }
}
