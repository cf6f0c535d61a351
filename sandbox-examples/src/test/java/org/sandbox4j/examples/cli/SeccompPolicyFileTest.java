package org.sandbox4j.examples.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sandbox4j.SeccompPolicy;
import org.sandbox4j.SeccompPolicy.Action;
import org.sandbox4j.SeccompPolicy.Condition;
import org.sandbox4j.SeccompPolicy.Op;

class SeccompPolicyFileTest {
  private static SeccompPolicy parse(String... lines) {
    return SeccompPolicyFile.parse("policy.txt", String.join("\n", lines));
  }

  private static String error(String... lines) {
    try {
      parse(lines);
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    throw new AssertionError("parse accepted " + String.join("\\n", lines));
  }

  @Nested
  class Defaults {
    @ParameterizedTest
    @CsvSource({"allow, ALLOW", "kill, KILL_PROCESS", "log, LOG", "trap, TRAP"})
    void setTheDefaultAction(String word, Action action) {
      SeccompPolicy policy = parse("default " + word);

      assertThat(policy).isEqualTo(SeccompPolicy.builder(action).build());
      assertThat(policy.defaultAction()).isEqualTo(action);
      assertThat(policy.rules()).isEmpty();
    }

    @Test
    void errnoTakesTheNumber() {
      SeccompPolicy policy = parse("default errno 38");

      assertThat(policy.defaultAction()).isEqualTo(Action.ERRNO);
      assertThat(policy.defaultErrno()).isEqualTo(38);
      assertThat(policy).isEqualTo(SeccompPolicy.builderWithErrno(38).build());
    }

    @Test
    void mustComeFirst() {
      assertThat(error("allow read", "default allow")).isEqualTo("policy.txt:1: expected the default line first "
          + "(default allow, kill, log, trap or errno N), found \"allow\"");
      assertThat(error("# comment", "", "kill ptrace")).startsWith("policy.txt:3: expected the default line first");
    }

    @Test
    void mustBeGivenOnce() {
      assertThat(error("default allow", "kill ptrace", "default kill"))
          .isEqualTo("policy.txt:3: a second default line; give exactly one, first");
    }

    @Test
    void isRequired() {
      assertThat(error("")).isEqualTo(
          "policy.txt: no default line; the policy needs one, first (default allow, kill, log, trap or errno N)");
      assertThat(error("# only a comment", "   ")).startsWith("policy.txt: no default line");
    }

    @Test
    void refusesBadActions() {
      assertThat(error("default"))
          .isEqualTo("policy.txt:1: default needs an action: allow, kill, log, trap or errno N");
      assertThat(error("default deny"))
          .isEqualTo("policy.txt:1: unknown default action \"deny\" (use allow, kill, log, trap or errno N)");
      assertThat(error("default allow read")).isEqualTo("policy.txt:1: unexpected \"read\" after default allow");
      assertThat(error("default deny read"))
          .isEqualTo("policy.txt:1: unknown default action \"deny\" (use allow, kill, log, trap or errno N)");
      assertThat(error("default errno")).isEqualTo("policy.txt:1: expected default errno N");
      assertThat(error("default errno 1 2")).isEqualTo("policy.txt:1: unexpected \"2\" after default errno N");
      assertThat(error("default errno EPERM"))
          .isEqualTo("policy.txt:1: not an errno: \"EPERM\" (expected a number 1..4095, e.g. 1 for EPERM)");
      assertThat(error("default errno 0")).isEqualTo("policy.txt:1: errno must be 1..4095, was 0");
      assertThat(error("default errno 4096")).isEqualTo("policy.txt:1: errno must be 1..4095, was 4096");
      assertThat(error("default errno 99999999999")).isEqualTo("policy.txt:1: errno must be 1..4095, was 99999999999");
    }
  }

  @Nested
  class Rules {
    @Test
    void everyDirectiveAddsItsRulesInFileOrder() {
      SeccompPolicy policy = parse(
          "default errno 1",
          "allow read write",
          "allow ioctl arg1==0x5401",
          "errno 38 clone3",
          "errno 13 openat arg2&0x3==1",
          "kill ptrace",
          "kill socket arg0==40",
          "log mount",
          "trap getppid arg0!=0");

      SeccompPolicy expected = SeccompPolicy.builderWithErrno(1)
          .allow("read", "write")
          .rule("ioctl", Action.ALLOW, 0, Condition.eq(1, 0x5401))
          .errno(38, "clone3")
          .errno(13, "openat", Condition.maskedEq(2, 3, 1))
          .kill("ptrace")
          .kill("socket", Condition.eq(0, 40))
          .rule("mount", Action.LOG, 0)
          .rule("getppid", Action.TRAP, 0, Condition.ne(0, 0))
          .build();
      assertThat(policy).isEqualTo(expected);
      assertThat(policy.rules()).hasSize(9);
    }

    @Test
    void takeSeveralConditions() {
      SeccompPolicy policy = parse("default allow", "kill personality arg0!=0 arg0!=8 arg0!=0x20000");

      assertThat(policy.rules()).singleElement().satisfies(rule -> {
        assertThat(rule.action()).isEqualTo(Action.KILL_PROCESS);
        assertThat(rule.conditions()).containsExactly(
            Condition.ne(0, 0), Condition.ne(0, 8), Condition.ne(0, 0x20000));
      });
    }

    @Test
    void ignoreCommentsBlankLinesAndExtraSpace() {
      SeccompPolicy policy = SeccompPolicyFile.parse("p", "# header\n\n  default allow   # trailing\r\n"
          + "\t kill\tptrace  \r\n#kill getppid\n   \n");

      assertThat(policy).isEqualTo(SeccompPolicy.builder(Action.ALLOW).kill("ptrace").build());
    }

    @Test
    void needAName() {
      assertThat(error("default allow", "allow")).isEqualTo("policy.txt:2: expected allow NAME [NAME...], "
          + "e.g. allow read write");
      assertThat(error("default allow", "kill")).isEqualTo("policy.txt:2: expected kill NAME [CONDITION...], "
          + "e.g. kill ptrace");
      assertThat(error("default allow", "log")).startsWith("policy.txt:2: expected log NAME [CONDITION...]");
      assertThat(error("default allow", "trap")).startsWith("policy.txt:2: expected trap NAME [CONDITION...]");
      assertThat(error("default allow", "errno 1")).isEqualTo("policy.txt:2: expected errno N NAME [CONDITION...], "
          + "e.g. errno 1 ptrace");
      assertThat(error("default allow", "kill arg0==1"))
          .isEqualTo("policy.txt:2: expected a syscall name before the condition arg0==1");
    }

    @Test
    void reportTheBuildersMessageForABadName() {
      assertThat(error("default allow", "kill Ptrace")).isEqualTo("policy.txt:2: \"Ptrace\" is not a syscall name");
      assertThat(error("default allow", "allow read wr-ite"))
          .isEqualTo("policy.txt:2: \"wr-ite\" is not a syscall name");
    }

    @Test
    void refuseAnUnknownDirective() {
      assertThat(error("default allow", "", "alow read")).isEqualTo(
          "policy.txt:3: unknown directive \"alow\" (use default, allow, errno, kill, log or trap)");
    }

    @Test
    void checkTheErrnoOfARule() {
      assertThat(error("default allow", "errno 0 ptrace")).isEqualTo("policy.txt:2: errno must be 1..4095, was 0");
      assertThat(error("default allow", "errno EPERM ptrace")).startsWith("policy.txt:2: not an errno: \"EPERM\"");
    }

    @Test
    void allowTakesNamesOrOneNameAndConditions() {
      assertThat(error("default kill", "allow read write arg0==1")).isEqualTo("policy.txt:2: condition arg0==1 "
          + "after several names: allow takes several names or one name and its conditions");
      assertThat(error("default kill", "allow ioctl arg1==1 write"))
          .startsWith("policy.txt:2: not a condition: \"write\"");
    }
  }

  @Nested
  class Conditions {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "arg0==1      | 0 | EQ | 1",
        "arg1!=0x10   | 1 | NE | 16",
        "arg2<3       | 2 | LT | 3",
        "arg3<=0XfF   | 3 | LE | 255",
        "arg4>4       | 4 | GT | 4",
        "arg5>=5      | 5 | GE | 5",
    })
    void everyOperator(String text, int argument, Op op, long value) {
      assertThat(SeccompPolicyFile.condition(text)).isEqualTo(Condition.of(argument, op, value));
    }

