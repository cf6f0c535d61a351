package org.sandbox4j;

/**
 * The per-process resource limits ({@code setrlimit}) a sandbox can set for its program.
 * Each applies to every process of the program separately; the cgroup limits of
 * {@link ResourceLimits} apply to all of them together.
 */
public enum Rlimit {
  /** Largest file the program may write, in bytes ({@code RLIMIT_FSIZE}): SIGXFSZ beyond. */
  FSIZE(1),
  /** Most open file descriptors per process ({@code RLIMIT_NOFILE}). */
  NOFILE(7),
  /** Largest stack, in bytes ({@code RLIMIT_STACK}). */
  STACK(3),
  /** Largest core dump, in bytes ({@code RLIMIT_CORE}); 0 by default in a sandbox. */
  CORE(4),
  /**
   * Largest virtual address space, in bytes ({@code RLIMIT_AS}). Off by default: JVMs, Go
   * and sanitizers reserve far more address space than they use, so it breaks them; use
   * the memory limit instead.
   */
  AS(9);

  private final int linuxNumber;

  Rlimit(int linuxNumber) {
    this.linuxNumber = linuxNumber;
  }

  /** The resource number Linux uses ({@code RLIMIT_*}), the same on x86-64 and aarch64. */
  public int linuxNumber() {
    return linuxNumber;
  }

  /** The value meaning "no limit" ({@code RLIM_INFINITY}). */
  public static final long UNLIMITED = -1L;
}
