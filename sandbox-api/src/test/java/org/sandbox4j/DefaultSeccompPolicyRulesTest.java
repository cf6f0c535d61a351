package org.sandbox4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.sandbox4j.SeccompPolicy.Action;
import org.sandbox4j.SeccompPolicy.Condition;
import org.sandbox4j.SeccompPolicy.Op;
import org.sandbox4j.SeccompPolicy.Rule;

/**
 * The shape of the strict default policy. Its compiled behaviour on both architectures is
 * tested in sandbox-linux (DefaultSeccompPolicyTest).
 */
class DefaultSeccompPolicyRulesTest {
  private static final SeccompPolicy POLICY = SeccompPolicy.strictDefault();

  private static List<Rule> rulesFor(String syscall) {
    return POLICY.rules().stream().filter(r -> r.syscall().equals(syscall)).collect(Collectors.toList());
  }

  @Test
  void refusesWithEpermByDefault() {
    assertThat(POLICY.defaultAction()).isEqualTo(Action.ERRNO);
    assertThat(POLICY.defaultErrno()).isEqualTo(1);
    assertThat(SeccompPolicy.strictDefault()).isSameAs(POLICY);
  }

  @Test
  void noSyscallIsDecidedTwice() {
    // A second unconditional rule for a syscall would never be reached: a slip in the list.
    Set<String> decided = new HashSet<>();
    for (Rule rule : POLICY.rules()) {
      assertThat(decided).as("%s after its unconditional rule", rule).doesNotContain(rule.syscall());
      if (rule.conditions().isEmpty()) {
        decided.add(rule.syscall());
      }
    }
  }

  @Test
  void theHelpersExecPathIsAllowedUnconditionally() {
    for (String syscall : List.of("read", "write", "execve", "exit_group")) {
      assertThat(rulesFor(syscall)).extracting(Rule::action, Rule::conditions)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(Action.ALLOW, List.of()));
    }
  }

  @Test
  void argumentRulesCompareTheLow32BitsTheKernelReads() {
    assertThat(rulesFor("clone3")).singleElement().satisfies(r -> {
      assertThat(r.action()).isEqualTo(Action.ERRNO);
      assertThat(r.errno()).isEqualTo(38);
    });
    assertThat(rulesFor("clone")).hasSize(2);
    assertThat(rulesFor("clone").get(0).conditions())
        .containsExactly(Condition.maskedEq(0, 0x7E020000L, 0));
    assertThat(rulesFor("ioctl")).hasSize(3);
    for (Rule rule : rulesFor("ioctl").subList(0, 2)) {
      assertThat(rule.conditions()).singleElement().satisfies(c -> {
        assertThat(c.op()).isEqualTo(Op.MASKED_EQ);
        assertThat(c.argument()).isEqualTo(1);
        assertThat(c.mask()).isEqualTo(0xFFFFFFFFL);
      });
    }
    assertThat(rulesFor("socket").get(0).conditions()).containsExactly(Condition.maskedEq(0, 0xFFFFFFFFL, 40));
    assertThat(rulesFor("personality")).hasSize(6);
  }

  @Test
  void dangerousSyscallsAreNotNamed() {
    // Refused by falling to the default: no rule may mention them.
    Set<String> named = POLICY.rules().stream().map(Rule::syscall).collect(Collectors.toSet());
    assertThat(named).doesNotContain("ptrace", "mount", "unshare", "setns", "bpf", "keyctl", "userfaultfd",
        "perf_event_open", "io_uring_setup", "kexec_load", "init_module", "open_by_handle_at", "process_vm_readv",
        "chroot", "pivot_root", "reboot", "settimeofday", "syslog");
  }
}