    @Test
    void maskedEquality() {
      assertThat(SeccompPolicyFile.condition("arg1&0xFFFFFFFF==0x5412"))
          .isEqualTo(Condition.maskedEq(1, 0xFFFFFFFFL, 0x5412));
      assertThat(SeccompPolicyFile.condition("arg0&7==0")).isEqualTo(Condition.maskedEq(0, 7, 0));
    }

    @Test
    void valuesAreUnsigned64Bit() {
      assertThat(SeccompPolicyFile.condition("arg1==0xFFFFFFFF00005412"))
          .isEqualTo(Condition.eq(1, 0xFFFFFFFF00005412L));
      assertThat(SeccompPolicyFile.condition("arg1==0xffffffffffffffff")).isEqualTo(Condition.eq(1, -1L));
      assertThat(SeccompPolicyFile.condition("arg1==18446744073709551615")).isEqualTo(Condition.eq(1, -1L));
      assertThat(SeccompPolicyFile.condition("arg1>9223372036854775808"))
          .isEqualTo(Condition.of(1, Op.GT, Long.MIN_VALUE));
      assertThat(SeccompPolicyFile.condition("arg2&0xFFFFFFFF00000000==0x8000000000000000"))
          .isEqualTo(Condition.maskedEq(2, 0xFFFFFFFF00000000L, Long.MIN_VALUE));
      assertThat(SeccompPolicyFile.condition("arg0==0")).isEqualTo(Condition.eq(0, 0));
    }

