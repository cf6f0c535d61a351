package org.sandbox4j.examples.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sandbox4j.SeccompPolicy;
import org.sandbox4j.SeccompPolicy.Action;
import org.sandbox4j.SeccompPolicy.Condition;
import org.sandbox4j.SeccompPolicy.Op;

/**
 * The policy file of {@code --seccomp FILE}: a {@link SeccompPolicy} as text, one directive
 * per line. A {@code #} starts a comment that runs to the end of the line; blank lines are
 * ignored; words are separated by spaces or tabs.
 *
 * <pre>
 * # A comment.
 * default allow | default kill | default log | default trap | default errno N
 * allow NAME [NAME...]
 * allow NAME CONDITION [CONDITION...]
 * errno N NAME [CONDITION...]
 * kill NAME [CONDITION...]
 * log NAME [CONDITION...]
 * trap NAME [CONDITION...]
 * </pre>
 *
 * <ul>
 *   <li>Exactly one {@code default} line, before every other directive: what happens to a
 *       syscall that no rule decides. {@code kill} ends the whole sandbox
 *       ({@link Action#KILL_PROCESS}), {@code errno N} fails the syscall with errno
 *       {@code N} (1..4095, e.g. 1 for EPERM, 38 for ENOSYS), {@code log} runs it and logs it to
 *       the audit log, {@code trap} delivers SIGSYS.
 *   <li>Every other line is one rule per NAME, checked in file order; for each syscall the
 *       first rule whose conditions all hold decides. {@code allow} takes several names, or
 *       one name and conditions.
 *   <li>NAME is the kernel's name of a syscall ({@code openat}, {@code getppid}).
 *   <li>A CONDITION is one word: {@code argI==V}, {@code argI!=V}, {@code argI<V},
 *       {@code argI<=V}, {@code argI>V}, {@code argI>=V} or {@code argI&MASK==V}
 *       ({@code (arg & MASK) == V}). {@code I} is the argument, 0 to 5; {@code V} and
 *       {@code MASK} are decimal or {@code 0x} hexadecimal, compared as unsigned 64-bit
 *       numbers, up to {@code 18446744073709551615} or {@code 0xFFFFFFFFFFFFFFFF}.
 * </ul>
 *
 * <p>For example, a policy that allows everything but {@code ptrace}, and refuses
 * {@code ioctl(TIOCSTI)} whatever the high 32 bits of its request:
 *
 * <pre>
 * default allow
 * kill ptrace
 * errno 1 ioctl arg1&amp;0xFFFFFFFF==0x5412
 * </pre>
 *
 * <p>Errors name the file and the line number: {@code policy.txt:3: unknown directive "alow"}.
 * Whether the named syscalls exist and whether the policy lets a program start at all is the
 * provider's call when the sandbox is built.
 */
public final class SeccompPolicyFile {
  /** A policy file is small; anything larger is most likely the wrong file. */
  static final int MAX_BYTES = 1 << 20;

  private static final Pattern WORDS = Pattern.compile("[ \t]+");
  /** {@code argI}, an optional {@code &MASK}, an operator and a value; the parts are checked one by one. */
  private static final Pattern CONDITION = Pattern.compile("arg([0-9]+)(?:&([^=!<>]*))?(==|!=|<=|>=|<|>)([^=!<>]*)");
  private static final Pattern HEX = Pattern.compile("0[xX][0-9a-fA-F]+");
  private static final Pattern DECIMAL = Pattern.compile("[0-9]+");
  private static final String DIRECTIVES = "default, allow, errno, kill, log or trap";
  private static final String DEFAULTS = "allow, kill, log, trap or errno N";

  private SeccompPolicyFile() {}

  /**
   * Reads and parses the policy file {@code file}; errors call it as it is given.
   *
   * @throws IllegalArgumentException naming the file and, for a bad line, the line number
   */
  public static SeccompPolicy read(Path file) {
    requireNonNull(file, "file");
    return parse(file.toString(), readText(file));
  }

