package org.sandbox4j.linux;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import org.sandbox4j.SeccompPolicy;
import org.sandbox4j.SeccompPolicy.Action;
import org.sandbox4j.SeccompPolicy.Condition;
import org.sandbox4j.SeccompPolicy.Rule;

/**
 * Compiles a {@link SeccompPolicy} to a classic BPF program for one architecture, as the
 * helper hands it to {@code seccomp(SECCOMP_SET_MODE_FILTER)}. The program:
 *
 * <ol>
 *   <li>kills the process unless {@code seccomp_data.arch} is the table's architecture, and on
 *       x86_64 also when the syscall number has the x32 bit (same audit arch, other ABI);
 *   <li>finds the syscall by a balanced binary search over the ranges of numbers that share a
 *       decision (the allow-list is mostly runs of neighbours), so a syscall costs about
 *       log2(ranges) compares, not one per rule;
 *   <li>runs the syscall's rules in order, comparing 64-bit arguments as two 32-bit halves.
 * </ol>
 *
 * Numbers above the table's highest one belong to syscalls newer than the headers the table
 * was generated from: no rule can name them, so when the policy's default is an errno they get
 * ENOSYS, which makes the C library fall back to the older syscall that the policy does judge
 * (glibc's fchmodat tries fchmodat2 first and falls back only on ENOSYS).
 *
 * <p>See docs/seccomp.md.
 */
final class SeccompCompiler {
  /** The kernel's limit, BPF_MAXINSNS. */
  static final int MAX_INSTRUCTIONS = 4096;

  static final int SECCOMP_RET_KILL_PROCESS = 0x80000000;
  static final int SECCOMP_RET_TRAP = 0x00030000;
  static final int SECCOMP_RET_ERRNO = 0x00050000;
  static final int SECCOMP_RET_USER_NOTIF = 0x7fc00000;
  static final int SECCOMP_RET_LOG = 0x7ffc0000;
  static final int SECCOMP_RET_ALLOW = 0x7fff0000;

  /** Offsets in struct seccomp_data: int nr, u32 arch, u64 instruction_pointer, u64 args[6]. */
  static final int OFFSET_NR = 0;
  static final int OFFSET_ARCH = 4;
  static final int OFFSET_ARGS = 16;

  /** x32 syscalls are x86_64 numbers with this bit set, under AUDIT_ARCH_X86_64 too. */
  static final int X32_SYSCALL_BIT = 0x40000000;

  // The classic BPF opcodes the compiler emits (linux/bpf_common.h).
  static final int BPF_LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS: A = 32-bit word at k
  static final int BPF_ALU_AND_K = 0x54; // BPF_ALU | BPF_AND | BPF_K: A &= k
  static final int BPF_JMP_JA = 0x05; // BPF_JMP | BPF_JA: pc += k
  static final int BPF_JMP_JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K: A == k ? jt : jf
  static final int BPF_JMP_JGT_K = 0x25; // A > k, unsigned
  static final int BPF_JMP_JGE_K = 0x35; // A >= k, unsigned
  static final int BPF_JMP_JSET_K = 0x45; // (A & k) != 0
  static final int BPF_RET_K = 0x06; // return k

  private static final int ENOSYS = 38;
  private static final List<String> EXEC_PATH = List.of("read", "write", "execve", "exit_group");

  private SeccompCompiler() {}

  /** A compiled filter: {@code struct sock_filter} entries, little-endian, 8 bytes each. */
  static final class Program {
    private final byte[] instructions;
    private final boolean notify;

    private Program(byte[] instructions, boolean notify) {
      this.instructions = instructions;
      this.notify = notify;
    }

    /** {@code u16 code, u8 jt, u8 jf, u32 k} per instruction, little-endian. */
    byte[] instructions() {
      return instructions.clone();
    }

    /** The number of instructions. */
    int length() {
      return instructions.length / 8;
    }

    /**
     * True when some syscall gets SECCOMP_RET_USER_NOTIF: the helper must install the filter
     * with SECCOMP_FILTER_FLAG_NEW_LISTENER and supervise the listener. (Not {@code notify()}:
     * that is Object's final method.)
     */
    boolean usesNotify() {
      return notify;
    }
  }

