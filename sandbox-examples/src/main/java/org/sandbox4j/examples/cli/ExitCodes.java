package org.sandbox4j.examples.cli;

/**
 * The CLI's own exit statuses. Otherwise it exits with the sandboxed program's status, so
 * these follow the shell's conventions to stay apart from what programs usually return.
 */
public final class ExitCodes {
  /** {@code --help}, {@code --version}, {@code --describe}, {@code --print-plan}. */
  public static final int OK = 0;
  /** A bad command line, as most Unix tools report it. */
  public static final int USAGE = 2;
  /** The CLI itself failed after parsing, e.g. the {@code --result-json} file could not be written. */
  public static final int CLI_FAILURE = 125;
  /**
   * The sandbox could not be launched: like a shell's "command not found", the program
   * never ran (also when the program's {@code execve} failed).
   */
  public static final int LAUNCH_FAILED = 127;

  private ExitCodes() {}
}