    @Test
    void inAFile() {
      SeccompPolicy policy = parse("default allow", "errno 1 ioctl arg1==0xFFFFFFFF00005412 arg0>=3");

      assertThat(policy.rules().get(0).conditions())
          .containsExactly(Condition.eq(1, 0xFFFFFFFF00005412L), Condition.of(0, Op.GE, 3));
    }

    @Test
    void refuseValuesBeyond64Bits() {
      assertThat(error("default allow", "kill ioctl arg1==0x1FFFFFFFFFFFFFFFF")).isEqualTo("policy.txt:2: "
          + "condition arg1==0x1FFFFFFFFFFFFFFFF: 0x1FFFFFFFFFFFFFFFF does not fit in 64 bits "
          + "(at most 0xFFFFFFFFFFFFFFFF)");
      assertThat(error("default allow", "kill ioctl arg1==18446744073709551616"))
          .startsWith("policy.txt:2: condition arg1==18446744073709551616: 18446744073709551616 does not fit");
    }

    @Test
    void refuseWhatIsNoNumber() {
      for (String value : new String[] {"-1", "+1", "0x", "1k", "0x1g", "", "1.5", "1_000"}) {
        assertThat(error("default allow", "kill ioctl arg1==" + value)).isEqualTo("policy.txt:2: condition arg1=="
            + value + ": not a number: \"" + value + "\" (expected decimal or 0x hexadecimal, e.g. 21522 or 0x5412)");
      }
      assertThat(error("default allow", "kill ioctl arg1&==1")).isEqualTo("policy.txt:2: condition arg1&==1: "
          + "not a number: \"\" (expected decimal or 0x hexadecimal, e.g. 21522 or 0x5412)");
    }