  /**
   * Compiles {@code policy} for {@code table}'s architecture. Rules naming a syscall the table
   * does not have (e.g. {@code open} on aarch64) are skipped: the architecture has no such
   * syscall to decide.
   *
   * @param notify compile KILL_PROCESS to SECCOMP_RET_USER_NOTIF, so that the helper's
   *     supervisor learns the syscall's number before it kills the sandbox
   * @throws IllegalArgumentException when the program would exceed {@value #MAX_INSTRUCTIONS}
   *     instructions
   */
  static Program compile(SeccompPolicy policy, SyscallTable table, boolean notify) {
    requireNonNull(policy, "policy");
    requireNonNull(table, "table");
    int defaultRet = ret(policy.defaultAction(), policy.defaultErrno(), notify);

    // Each syscall's rules in policy order, grouped by number.
    Map<Integer, List<Rule>> rulesByNumber = new LinkedHashMap<>();
    for (Rule rule : policy.rules()) {
      OptionalInt nr = table.number(rule.syscall());
      if (nr.isPresent()) {
        rulesByNumber.computeIfAbsent(nr.getAsInt(), n -> new ArrayList<>()).add(rule);
      }
    }
    Body defaultBody = Body.of(defaultRet);
    Body beyondTable = policy.defaultAction() == Action.ERRNO ? Body.of(SECCOMP_RET_ERRNO | ENOSYS) : defaultBody;

    // Ranges of numbers with equal bodies: starts[i] is the first number of range i; the last
    // range runs to 2^32 - 1.
    List<Integer> starts = new ArrayList<>();
    List<Body> bodies = new ArrayList<>();
    for (int nr = 0; nr <= table.maxNumber() + 1; nr++) {
      List<Rule> rules = rulesByNumber.get(nr);
      Body body = nr > table.maxNumber() ? beyondTable : rules == null ? defaultBody : Body.of(rules, defaultRet, notify);
      if (bodies.isEmpty() || !bodies.get(bodies.size() - 1).equals(body)) {
        starts.add(nr);
        bodies.add(body);
      }
    }

    // The program is assembled back to front: every jump goes forward, so each jump's targets
    // already have their places when it is emitted, and a target too far for the 8-bit
    // offsets gets a trampoline right there.
    Assembler asm = new Assembler();
    Target dispatch = asm.search(starts, bodies, 0, starts.size() - 1);
    if (table.isX86_64()) {
      dispatch = asm.jump(BPF_JMP_JSET_K, X32_SYSCALL_BIT, Target.ret(SECCOMP_RET_KILL_PROCESS), dispatch);
    }
    Target loadNr = asm.load(OFFSET_NR, dispatch);
    Target archCheck = asm.jump(BPF_JMP_JEQ_K, table.auditArch(), loadNr, Target.ret(SECCOMP_RET_KILL_PROCESS));
    asm.load(OFFSET_ARCH, archCheck);

    if (asm.size() > MAX_INSTRUCTIONS) {
      throw new IllegalArgumentException("the seccomp policy compiles to " + asm.size() + " BPF instructions on "
          + table + "; the kernel takes at most " + MAX_INSTRUCTIONS + ": use fewer rules or conditions");
    }
    return new Program(asm.toBytes(), asm.usesUserNotif);
  }

  /** The policy's syscall names that neither x86_64 nor aarch64 has: typos, or other arches'. */
  static Set<String> unknownNames(SeccompPolicy policy) {
    Set<String> unknown = new TreeSet<>();
    for (Rule rule : policy.rules()) {
      String name = rule.syscall();
      if (SyscallTable.x86_64().number(name).isEmpty() && SyscallTable.aarch64().number(name).isEmpty()) {
        unknown.add(name);
      }
    }
    return Collections.unmodifiableSet(unknown);
  }

  /**
   * Checks that the policy lets the helper finish its work after it installs the filter: it
   * still calls read, write, execve and exit_group then. They must run (ALLOW or LOG) whatever
   * their arguments: an unconditional running rule, or only conditional running rules before
   * a running default.
   *
   * @throws IllegalArgumentException naming the first syscall that could be refused
   */
  static void requireExecPath(SeccompPolicy policy, SyscallTable table) {
    for (String name : EXEC_PATH) {
      if (table.number(name).isEmpty()) {
        throw new IllegalStateException(table + " has no " + name);
      }
      Action decided = null;
      for (Rule rule : policy.rules()) {
        if (!rule.syscall().equals(name)) {
          continue;
        }
        if (!runs(rule.action())) {
          throw new IllegalArgumentException("the seccomp policy must allow " + name + " whatever its arguments"
              + " (the sandbox's helper calls it after installing the filter), but it has the rule " + rule);
        }
        if (rule.conditions().isEmpty()) {
          decided = rule.action();
          break;
        }
      }
      if (decided == null && !runs(policy.defaultAction())) {
        throw new IllegalArgumentException("the seccomp policy must allow " + name
            + " whatever its arguments (the sandbox's helper calls it after installing the filter),"
            + " but no rule allows it unconditionally and the default is " + policy.defaultAction());
      }
    }
  }

  private static boolean runs(Action action) {
    return action == Action.ALLOW || action == Action.LOG;
  }

