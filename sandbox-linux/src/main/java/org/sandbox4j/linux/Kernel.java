package org.sandbox4j.linux;

/** The running kernel's version, for features the library must choose between. */
final class Kernel {
  private Kernel() {}

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