    @Test
    void refuseAnArgumentBeyondFive() {
      assertThat(error("default allow", "kill ioctl arg6==1"))
          .isEqualTo("policy.txt:2: condition arg6==1: no argument 6; syscalls have arg0 to arg5");
      assertThat(error("default allow", "kill ioctl arg10==1"))
          .isEqualTo("policy.txt:2: condition arg10==1: no argument 10; syscalls have arg0 to arg5");
      assertThat(error("default allow", "kill ioctl arg99999999999==1"))
          .startsWith("policy.txt:2: condition arg99999999999==1: no argument 99999999999");
    }

    @Test
    void refuseAMaskWithAnotherOperator() {
      assertThat(error("default allow", "kill ioctl arg1&0xff!=0"))
          .isEqualTo("policy.txt:2: condition arg1&0xff!=0: a mask is compared with ==, not !=");
    }

    @Test
    void refuseWhatIsNoCondition() {
      String expected = "(expected argI==V, argI!=V, argI<V, argI<=V, argI>V, argI>=V or argI&MASK==V, I 0..5)";
      assertThat(error("default allow", "kill ioctl arg1=1"))
          .isEqualTo("policy.txt:2: not a condition: \"arg1=1\" " + expected);
      assertThat(error("default allow", "kill ioctl arg1 == 1"))
          .isEqualTo("policy.txt:2: not a condition: \"arg1\" " + expected);
      assertThat(error("default allow", "kill ioctl argx==1"))
          .isEqualTo("policy.txt:2: not a condition: \"argx==1\" " + expected);
      assertThat(error("default allow", "kill ioctl arg1=<1")).startsWith("policy.txt:2: not a condition");
      assertThat(error("default allow", "kill ioctl arg1>>5")).startsWith("policy.txt:2: not a condition: \"arg1>>5\"");
      assertThat(error("default allow", "kill ioctl arg1>==5")).startsWith("policy.txt:2: not a condition");
      assertThat(error("default allow", "kill ioctl arg1&1==1==1")).startsWith("policy.txt:2: not a condition");
    }
  }

  @Nested
  class ReadingFiles {
    @TempDir
    Path temp;

    @Test
    void readsAFile() throws Exception {
      Path file = temp.resolve("policy.txt");
      Files.writeString(file, "default allow\nkill getppid\n", UTF_8);

      assertThat(SeccompPolicyFile.read(file)).isEqualTo(SeccompPolicy.builder(Action.ALLOW).kill("getppid").build());
    }

    @Test
    void namesTheFileAsGivenInErrors() throws Exception {
      Path file = temp.resolve("bad.policy");
      Files.writeString(file, "default allow\n\nkill ioctl arg7==1\n", UTF_8);

      assertThatThrownBy(() -> SeccompPolicyFile.read(file))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(file + ":3: condition arg7==1: no argument 7; syscalls have arg0 to arg5");
    }

    @Test
    void reportsAMissingFile() {
      Path file = temp.resolve("missing");

      assertThatThrownBy(() -> SeccompPolicyFile.read(file)).hasMessage(file + ": no such file");
    }

    @Test
    void reportsADirectory() {
      assertThatThrownBy(() -> SeccompPolicyFile.read(temp)).hasMessageStartingWith(temp + ": cannot read: ");
    }

    @Test
    void refusesWhatIsNoText() throws Exception {
      Path file = temp.resolve("binary");
      Files.write(file, new byte[] {'d', (byte) 0xff, (byte) 0xfe, '\n'});

      assertThatThrownBy(() -> SeccompPolicyFile.read(file))
          .hasMessage(file + ": not UTF-8 text; is it a policy file?");
    }

    @Test
    void refusesAHugeFile() throws Exception {
      Path file = temp.resolve("huge");
      Files.write(file, new byte[SeccompPolicyFile.MAX_BYTES + 1]);

      assertThatThrownBy(() -> SeccompPolicyFile.read(file))
          .hasMessage(file + ": larger than 1 MiB; is it a policy file?");
    }
  }
}