  /** The SECCOMP_RET_* value of an action. */
  static int ret(Action action, int errno, boolean notify) {
    switch (action) {
      case ALLOW:
        return SECCOMP_RET_ALLOW;
      case ERRNO:
        return SECCOMP_RET_ERRNO | (errno & 0xFFFF);
      case LOG:
        return SECCOMP_RET_LOG;
      case TRAP:
        return SECCOMP_RET_TRAP;
      case KILL_PROCESS:
        return notify ? SECCOMP_RET_USER_NOTIF : SECCOMP_RET_KILL_PROCESS;
      default:
        throw new AssertionError(action);
    }
  }

  /** One rule after the first: when all conditions hold, return {@code ret}. */
  private record Branch(List<Condition> conditions, int ret) {}

  /**
   * What one syscall number does: the first branch that holds decides, else {@code fallback}.
   * A record, so that neighbouring numbers with equal bodies merge into one range.
   */
  private record Body(List<Branch> branches, int fallback) {
    static Body of(int ret) {
      return new Body(List.of(), ret);
    }

    static Body of(List<Rule> rules, int defaultRet, boolean notify) {
      List<Branch> branches = new ArrayList<>();
      int fallback = defaultRet;
      for (Rule rule : rules) {
        int ret = ret(rule.action(), rule.errno(), notify);
        if (rule.conditions().isEmpty()) {
          fallback = ret; // rules after an unconditional one are never reached
          break;
        }
        branches.add(new Branch(rule.conditions(), ret));
      }
      // A last branch that returns what the fallback returns decides nothing.
      while (!branches.isEmpty() && branches.get(branches.size() - 1).ret() == fallback) {
        branches.remove(branches.size() - 1);
      }
      return new Body(List.copyOf(branches), fallback);
    }
  }

  /**
   * Where a jump goes: an emitted instruction (its index from the program's end), or a return
   * of a value, which is emitted where needed because a copy of a return costs no more than a
   * trampoline to a far one.
   */
  private static final class Target {
    final boolean isReturn;
    final int value;

    private Target(boolean isReturn, int value) {
      this.isReturn = isReturn;
      this.value = value;
    }

    static Target ret(int k) {
      return new Target(true, k);
    }

    static Target at(int fromEnd) {
      return new Target(false, fromEnd);
    }
  }

  /** Emits instructions back to front; an instruction's position is its index from the end. */
  private static final class Assembler {
    /**
     * Targets at most this far are jumped to directly: a jump may still get up to two
     * trampolines emitted in front of it, and must then reach 255.
     */
    private static final int NEAR = 253;

    private final List<int[]> reversed = new ArrayList<>(); // {code, jt, jf, k}
    private final Map<Integer, Integer> lastReturnOf = new HashMap<>();
    boolean usesUserNotif;

    int size() {
      return reversed.size();
    }

    private int emit(int code, int jt, int jf, int k) {
      if (code == BPF_RET_K) {
        usesUserNotif |= k == SECCOMP_RET_USER_NOTIF;
      }
      reversed.add(new int[] {code, jt, jf, k});
      return reversed.size() - 1;
    }

    /** Makes {@code target} reachable from the next instruction emitted; returns its position. */
    private int reach(Target target) {
      if (target.isReturn) {
        Integer at = lastReturnOf.get(target.value);
        if (at != null && size() - at - 1 <= NEAR) {
          return at;
        }
        int copy = emit(BPF_RET_K, 0, 0, target.value);
        lastReturnOf.put(target.value, copy);
        return copy;
      }
      if (size() - target.value - 1 <= NEAR) {
        return target.value;
      }
      return emit(BPF_JMP_JA, 0, 0, size() - target.value - 1); // a trampoline
    }

    Target jump(int code, int k, Target ifTrue, Target ifFalse) {
      int t = reach(ifTrue);
      int f = reach(ifFalse);
      int at = size();
      int jt = at - t - 1;
      int jf = at - f - 1;
      if (jt < 0 || jt > 255 || jf < 0 || jf > 255) {
        throw new AssertionError("jump offsets out of range: " + jt + ", " + jf);
      }
      return Target.at(emit(code, jt, jf, k));
    }

    /** Makes {@code next} the instruction right after the one emitted next. */
    private void fallInto(Target next) {
      if (next.isReturn || next.value != size() - 1) {
        int at = reach(next);
        if (at != size() - 1) {
          emit(BPF_JMP_JA, 0, 0, size() - at - 1);
        }
      }
    }

    /** {@code A = seccomp_data[offset]}, then {@code next}. */
    Target load(int offset, Target next) {
      fallInto(next);
      return Target.at(emit(BPF_LD_W_ABS, 0, 0, offset));
    }

