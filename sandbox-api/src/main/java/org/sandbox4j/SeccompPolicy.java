package org.sandbox4j;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A seccomp filter as rules on syscalls by name: the provider compiles it to classic BPF for
 * the host's architecture (and kills any other architecture, the x32 ABI included). For each
 * syscall the first rule whose argument conditions all hold decides; a syscall no rule
 * decides gets the {@link #defaultAction()}. Immutable.
 *
 * <p>{@link #strictDefault()} is the policy every sandbox gets unless it chooses another.
 */
public final class SeccompPolicy {
  /** What the kernel does with a syscall. */
  public enum Action {
    /** Run it. */
    ALLOW,
    /** Fail it with {@link Rule#errno()}, without running it. */
    ERRNO,
    /**
     * End the whole sandbox; the result says {@link Termination#SECCOMP_VIOLATION} and
     * names the syscall.
     */
    KILL_PROCESS,
    /** Run it, and log it to the kernel's audit log. */
    LOG,
    /** Deliver SIGSYS to the calling thread (its handler may emulate the call). */
    TRAP
  }

  /** How an argument is compared; {@link #MASKED_EQ} compares {@code arg & mask} with the value. */
  public enum Op {
    EQ, NE, LT, LE, GT, GE, MASKED_EQ
  }

  /** A condition on one of the six syscall arguments, compared as unsigned 64-bit numbers. */
  public static final class Condition {
    private final int argument;
    private final Op op;
    private final long value;
    private final long mask;

    private Condition(int argument, Op op, long value, long mask) {
      checkArgument(argument >= 0 && argument <= 5, "syscall argument index must be 0..5, was %s", argument);
      this.argument = argument;
      this.op = requireNonNull(op);
      this.value = value;
      this.mask = mask;
    }

    public static Condition of(int argument, Op op, long value) {
      checkArgument(op != Op.MASKED_EQ, "MASKED_EQ needs a mask: use maskedEq");
      return new Condition(argument, op, value, -1L);
    }

    public static Condition eq(int argument, long value) {
      return of(argument, Op.EQ, value);
    }

    public static Condition ne(int argument, long value) {
      return of(argument, Op.NE, value);
    }

    /** {@code (arg & mask) == value}. */
    public static Condition maskedEq(int argument, long mask, long value) {
      return new Condition(argument, Op.MASKED_EQ, value, mask);
    }

    public int argument() {
      return argument;
    }

    public Op op() {
      return op;
    }

    public long value() {
      return value;
    }

    /** The mask of {@link Op#MASKED_EQ}; all ones otherwise. */
    public long mask() {
      return mask;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Condition && ((Condition) o).argument == argument && ((Condition) o).op == op
          && ((Condition) o).value == value && ((Condition) o).mask == mask;
    }

    @Override
    public int hashCode() {
      return Objects.hash(argument, op, value, mask);
    }

    @Override
    public String toString() {
      return "arg" + argument + (op == Op.MASKED_EQ ? " & 0x" + Long.toHexString(mask) + " == " : " " + op + " ")
          + "0x" + Long.toHexString(value);
    }
  }

  /** One rule: a syscall, the conditions on its arguments, and what happens when they hold. */
  public static final class Rule {
    private final String syscall;
    private final List<Condition> conditions;
    private final Action action;
    private final int errno;

    private Rule(String syscall, List<Condition> conditions, Action action, int errno) {
      this.syscall = syscall;
      this.conditions = ImmutableList.copyOf(conditions);
      this.action = action;
      this.errno = errno;
    }

    public String syscall() {
      return syscall;
    }

    public List<Condition> conditions() {
      return conditions;
    }

    public Action action() {
      return action;
    }

    /** The errno of an {@link Action#ERRNO} rule, else 0. */
    public int errno() {
      return errno;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Rule)) {
        return false;
      }
      Rule r = (Rule) o;
      return syscall.equals(r.syscall) && conditions.equals(r.conditions) && action == r.action && errno == r.errno;
    }

    @Override
    public int hashCode() {
      return Objects.hash(syscall, conditions, action, errno);
    }

    @Override
    public String toString() {
      return syscall + (conditions.isEmpty() ? "" : " if " + conditions) + " -> " + action
          + (action == Action.ERRNO ? "(" + errno + ")" : "");
    }
  }

  private static final Pattern SYSCALL_NAME = Pattern.compile("[a-z0-9_]{1,40}");
  /** The kernel takes at most 4096 BPF instructions; rules beyond a few thousand cannot fit. */
  private static final int MAX_RULES = 2048;

  private final Action defaultAction;
  private final int defaultErrno;
  private final List<Rule> rules;

  private SeccompPolicy(Builder b) {
    this.defaultAction = b.defaultAction;
    this.defaultErrno = b.defaultErrno;
    this.rules = ImmutableList.copyOf(b.rules);
  }

  /** A policy that decides syscalls no rule decides with {@code defaultAction}. */
  public static Builder builder(Action defaultAction) {
    checkArgument(defaultAction != Action.ERRNO, "an ERRNO default needs the errno: use builderWithErrno");
    return new Builder(requireNonNull(defaultAction), 0);
  }

  /** A policy that fails syscalls no rule decides with {@code errno} (e.g. 1, EPERM). */
  public static Builder builderWithErrno(int errno) {
    return new Builder(Action.ERRNO, checkErrno(errno));
  }

  /**
   * The default policy, at least as strict as Docker's: an allow-list of the syscalls
   * programs need, EPERM for every other syscall, ENOSYS for {@code clone3} (so that the C
   * library falls back to {@code clone}, whose namespace flags are refused), and refusals on
   * arguments: {@code ioctl(TIOCSTI)} and {@code ioctl(TIOCLINUX)} whatever their high bits,
   * {@code socket(AF_VSOCK)}, {@code personality} except the harmless ones. The reasons
   * for each refusal are in {@code docs/seccomp.md}.
   */
  public static SeccompPolicy strictDefault() {
    return DefaultSeccompPolicy.POLICY;
  }

  public Action defaultAction() {
    return defaultAction;
  }

  /** The errno of an {@link Action#ERRNO} default, else 0. */
  public int defaultErrno() {
    return defaultErrno;
  }

  /** The rules, in the order they are checked. */
  public List<Rule> rules() {
    return rules;
  }

  private static int checkErrno(int errno) {
    checkArgument(errno >= 1 && errno <= 4095, "errno must be 1..4095, was %s", errno);
    return errno;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SeccompPolicy)) {
      return false;
    }
    SeccompPolicy p = (SeccompPolicy) o;
    return defaultAction == p.defaultAction && defaultErrno == p.defaultErrno && rules.equals(p.rules);
  }

  @Override
  public int hashCode() {
    return Objects.hash(defaultAction, defaultErrno, rules);
  }

  @Override
  public String toString() {
    return "SeccompPolicy{default " + defaultAction + (defaultAction == Action.ERRNO ? "(" + defaultErrno + ")" : "")
        + ", " + rules.size() + " rules}";
  }

  /** Builds a {@link SeccompPolicy}; rules keep the order they are added in. */
  public static final class Builder {
    private final Action defaultAction;
    private final int defaultErrno;
    private final List<Rule> rules = new ArrayList<>();

    private Builder(Action defaultAction, int defaultErrno) {
      this.defaultAction = defaultAction;
      this.defaultErrno = defaultErrno;
    }

    /** Allows these syscalls, whatever their arguments. */
    public Builder allow(String... syscalls) {
      for (String syscall : syscalls) {
        rule(syscall, Action.ALLOW, 0);
      }
      return this;
    }

    /** Fails {@code syscall} with {@code errno} when every condition holds. */
    public Builder errno(int errno, String syscall, Condition... conditions) {
      return rule(syscall, Action.ERRNO, checkErrno(errno), conditions);
    }

    /** Ends the sandbox when {@code syscall} is called and every condition holds. */
    public Builder kill(String syscall, Condition... conditions) {
      return rule(syscall, Action.KILL_PROCESS, 0, conditions);
    }

    /** Any rule; {@code errno} only for {@link Action#ERRNO}. */
    public Builder rule(String syscall, Action action, int errno, Condition... conditions) {
      requireNonNull(syscall, "syscall");
      requireNonNull(action, "action");
      checkArgument(SYSCALL_NAME.matcher(syscall).matches(), "\"%s\" is not a syscall name", syscall);
      checkArgument(action == Action.ERRNO ? errno >= 1 && errno <= 4095 : errno == 0,
          "rule %s: errno %s does not fit action %s", syscall, errno, action);
      checkState(rules.size() < MAX_RULES, "a seccomp policy holds at most %s rules", MAX_RULES);
      rules.add(new Rule(syscall, List.of(conditions), action, errno));
      return this;
    }

    public SeccompPolicy build() {
      return new SeccompPolicy(this);
    }
  }
}