  /**
   * Parses the text of a policy file; {@code name} is what errors call the file.
   *
   * @throws IllegalArgumentException as {@code "NAME:LINE: problem"}, or {@code "NAME: problem"}
   *     when no line is at fault
   */
  public static SeccompPolicy parse(String name, String text) {
    requireNonNull(name, "name");
    requireNonNull(text, "text");
    SeccompPolicy.Builder builder = null;
    String[] lines = text.split("\r?\n|\r", -1);
    for (int i = 0; i < lines.length; i++) {
      List<String> words = words(lines[i]);
      if (words.isEmpty()) {
        continue;
      }
      String location = name + ":" + (i + 1) + ": ";
      try {
        if (words.get(0).equals("default")) {
          if (builder != null) {
            throw new IllegalArgumentException("a second default line; give exactly one, first");
          }
          builder = defaultLine(words);
        } else if (builder == null) {
          throw new IllegalArgumentException(
              "expected the default line first (default " + DEFAULTS + "), found \"" + words.get(0) + "\"");
        } else {
          ruleLine(builder, words);
        }
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw new IllegalArgumentException(location + e.getMessage(), e);
      }
    }
    if (builder == null) {
      throw new IllegalArgumentException(name + ": no default line; the policy needs one, first (default "
          + DEFAULTS + ")");
    }
    return builder.build();
  }

  /** The words of a line without its comment. */
  private static List<String> words(String line) {
    int hash = line.indexOf('#');
    String content = (hash < 0 ? line : line.substring(0, hash)).strip();
    return content.isEmpty() ? List.of() : Arrays.asList(WORDS.split(content));
  }

  private static SeccompPolicy.Builder defaultLine(List<String> words) {
    if (words.size() < 2) {
      throw new IllegalArgumentException("default needs an action: " + DEFAULTS);
    }
    String word = words.get(1);
    if (word.equals("errno")) {
      expectWords(words, 3, "default errno N");
      return SeccompPolicy.builderWithErrno(errno(words.get(2)));
    }
    Action action = defaultAction(word);
    expectWords(words, 2, "default " + word);
    return SeccompPolicy.builder(action);
  }

  private static Action defaultAction(String word) {
    switch (word) {
      case "allow":
        return Action.ALLOW;
      case "kill":
        return Action.KILL_PROCESS;
      case "log":
        return Action.LOG;
      case "trap":
        return Action.TRAP;
      default:
        throw new IllegalArgumentException("unknown default action \"" + word + "\" (use " + DEFAULTS + ")");
    }
  }

  private static void ruleLine(SeccompPolicy.Builder builder, List<String> words) {
    String directive = words.get(0);
    switch (directive) {
      case "allow":
        allowLine(builder, words);
        break;
      case "errno":
        if (words.size() < 3) {
          throw new IllegalArgumentException("expected errno N NAME [CONDITION...], e.g. errno 1 ptrace");
        }
        int errno = errno(words.get(1));
        builder.errno(errno, syscall(words.get(2)), conditions(words.subList(3, words.size())));
        break;
      case "kill":
        rule(builder, Action.KILL_PROCESS, words);
        break;
      case "log":
        rule(builder, Action.LOG, words);
        break;
      case "trap":
        rule(builder, Action.TRAP, words);
        break;
      default:
        throw new IllegalArgumentException("unknown directive \"" + directive + "\" (use " + DIRECTIVES + ")");
    }
  }

  /** {@code allow NAME [NAME...]}, or {@code allow NAME CONDITION...}: one rule per name. */
  private static void allowLine(SeccompPolicy.Builder builder, List<String> words) {
    if (words.size() < 2) {
      throw new IllegalArgumentException("expected allow NAME [NAME...], e.g. allow read write");
    }
    List<String> rest = words.subList(2, words.size());
    if (!rest.isEmpty() && isCondition(rest.get(0))) {
      builder.rule(syscall(words.get(1)), Action.ALLOW, 0, conditions(rest));
      return;
    }
    for (String word : words.subList(1, words.size())) {
      if (isCondition(word)) {
        throw new IllegalArgumentException("condition " + word + " after several names: allow takes several "
            + "names or one name and its conditions");
      }
      builder.allow(syscall(word));
    }
  }

  /** {@code kill}, {@code log} or {@code trap}: {@code DIRECTIVE NAME [CONDITION...]}. */
  private static void rule(SeccompPolicy.Builder builder, Action action, List<String> words) {
    if (words.size() < 2) {
      throw new IllegalArgumentException("expected " + words.get(0) + " NAME [CONDITION...], e.g. "
          + words.get(0) + " ptrace");
    }
    builder.rule(syscall(words.get(1)), action, 0, conditions(words.subList(2, words.size())));
  }

