package org.sandbox4j;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/** A cap on one kind of block I/O to one device: bytes or operations per second. */
public final class IoThrottle {
  /** What is capped. */
  public enum Kind {
    READ_BYTES_PER_SECOND("read bytes/s"),
    WRITE_BYTES_PER_SECOND("write bytes/s"),
    READ_IOPS("read IOPS"),
    WRITE_IOPS("write IOPS");

    private final String text;

    Kind(String text) {
      this.text = text;
    }
  }

  private static final int S_IFMT = 0170000;
  private static final int S_IFBLK = 0060000;

  private final Path device;
  private final int major;
  private final int minor;
  private final Kind kind;
  private final long value;

  private IoThrottle(Path device, int major, int minor, Kind kind, long value) {
    this.device = device;
    this.major = major;
    this.minor = minor;
    this.kind = kind;
    this.value = value;
  }

  /**
   * A throttle on the block device at {@code device} (e.g. {@code /dev/vda}).
   *
   * @throws IllegalArgumentException when the path is not a block device, or the value is not positive
   */
  public static IoThrottle of(Path device, Kind kind, long value) {
    requireNonNull(device, "device");
    requireNonNull(kind, "kind");
    checkArgument(value > 0, "io %s of %s must be positive, was %s", kind.text, device, value);
    int mode;
    long rdev;
    try {
      mode = (Integer) Files.getAttribute(device, "unix:mode");
      rdev = (Long) Files.getAttribute(device, "unix:rdev");
    } catch (IOException | UnsupportedOperationException e) {
      throw new IllegalArgumentException("io " + kind.text + ": unknown device " + device + " (" + e + ")", e);
    }
    checkArgument((mode & S_IFMT) == S_IFBLK, "io %s: %s is not a block device", kind.text, device);
    // glibc's gnu_dev_major/minor: the kernel's 32-bit dev_t split as the C library does.
    int major = (int) (((rdev >>> 32) & 0xfffff000L) | ((rdev >>> 8) & 0xfffL));
    int minor = (int) (((rdev >>> 12) & 0xffffff00L) | (rdev & 0xffL));
    return new IoThrottle(device, major, minor, kind, value);
  }

  public Path device() {
    return device;
  }

  /** The device's major number, as the cgroup files name devices ({@code major:minor}). */
  public int major() {
    return major;
  }

  public int minor() {
    return minor;
  }

  public Kind kind() {
    return kind;
  }

  /** Bytes per second, or operations per second. */
  public long value() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof IoThrottle)) {
      return false;
    }
    IoThrottle t = (IoThrottle) o;
    return device.equals(t.device) && major == t.major && minor == t.minor && kind == t.kind && value == t.value;
  }

  @Override
  public int hashCode() {
    return Objects.hash(device, major, minor, kind, value);
  }

  @Override
  public String toString() {
    String amount = kind == Kind.READ_IOPS || kind == Kind.WRITE_IOPS ? Long.toString(value)
        : DataSize.ofBytes(value) + "";
    return kind.text + " " + amount + " on " + device + " (" + major + ":" + minor + ")";
  }
}