    /** {@code A &= mask}, then {@code next}. */
    Target and(int mask, Target next) {
      fallInto(next);
      return Target.at(emit(BPF_ALU_AND_K, 0, 0, mask));
    }

    /** The balanced search over ranges {@code lo..hi}; A holds the syscall number. */
    Target search(List<Integer> starts, List<Body> bodies, int lo, int hi) {
      if (lo == hi) {
        return body(bodies.get(lo));
      }
      int mid = (lo + hi + 1) >>> 1;
      Target upper = search(starts, bodies, mid, hi);
      Target lower = search(starts, bodies, lo, mid - 1);
      return jump(BPF_JMP_JGE_K, starts.get(mid), upper, lower);
    }

    /** A syscall's branches, last first, each falling to the next when a condition fails. */
    private Target body(Body body) {
      Target next = Target.ret(body.fallback());
      for (int i = body.branches().size() - 1; i >= 0; i--) {
        Branch branch = body.branches().get(i);
        Target holds = Target.ret(branch.ret());
        for (int c = branch.conditions().size() - 1; c >= 0; c--) {
          holds = condition(branch.conditions().get(c), holds, next);
        }
        next = holds;
      }
      return next;
    }

    /** One condition, unsigned 64-bit: NE, LT and LE are EQ, GE and GT with the exits swapped. */
    private Target condition(Condition c, Target ifTrue, Target ifFalse) {
      int lo = OFFSET_ARGS + 8 * c.argument(); // little-endian: the low word comes first
      int hi = lo + 4;
      switch (c.op()) {
        case EQ:
          return maskedEq(lo, hi, -1L, c.value(), ifTrue, ifFalse);
        case NE:
          return maskedEq(lo, hi, -1L, c.value(), ifFalse, ifTrue);
        case MASKED_EQ:
          return maskedEq(lo, hi, c.mask(), c.value(), ifTrue, ifFalse);
        case GT:
          return greater(lo, hi, c.value(), false, ifTrue, ifFalse);
        case GE:
          return greater(lo, hi, c.value(), true, ifTrue, ifFalse);
        case LT:
          return greater(lo, hi, c.value(), true, ifFalse, ifTrue);
        case LE:
          return greater(lo, hi, c.value(), false, ifFalse, ifTrue);
        default:
          throw new AssertionError(c.op());
      }
    }

    /**
     * {@code (arg & mask) == value}: the high words must be equal and then the low words. A
     * half whose mask is zero is skipped, and the AND where the mask is all ones.
     */
    private Target maskedEq(int lo, int hi, long mask, long value, Target ifTrue, Target ifFalse) {
      if ((value & ~mask) != 0) {
        return ifFalse; // bits outside the mask are zero after the AND: it can never hold
      }
      Target next = ifTrue;
      next = half(lo, (int) mask, (int) value, next, ifFalse);
      next = half(hi, (int) (mask >>> 32), (int) (value >>> 32), next, ifFalse);
      return next;
    }

    private Target half(int offset, int mask, int value, Target ifTrue, Target ifFalse) {
      if (mask == 0) {
        return ifTrue;
      }
      Target next = jump(BPF_JMP_JEQ_K, value, ifTrue, ifFalse);
      if (mask != -1) {
        next = and(mask, next);
      }
      return load(offset, next);
    }

    /**
     * {@code arg > value} (or {@code >=}): a higher high word decides; an equal one defers to
     * the low words; a lower one fails.
     */
    private Target greater(int lo, int hi, long value, boolean orEqual, Target ifTrue, Target ifFalse) {
      Target low = jump(orEqual ? BPF_JMP_JGE_K : BPF_JMP_JGT_K, (int) value, ifTrue, ifFalse);
      low = load(lo, low);
      int high = (int) (value >>> 32);
      Target highEqual = jump(BPF_JMP_JEQ_K, high, low, ifFalse);
      Target highGreater = jump(BPF_JMP_JGT_K, high, ifTrue, highEqual);
      return load(hi, highGreater);
    }

    /** The program front to back as {@code struct sock_filter}s, little-endian. */
    byte[] toBytes() {
      int n = reversed.size();
      byte[] out = new byte[n * 8];
      for (int i = 0; i < n; i++) {
        int[] insn = reversed.get(n - 1 - i);
        int o = i * 8;
        out[o] = (byte) insn[0];
        out[o + 1] = (byte) (insn[0] >>> 8);
        out[o + 2] = (byte) insn[1];
        out[o + 3] = (byte) insn[2];
        out[o + 4] = (byte) insn[3];
        out[o + 5] = (byte) (insn[3] >>> 8);
        out[o + 6] = (byte) (insn[3] >>> 16);
        out[o + 7] = (byte) (insn[3] >>> 24);
      }
      return out;
    }
  }
}
