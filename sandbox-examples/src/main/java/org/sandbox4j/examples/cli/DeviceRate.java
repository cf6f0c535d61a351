package org.sandbox4j.examples.cli;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.function.ToLongFunction;
import org.sandbox4j.DataSize;

/**
 * The value of the {@code --io-*} options: a host block device and an amount per second,
 * {@code DEV:RATE} (RATE a size, e.g. {@code /dev/vda:1m}) or {@code DEV:N} (operations,
 * e.g. {@code /dev/vda:100}).
 *
 * <p>The text is split at the last colon: device paths may hold colons (those under
 * {@code /dev/disk/by-path} do), amounts never do. This parser only reads the text;
 * whether DEV is a block device and the amount positive is {@link org.sandbox4j.IoThrottle}'s
 * call, so its message is the one people see.
 *
 * @param device the device as typed, made absolute like every host path of the CLI
 * @param perSecond bytes or operations per second, as typed (not yet checked to be positive)
 */
public record DeviceRate(Path device, long perSecond) {
  public DeviceRate {
    requireNonNull(device, "device");
  }

  /**
   * {@code DEV:RATE}, RATE a size such as {@code 512k} or {@code 1m}: bytes per second.
   *
   * @throws IllegalArgumentException naming what is wrong with the text
   */
  public static DeviceRate parseBytesPerSecond(String text) {
    return parse(text, "DEV:RATE, e.g. /dev/vda:1m", rate -> DataSize.parse(rate).toBytes());
  }

  /**
   * {@code DEV:N}, N a number of operations per second.
   *
   * @throws IllegalArgumentException naming what is wrong with the text
   */
  public static DeviceRate parseOperationsPerSecond(String text) {
    return parse(text, "DEV:N, e.g. /dev/vda:100", DeviceRate::operations);
  }

  private static DeviceRate parse(String text, String expected, ToLongFunction<String> amount) {
    requireNonNull(text, "text");
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("expected " + expected);
    }
    long perSecond = amount.applyAsLong(text.substring(colon + 1));
    return new DeviceRate(Path.of(text.substring(0, colon)).toAbsolutePath(), perSecond);
  }

  private static long operations(String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a number of operations: \"" + text + "\"");
    }
  }
}