  private static void expectWords(List<String> words, int count, String form) {
    if (words.size() > count) {
      throw new IllegalArgumentException("unexpected \"" + words.get(count) + "\" after " + form);
    }
    if (words.size() < count) {
      throw new IllegalArgumentException("expected " + form);
    }
  }

  /** A syscall name; a condition in its place is a clearer mistake to report than a bad name. */
  private static String syscall(String word) {
    if (isCondition(word)) {
      throw new IllegalArgumentException("expected a syscall name before the condition " + word);
    }
    return word; // the builder checks the form of the name, the provider that the syscall exists
  }

  private static boolean isCondition(String word) {
    return word.startsWith("arg") && word.chars().anyMatch(c -> c == '=' || c == '<' || c == '>' || c == '!');
  }

  private static Condition[] conditions(List<String> words) {
    List<Condition> conditions = new ArrayList<>(words.size());
    for (String word : words) {
      conditions.add(condition(word));
    }
    return conditions.toArray(new Condition[0]);
  }

  /** {@code argI OP V} or {@code argI&MASK==V}, without spaces. */
  static Condition condition(String word) {
    Matcher m = CONDITION.matcher(word);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a condition: \"" + word + "\" (expected argI==V, argI!=V, argI<V, "
          + "argI<=V, argI>V, argI>=V or argI&MASK==V, I 0..5)");
    }
    String index = m.group(1);
    if (index.length() > 1 || index.charAt(0) > '5') {
      throw new IllegalArgumentException("condition " + word + ": no argument " + index
          + "; syscalls have arg0 to arg5");
    }
    int argument = index.charAt(0) - '0';
    String mask = m.group(2);
    String op = m.group(3);
    long value = number(word, m.group(4));
    if (mask != null) {
      if (!op.equals("==")) {
        throw new IllegalArgumentException("condition " + word + ": a mask is compared with ==, not " + op);
      }
      return Condition.maskedEq(argument, number(word, mask), value);
    }
    return Condition.of(argument, op(op), value);
  }

  private static Op op(String op) {
    switch (op) {
      case "==":
        return Op.EQ;
      case "!=":
        return Op.NE;
      case "<":
        return Op.LT;
      case "<=":
        return Op.LE;
      case ">":
        return Op.GT;
      case ">=":
        return Op.GE;
      default:
        throw new IllegalStateException("CONDITION matched operator " + op);
    }
  }

  /** An unsigned 64-bit number, decimal or {@code 0x} hexadecimal, as the long with its bits. */
  static long number(String condition, String text) {
    boolean hex = HEX.matcher(text).matches();
    if (!hex && !DECIMAL.matcher(text).matches()) {
      throw new IllegalArgumentException("condition " + condition + ": not a number: \"" + text
          + "\" (expected decimal or 0x hexadecimal, e.g. 21522 or 0x5412)");
    }
    try {
      return hex ? Long.parseUnsignedLong(text.substring(2), 16) : Long.parseUnsignedLong(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("condition " + condition + ": " + text
          + " does not fit in 64 bits (at most 0xFFFFFFFFFFFFFFFF)", e);
    }
  }

  private static int errno(String text) {
    if (!DECIMAL.matcher(text).matches()) {
      throw new IllegalArgumentException("not an errno: \"" + text + "\" (expected a number 1..4095, e.g. 1 for "
          + "EPERM)");
    }
    if (text.length() > 4) {
      throw new IllegalArgumentException("errno must be 1..4095, was " + text);
    }
    return Integer.parseInt(text); // the builder checks the range
  }

  /** The file as UTF-8 text; at most {@link #MAX_BYTES}. */
  private static String readText(Path file) {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(file + ": no such file");
    } catch (AccessDeniedException e) {
      throw new IllegalArgumentException(file + ": permission denied");
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read: " + (e.getMessage() != null ? e.getMessage() : e), e);
    }
    if (bytes.length > MAX_BYTES) {
      throw new IllegalArgumentException(file + ": larger than " + (MAX_BYTES >> 20) + " MiB; is it a policy file?");
    }
    try {
      return UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(file + ": not UTF-8 text; is it a policy file?", e);
    }
  }
}
