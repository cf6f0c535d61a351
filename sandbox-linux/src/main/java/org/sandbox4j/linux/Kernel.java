package org.sandbox4j.linux;

/** The running kernel's version, for features the library must choose between. */
final class Kernel {
  private Kernel() {}

  /**
   * {@code CLOCK_BOOTTIME} in nanoseconds: the clock behind {@code /proc/uptime}, which,
   * unlike {@link System#nanoTime()}, keeps counting while the machine is suspended.
   */
  static long bootTimeNanos() {
    long[] timespec = new long[2];
    if (LibC.INSTANCE.clock_gettime(LibC.CLOCK_BOOTTIME, timespec) != 0) {
      throw new IllegalStateException("clock_gettime(CLOCK_BOOTTIME) failed: " + Errno.name(LibC.errno()));
    }
    return timespec[0] * 1_000_000_000L + timespec[1];
  }

  /** Whether the kernel ({@code os.version}, e.g. {@code 6.18.44-fc}) is at least major.minor. */
  static boolean atLeast(int major, int minor) {
    return atLeast(System.getProperty("os.version", ""), major, minor);
  }

  static boolean atLeast(String version, int major, int minor) {
    String[] parts = version.split("[.-]");
    try {
      int haveMajor = Integer.parseInt(parts[0]);
      int haveMinor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
      return haveMajor > major || (haveMajor == major && haveMinor >= minor);
    } catch (NumberFormatException e) {
      return false; // an unknown version is treated as too old: the conservative choice
    }
  }
}
