package org.sandbox4j.linux;

import java.util.Optional;
import org.sandbox4j.SeccompPolicy;
import org.sandbox4j.SeccompPolicy.Action;
import org.sandbox4j.SeccompPolicy.Condition;
import org.sandbox4j.SeccompPolicy.Rule;

/**
 * What a compiled filter must return, computed straight from the policy's documented
 * semantics in plain Java: the oracle the BPF results are compared with.
 */
final class SeccompReference {
  private SeccompReference() {}

  static int expected(SeccompPolicy policy, SyscallTable table, boolean notify, int arch, int nr, long... args) {
    if (arch != table.auditArch()) {
      return SeccompCompiler.SECCOMP_RET_KILL_PROCESS;
    }
    if (table.isX86_64() && (nr & SeccompCompiler.X32_SYSCALL_BIT) != 0) {
      return SeccompCompiler.SECCOMP_RET_KILL_PROCESS;
    }
    long[] a = new long[6];
    System.arraycopy(args, 0, a, 0, Math.min(6, args.length));
    Optional<String> name = table.name(nr);
    if (name.isPresent()) {
      for (Rule rule : policy.rules()) {
        if (rule.syscall().equals(name.get()) && rule.conditions().stream().allMatch(c -> holds(c, a[c.argument()]))) {
          return SeccompCompiler.ret(rule.action(), rule.errno(), notify);
        }
      }
    }
    if (Integer.toUnsignedLong(nr) > table.maxNumber() && policy.defaultAction() == Action.ERRNO) {
      return SeccompCompiler.SECCOMP_RET_ERRNO | 38;
    }
    return SeccompCompiler.ret(policy.defaultAction(), policy.defaultErrno(), notify);
  }

  static boolean holds(Condition c, long arg) {
    int cmp = Long.compareUnsigned(arg, c.value());
    switch (c.op()) {
      case EQ:
        return cmp == 0;
      case NE:
        return cmp != 0;
      case LT:
        return cmp < 0;
      case LE:
        return cmp <= 0;
      case GT:
        return cmp > 0;
      case GE:
        return cmp >= 0;
      case MASKED_EQ:
        return (arg & c.mask()) == c.value();
      default:
        throw new AssertionError(c.op());
    }
  }
}
