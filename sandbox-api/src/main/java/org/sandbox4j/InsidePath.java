package org.sandbox4j;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/** Validation of paths as the sandboxed program sees them, shared by the builders. */
final class InsidePath {
  /** PATH_MAX less the terminating NUL: the helper's bound too. */
  static final int MAX_LENGTH = 4095;

  private InsidePath() {}

  /**
   * Checks that {@code path} is an absolute, normalized path inside the sandbox: no
   * {@code .} or {@code ..} component (a {@code ..} walk is how a mount escapes its
   * root), no empty component, no trailing slash, no NUL.
   */
  static String check(String option, String path) {
    requireNonNull(path, option);
    String problem = problem(path);
    if (problem != null) {
      throw new IllegalArgumentException(
          option + ": \"" + path + "\" is not a valid path inside the sandbox: " + problem);
    }
    return path;
  }

  /** Checks a host path given to a bind mount or root file system: absolute and normalized. */
  static Path checkHost(String option, Path path) {
    requireNonNull(path, option);
    String text = path.toString();
    if (!path.isAbsolute()) {
      throw new IllegalArgumentException(
          option + ": host path \"" + text + "\" must be absolute (use path.toAbsolutePath())");
    }
    String problem = problem(text);
    if (problem != null) {
      throw new IllegalArgumentException(option + ": host path \"" + text + "\" " + problem);
    }
    return path;
  }

  private static String problem(String path) {
    if (path.isEmpty() || path.charAt(0) != '/') {
      return "must be absolute (start with /)";
    }
    if (path.length() > MAX_LENGTH) {
      return "is longer than " + MAX_LENGTH + " bytes";
    }
    if (path.indexOf('\0') >= 0) {
      return "contains a NUL character";
    }
    if (path.equals("/")) {
      return null;
    }
    if (path.endsWith("/")) {
      return "must not end with /";
    }
    for (String component : path.substring(1).split("/", -1)) {
      if (component.isEmpty()) {
        return "has an empty component (//)";
      }
      if (component.equals(".") || component.equals("..")) {
        return "has a \"" + component + "\" component (give the normalized path)";
      }
    }
    return null;
  }
}
