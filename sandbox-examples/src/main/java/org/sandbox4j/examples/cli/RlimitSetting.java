package org.sandbox4j.examples.cli;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.sandbox4j.DataSize;
import org.sandbox4j.Rlimit;
import org.sandbox4j.Sandbox;

/**
 * The value of {@code --rlimit}: {@code NAME=VALUE} sets the soft and the hard limit alike,
 * {@code NAME=SOFT:HARD} each on its own. NAME is an {@link Rlimit} in any case
 * ({@code nofile}, {@code FSIZE}); a value is {@code unlimited}, a number, or for the
 * limits counted in bytes (all but {@code nofile}) a size such as {@code 10m}.
 *
 * <p>This parser only reads the text; whether soft and hard fit together is the builder's
 * call ({@link #applyTo}), so its message is the one people see.
 *
 * @param soft the soft limit, {@link Rlimit#UNLIMITED} for none
 * @param hard the hard limit, {@link Rlimit#UNLIMITED} for none
 */
public record RlimitSetting(Rlimit resource, long soft, long hard) {
  private static final String NAMES = Arrays.stream(Rlimit.values())
      .map(r -> r.name().toLowerCase(Locale.ROOT))
      .collect(Collectors.joining(", "))
      .replaceFirst(", ([^,]*)$", " or $1");

  public RlimitSetting {
    requireNonNull(resource, "resource");
  }

  /**
   * {@code NAME=VALUE} or {@code NAME=SOFT:HARD}.
   *
   * @throws IllegalArgumentException naming what is wrong with the text
   */
  public static RlimitSetting parse(String text) {
    requireNonNull(text, "text");
    int equals = text.indexOf('=');
    if (equals < 0) {
      throw new IllegalArgumentException("expected NAME=VALUE or NAME=SOFT:HARD, e.g. nofile=256");
    }
    Rlimit resource = resource(text.substring(0, equals));
    String value = text.substring(equals + 1);
    int colon = value.indexOf(':');
    if (colon < 0) {
      long both = value(resource, value);
      return new RlimitSetting(resource, both, both);
    }
    return new RlimitSetting(resource, value(resource, value.substring(0, colon)),
        value(resource, value.substring(colon + 1)));
  }

  /** The one builder call this setting maps to; the builder checks soft against hard. */
  public Sandbox.Builder applyTo(Sandbox.Builder builder) {
    return builder.rlimit(resource, soft, hard);
  }

  private static Rlimit resource(String name) {
    for (Rlimit resource : Rlimit.values()) {
      if (resource.name().equalsIgnoreCase(name)) {
        return resource;
      }
    }
    throw new IllegalArgumentException("unknown resource \"" + name + "\" (use " + NAMES + ")");
  }

  private static long value(Rlimit resource, String text) {
    if (text.equalsIgnoreCase("unlimited")) {
      return Rlimit.UNLIMITED;
    }
    if (resource != Rlimit.NOFILE) {
      // Bytes: DataSize reads plain numbers too, and refuses a sign, so -1 cannot sneak in as UNLIMITED.
      return DataSize.parse(text).toBytes();
    }
    // A count of descriptors: digits only, for the same reason.
    if (text.isEmpty() || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("not a number: \"" + text + "\" (expected e.g. 256, or unlimited)");
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a number: \"" + text + "\" (too large)");
    }
  }
}
