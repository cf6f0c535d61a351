package org.sandbox4j;

import static java.util.Objects.requireNonNull;

import java.io.IOException;

/**
 * A sandbox could not be launched. Says where: the {@link #stage()} that failed (e.g.
 * {@code execve}, {@code bind}, {@code pivot_root}), the {@link #path()} as seen inside the
 * sandbox, and the {@link #errnoName() errno}, e.g.
 * {@code execve /usr/bin/python3: ENOENT (not found inside the sandbox)}.
 */
public final class SandboxLaunchException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String stage;
  private final String path;
  private final int errno;
  private final String errnoName;
  private final String detail;

  /**
   * @param stage the setup step that failed, e.g. {@code "mount proc"}
   * @param path the path as seen inside the sandbox, or empty
   * @param errno the OS error number, or 0 when the failure is not an OS error
   * @param errnoName the symbolic errno, e.g. {@code "ENOENT"}, or empty
   * @param detail a short explanation for people, or empty
   */
  public SandboxLaunchException(String stage, String path, int errno, String errnoName, String detail) {
    this(stage, path, errno, errnoName, detail, null);
  }

  public SandboxLaunchException(
      String stage, String path, int errno, String errnoName, String detail, Throwable cause) {
    super(format(stage, path, errnoName, detail), cause);
    this.stage = requireNonNull(stage, "stage");
    this.path = requireNonNull(path, "path");
    this.errno = errno;
    this.errnoName = requireNonNull(errnoName, "errnoName");
    this.detail = requireNonNull(detail, "detail");
  }

  private static String format(String stage, String path, String errnoName, String detail) {
    StringBuilder s = new StringBuilder(stage);
    if (!path.isEmpty()) {
      s.append(' ').append(path);
    }
    if (!errnoName.isEmpty() || !detail.isEmpty()) {
      s.append(':');
    }
    if (!errnoName.isEmpty()) {
      s.append(' ').append(errnoName);
    }
    if (!detail.isEmpty()) {
      s.append(errnoName.isEmpty() ? " " : " (").append(detail).append(errnoName.isEmpty() ? "" : ")");
    }
    return s.toString();
  }

  /** The setup step that failed. */
  public String stage() {
    return stage;
  }

  /** The path involved, as seen inside the sandbox; empty when none. */
  public String path() {
    return path;
  }

  /** The OS error number; 0 when the failure is not an OS error. */
  public int errno() {
    return errno;
  }

  /** The symbolic errno such as {@code ENOENT}; empty when the failure is not an OS error. */
  public String errnoName() {
    return errnoName;
  }

  /** A short explanation for people; may be empty. */
  public String detail() {
    return detail;
  }
}
