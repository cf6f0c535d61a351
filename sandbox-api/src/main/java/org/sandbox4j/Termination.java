package org.sandbox4j;

/** Why a sandboxed program stopped, from facts the helper observed, never from guesses. */
public enum Termination {
  /** The program exited by itself; {@link SandboxResult#exitCode()} is its status. */
  EXITED,
  /** A signal ended the program; {@link SandboxResult#signal()} names it. */
  SIGNALED,
  /** The wall-time limit ran out and the helper killed the whole sandbox. */
  WALL_TIME_LIMIT,
  /** The caller killed the sandbox ({@link SandboxProcess#destroyForcibly()} or close). */
  KILLED,
  /** The sandbox could not be set up; the program never ran. */
  SETUP_FAILED,
  /** The CPU time of all the sandbox's processes reached the limit; the helper killed them. */
  CPU_TIME_LIMIT,
  /** The kernel's OOM killer killed a process of the sandbox at its memory limit. */
  MEMORY_LIMIT,
  /** The program wrote more to stdout and stderr than the output limit allows. */
  OUTPUT_LIMIT,
  /**
   * A process of the sandbox made a syscall its seccomp policy kills for;
   * {@link SandboxResult#seccompViolation()} names it.
   */
  SECCOMP_VIOLATION
}
