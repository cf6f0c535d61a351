package org.sandbox4j.examples.cli;

/**
 * A command line the CLI cannot act on. The message is one line for people, without the
 * {@code sandbox4j: } prefix (the CLI adds it), and names the option and value at fault
 * when there is one. The CLI exits with {@link ExitCodes#USAGE}.
 */
public final class CliUsageException extends Exception {
  private static final long serialVersionUID = 1L;

  public CliUsageException(String message) {
    super(message);
  }

  /**
   * An option whose value was refused, e.g. {@code --wall-time 0s: wallTimeLimit must be
   * positive, was PT0S}. {@code problem} is usually the API's own message.
   */
  static CliUsageException forOption(String option, String value, String problem) {
    return new CliUsageException(option + " " + shown(value) + ": " + problem);
  }

  /** The value as typed; quoted only where it would otherwise be invisible or ambiguous. */
  private static String shown(String value) {
    boolean plain = !value.isEmpty() && value.chars().noneMatch(c -> c <= ' ' || c == '"');
    return plain ? value : ResultJson.quote(value);
  }
}
