package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.sandbox4j.linux.SeccompCompiler.SECCOMP_RET_ALLOW;
import static org.sandbox4j.linux.SeccompCompiler.SECCOMP_RET_ERRNO;
import static org.sandbox4j.linux.SeccompCompiler.SECCOMP_RET_KILL_PROCESS;
import static org.sandbox4j.linux.SeccompCompiler.SECCOMP_RET_LOG;
import static org.sandbox4j.linux.SeccompCompiler.SECCOMP_RET_TRAP;
import static org.sandbox4j.linux.SeccompCompiler.SECCOMP_RET_USER_NOTIF;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sandbox4j.SeccompPolicy;
import org.sandbox4j.SeccompPolicy.Action;
import org.sandbox4j.SeccompPolicy.Condition;
import org.sandbox4j.SeccompPolicy.Op;

class SeccompCompilerTest {
  private static final SyscallTable X86 = SyscallTable.x86_64();
  private static final SyscallTable ARM = SyscallTable.aarch64();
  private static final List<SyscallTable> TABLES = List.of(X86, ARM);
  private static final int AUDIT_ARCH_I386 = 0x40000003;

  /** Values where 64-bit comparisons built from 32-bit halves go wrong if they go wrong. */
  private static final long[] EDGES = {0L, 1L, 2L, 0x7FFFFFFFL, 0x80000000L, 0xFFFFFFFEL, 0xFFFFFFFFL,
      0x1_0000_0000L, 0x1_0000_0001L, 0x1_FFFF_FFFFL, 0x5_0000_0003L, 0x7FFF_FFFF_FFFF_FFFFL,
      0x8000_0000_0000_0000L, 0xFFFF_FFFF_0000_0000L, 0xFFFF_FFFF_0000_5412L, -2L, -1L};

  private static BpfInterpreter bpf(SeccompPolicy policy, SyscallTable table, boolean notify) {
    return new BpfInterpreter(SeccompCompiler.compile(policy, table, notify).instructions());
  }

  private static int run(BpfInterpreter bpf, SyscallTable table, String name, long... args) {
    return bpf.run(table.number(name).getAsInt(), table.auditArch(), 0x7f00_1234_5678L, args).action();
  }

  /** Compares the compiled program with the reference for one syscall and argument vector. */
  private static void check(SeccompPolicy policy, SyscallTable table, boolean notify, BpfInterpreter bpf, int nr,
      long... args) {
    int expected = SeccompReference.expected(policy, table, notify, table.auditArch(), nr, args);
    assertThat(bpf.run(nr, table.auditArch(), 0, args).action())
        .as("%s nr %s args %s on %s", policy.rules(), nr, java.util.Arrays.toString(args), table)
        .isEqualTo(expected);
  }

  @Test
  void programStartsWithTheArchitectureCheckInLittleEndianSockFilters() {
    for (SyscallTable t : TABLES) {
      byte[] bytes = SeccompCompiler.compile(SeccompPolicy.strictDefault(), t, false).instructions();
      ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      assertThat(b.getShort(0)).isEqualTo((short) SeccompCompiler.BPF_LD_W_ABS);
      assertThat(b.getInt(4)).isEqualTo(SeccompCompiler.OFFSET_ARCH);
      assertThat(b.getShort(8)).isEqualTo((short) SeccompCompiler.BPF_JMP_JEQ_K);
      assertThat(b.getInt(12)).isEqualTo(t.auditArch());
      assertThat(bytes.length % 8).isZero();
    }
    assertThat(SeccompCompiler.compile(SeccompPolicy.strictDefault(), X86, false).instructions())
        .startsWith(new byte[] {0x20, 0, 0, 0, 4, 0, 0, 0, 0x15});
  }

  @Test
  void otherArchitecturesAreKilledWhateverThePolicy() {
    SeccompPolicy allowAll = SeccompPolicy.builder(Action.ALLOW).build();
    for (SyscallTable t : TABLES) {
      for (boolean notify : new boolean[] {false, true}) {
        BpfInterpreter bpf = bpf(allowAll, t, notify);
        int other = t == X86 ? ARM.auditArch() : X86.auditArch();
        for (int arch : new int[] {other, AUDIT_ARCH_I386, 0, -1}) {
          for (int nr : new int[] {0, 1, 59, 63, 221, 435}) {
            assertThat(bpf.run(nr, arch, 0).action()).isEqualTo(SECCOMP_RET_KILL_PROCESS);
          }
        }
        assertThat(run(bpf, t, "read")).isEqualTo(SECCOMP_RET_ALLOW);
      }
    }
  }

  @Test
  void x32SyscallsAreKilledOnX86_64Only() {
    SeccompPolicy allowAll = SeccompPolicy.builder(Action.ALLOW).build();
    BpfInterpreter x86 = bpf(allowAll, X86, true);
    for (int nr : new int[] {0x40000000, 0x40000001, 0x40000000 + 59, 0x40000000 + 512, 0x7FFFFFFF, -1}) {
      assertThat(x86.run(nr, X86.auditArch(), 0).action()).as("nr 0x%x", nr).isEqualTo(SECCOMP_RET_KILL_PROCESS);
    }
    assertThat(x86.run(1, X86.auditArch(), 0).action()).isEqualTo(SECCOMP_RET_ALLOW);
    // aarch64 has no x32: a number that large is only an unknown syscall there.
    assertThat(bpf(allowAll, ARM, false).run(0x40000001, ARM.auditArch(), 0).action()).isEqualTo(SECCOMP_RET_ALLOW);
  }

  @Test
  void actionsCompileToTheirReturnValues() {
    SeccompPolicy policy = SeccompPolicy.builderWithErrno(13)
        .rule("getpid", Action.LOG, 0)
        .rule("getppid", Action.TRAP, 0)
        .errno(4095, "getuid")
        .kill("getgid")
        .allow("read")
        .build();
    for (SyscallTable t : TABLES) {
      BpfInterpreter bpf = bpf(policy, t, false);
      assertThat(run(bpf, t, "getpid")).isEqualTo(SECCOMP_RET_LOG).isEqualTo(0x7ffc0000);
      assertThat(run(bpf, t, "getppid")).isEqualTo(SECCOMP_RET_TRAP).isEqualTo(0x00030000);
      assertThat(run(bpf, t, "getuid")).isEqualTo(0x00050000 | 4095);
      assertThat(run(bpf, t, "getgid")).isEqualTo(0x80000000);
      assertThat(run(bpf, t, "read")).isEqualTo(0x7fff0000);
      assertThat(run(bpf, t, "write")).isEqualTo(SECCOMP_RET_ERRNO | 13);
    }
  }

  @Test
  void killRulesBecomeUserNotificationsOnlyWhenAskedFor() {
    SeccompPolicy policy = SeccompPolicy.builder(Action.ALLOW)
        .kill("ptrace")
        .kill("mount", Condition.eq(3, 0x20))
        .build();
    for (SyscallTable t : TABLES) {
      SeccompCompiler.Program notifying = SeccompCompiler.compile(policy, t, true);
      BpfInterpreter n = new BpfInterpreter(notifying.instructions());
      assertThat(notifying.usesNotify()).isTrue();
      assertThat(run(n, t, "ptrace")).isEqualTo(SECCOMP_RET_USER_NOTIF).isEqualTo(0x7fc00000);
      assertThat(run(n, t, "mount", 0, 0, 0, 0x20)).isEqualTo(SECCOMP_RET_USER_NOTIF);
      assertThat(run(n, t, "mount", 0, 0, 0, 0x21)).isEqualTo(SECCOMP_RET_ALLOW);

      SeccompCompiler.Program killing = SeccompCompiler.compile(policy, t, false);
      BpfInterpreter k = new BpfInterpreter(killing.instructions());
      assertThat(killing.usesNotify()).isFalse();
      assertThat(run(k, t, "ptrace")).isEqualTo(SECCOMP_RET_KILL_PROCESS);
      assertThat(run(k, t, "mount", 0, 0, 0, 0x20)).isEqualTo(SECCOMP_RET_KILL_PROCESS);

      // A default of KILL_PROCESS is a kill rule too.
      SeccompPolicy killByDefault = SeccompPolicy.builder(Action.KILL_PROCESS).allow("read").build();
      SeccompCompiler.Program p = SeccompCompiler.compile(killByDefault, t, true);
      assertThat(p.usesNotify()).isTrue();
      assertThat(run(new BpfInterpreter(p.instructions()), t, "write")).isEqualTo(SECCOMP_RET_USER_NOTIF);
      // Nothing to notify about: no listener needed.
      assertThat(SeccompCompiler.compile(SeccompPolicy.strictDefault(), t, true).usesNotify()).isFalse();
    }
  }

  @Test
  void comparisonsAreUnsigned64BitAcrossBothHalves() {
    for (Op op : new Op[] {Op.EQ, Op.NE, Op.LT, Op.LE, Op.GT, Op.GE}) {
      for (long v : EDGES) {
        SeccompPolicy policy = SeccompPolicy.builder(Action.ALLOW).errno(7, "kill", Condition.of(3, op, v)).build();
        for (SyscallTable t : TABLES) {
          BpfInterpreter bpf = bpf(policy, t, false);
          int nr = t.number("kill").getAsInt();
          for (long probe : probes(v)) {
            check(policy, t, false, bpf, nr, 0, 0, 0, probe);
            // Only argument 3 counts.
            check(policy, t, false, bpf, nr, probe, probe, probe, v);
          }
        }
      }
    }
  }

  @Test
  void valuesDifferingOnlyInTheHighWordAreDifferent() {
    for (SyscallTable t : TABLES) {
      BpfInterpreter eq = bpf(SeccompPolicy.builder(Action.ALLOW).errno(7, "kill", Condition.eq(1, 5)).build(), t, false);
      assertThat(run(eq, t, "kill", 0, 5)).isEqualTo(SECCOMP_RET_ERRNO | 7);
      assertThat(run(eq, t, "kill", 0, 0x1_0000_0005L)).isEqualTo(SECCOMP_RET_ALLOW);
      assertThat(run(eq, t, "kill", 0, 0xFFFF_FFFF_0000_0005L)).isEqualTo(SECCOMP_RET_ALLOW);

      BpfInterpreter lt = bpf(SeccompPolicy.builder(Action.ALLOW)
          .errno(7, "kill", Condition.of(0, Op.LT, 0x1_0000_0000L)).build(), t, false);
      assertThat(run(lt, t, "kill", 0xFFFF_FFFFL)).isEqualTo(SECCOMP_RET_ERRNO | 7);
      assertThat(run(lt, t, "kill", 0x1_0000_0000L)).isEqualTo(SECCOMP_RET_ALLOW);
      assertThat(run(lt, t, "kill", 0x1_0000_0001L)).isEqualTo(SECCOMP_RET_ALLOW);
      assertThat(run(lt, t, "kill", -1L)).as("unsigned: -1 is the largest").isEqualTo(SECCOMP_RET_ALLOW);

      BpfInterpreter ge = bpf(SeccompPolicy.builder(Action.ALLOW)
          .errno(7, "kill", Condition.of(0, Op.GE, 0x2_0000_0010L)).build(), t, false);
      assertThat(run(ge, t, "kill", 0x2_0000_0010L)).isEqualTo(SECCOMP_RET_ERRNO | 7);
      assertThat(run(ge, t, "kill", 0x2_0000_000FL)).isEqualTo(SECCOMP_RET_ALLOW);
      assertThat(run(ge, t, "kill", 0x1_FFFF_FFFFL)).as("high word lower, low word higher").isEqualTo(SECCOMP_RET_ALLOW);
      assertThat(run(ge, t, "kill", 0x3_0000_0000L)).as("high word higher, low word lower")
          .isEqualTo(SECCOMP_RET_ERRNO | 7);
    }
  }

  @Test
  void maskedEqualityMasksBothHalves() {
    long[] masks = {0xFFFFFFFFL, 0xFFFF_FFFF_0000_0000L, 0xF0L, 0x8000_0000_0000_0001L, 0L, -1L, 0xFF_0000_FF00L};
    for (long mask : masks) {
      for (long value : new long[] {0L, mask, mask & 0x10L, mask & 0x8000_0000_0000_0000L, 0x100L, 1L}) {
        SeccompPolicy policy = SeccompPolicy.builder(Action.ALLOW)
            .errno(9, "ioctl", Condition.maskedEq(1, mask, value)).build();
        for (SyscallTable t : TABLES) {
          BpfInterpreter bpf = bpf(policy, t, false);
          int nr = t.number("ioctl").getAsInt();
          for (long probe : probes(value)) {
            check(policy, t, false, bpf, nr, 0, probe);
            check(policy, t, false, bpf, nr, 0, probe | mask);
            check(policy, t, false, bpf, nr, 0, probe & ~mask);
          }
        }
      }
    }
    // A value with bits outside the mask never matches.
    SeccompPolicy never = SeccompPolicy.builder(Action.ALLOW).errno(9, "ioctl", Condition.maskedEq(1, 0xF0, 0x101)).build();
    for (SyscallTable t : TABLES) {
      BpfInterpreter bpf = bpf(never, t, false);
      for (long probe : EDGES) {
        assertThat(run(bpf, t, "ioctl", 0, probe)).isEqualTo(SECCOMP_RET_ALLOW);
      }
    }
  }

  @Test
  void firstMatchingRuleDecidesAndConditionsMustAllHold() {
    SeccompPolicy policy = SeccompPolicy.builderWithErrno(1)
        .errno(11, "openat", Condition.eq(0, 1), Condition.of(2, Op.GT, 5))
        .errno(12, "openat", Condition.eq(0, 1))
        .rule("openat", Action.LOG, 0, Condition.ne(5, 0x1_0000_0000L))
        .allow("openat")
        .kill("openat")
        .allow("read", "write", "execve", "exit_group")
        .build();
    for (SyscallTable t : TABLES) {
      BpfInterpreter bpf = bpf(policy, t, true);
      assertThat(run(bpf, t, "openat", 1, 0, 6)).isEqualTo(SECCOMP_RET_ERRNO | 11);
      assertThat(run(bpf, t, "openat", 1, 0, 5)).isEqualTo(SECCOMP_RET_ERRNO | 12);
      assertThat(run(bpf, t, "openat", 2, 0, 6, 0, 0, 0x1_0000_0000L)).isEqualTo(SECCOMP_RET_ALLOW);
      assertThat(run(bpf, t, "openat", 2, 0, 6, 0, 0, 0)).isEqualTo(SECCOMP_RET_LOG);
      int nr = t.number("openat").getAsInt();
      for (long a0 : new long[] {0, 1, 2, 0x1_0000_0001L}) {
        for (long a2 : new long[] {0, 5, 6, 0x1_0000_0000L}) {
          for (long a5 : new long[] {0, 0x1_0000_0000L, 1}) {
            check(policy, t, true, bpf, nr, a0, 0, a2, 0, 0, a5);
          }
        }
      }
    }
  }

  @Test
  void randomPoliciesBehaveAsTheirSemanticsSay() {
    Random random = new Random(20240611);
    String[] pool = {"read", "write", "openat", "open", "ioctl", "socket", "clone", "mmap", "kill", "futex",
        "renameat", "fork", "arch_prctl", "getrandom", "exit_group"};
    Action[] actions = Action.values();
    Op[] ops = Op.values();
    for (int round = 0; round < 300; round++) {
      Action defaultAction = actions[random.nextInt(actions.length)];
      SeccompPolicy.Builder b = defaultAction == Action.ERRNO
          ? SeccompPolicy.builderWithErrno(1 + random.nextInt(200)) : SeccompPolicy.builder(defaultAction);
      List<Long> values = new ArrayList<>(List.of(0L, -1L));
      int rules = 1 + random.nextInt(30);
      for (int r = 0; r < rules; r++) {
        Condition[] conditions = new Condition[random.nextInt(4)];
        for (int c = 0; c < conditions.length; c++) {
          long value = random.nextBoolean() ? EDGES[random.nextInt(EDGES.length)] : random.nextLong() >>> random.nextInt(64);
          values.add(value);
          Op op = ops[random.nextInt(ops.length)];
          int arg = random.nextInt(6);
          conditions[c] = op == Op.MASKED_EQ ? Condition.maskedEq(arg, value | (random.nextLong() >>> 16), value)
              : Condition.of(arg, op, value);
        }
        Action action = actions[random.nextInt(actions.length)];
        b.rule(pool[random.nextInt(pool.length)], action, action == Action.ERRNO ? 1 + random.nextInt(4095) : 0,
            conditions);
      }
      SeccompPolicy policy = b.build();
      boolean notify = random.nextBoolean();
      for (SyscallTable t : TABLES) {
        BpfInterpreter bpf = bpf(policy, t, notify);
        for (int probe = 0; probe < 60; probe++) {
          int nr = probe % 4 == 0 ? random.nextInt(t.maxNumber() + 20)
              : t.number(pool[random.nextInt(pool.length)]).orElse(t.maxNumber() + 1);
          long[] args = new long[6];
          for (int i = 0; i < 6; i++) {
            long v = values.get(random.nextInt(values.size()));
            args[i] = random.nextInt(4) == 0 ? random.nextLong() : random.nextBoolean() ? v : v + random.nextInt(3) - 1;
          }
          check(policy, t, notify, bpf, nr, args);
        }
      }
    }
  }

  @Test
  void dispatchIsABinarySearchNotAChain() {
    // Every other syscall allowed: as many ranges as there are numbers, the worst case.
    SeccompPolicy.Builder b = SeccompPolicy.builderWithErrno(1);
    for (int nr = 0; nr <= X86.maxNumber(); nr += 2) {
      X86.name(nr).ifPresent(b::allow);
    }
    SeccompPolicy policy = b.build();
    BpfInterpreter bpf = bpf(policy, X86, false);
    int ranges = X86.maxNumber() + 2;
    int log2 = 32 - Integer.numberOfLeadingZeros(ranges - 1);
    int worst = 0;
    for (int nr = 0; nr <= X86.maxNumber() + 5; nr++) {
      BpfInterpreter.Result r = bpf.run(nr, X86.auditArch(), 0);
      assertThat(r.action()).isEqualTo(SeccompReference.expected(policy, X86, false, X86.auditArch(), nr));
      worst = Math.max(worst, r.steps());
    }
    // Arch load + check, nr load, x32 check, the search, a return; a trampoline or two.
    assertThat(worst).isLessThanOrEqualTo(4 + log2 + 1 + 3);
    assertThat(bpf.length()).isGreaterThan(worst * 10);
  }

  @Test
  void largePoliciesGetTrampolinesAndStayCorrect() {
    // 2000 rules: 1200 conditions on ioctl (a body far longer than an 8-bit jump), the rest
    // unconditional over every syscall, so that the search spans the ioctl body.
    SeccompPolicy.Builder b = SeccompPolicy.builderWithErrno(1);
    for (int i = 0; i < 1200; i++) {
      b.errno(1 + i % 7, "ioctl", Condition.maskedEq(1, 0xFFFFFFFFL, 0x1000 + i));
    }
    List<String> names = new ArrayList<>(X86.names());
    names.remove("ioctl");
    for (int i = 0; i < 800; i++) {
      String name = names.get(i % names.size());
      if (i % 2 == 0) {
        b.allow(name);
      } else {
        b.errno(2, name);
      }
    }
    SeccompPolicy policy = b.build();
    assertThat(policy.rules()).hasSize(2000);
    for (SyscallTable t : TABLES) {
      SeccompCompiler.Program program = SeccompCompiler.compile(policy, t, false);
      BpfInterpreter bpf = new BpfInterpreter(program.instructions());
      assertThat(program.length()).isBetween(2400, SeccompCompiler.MAX_INSTRUCTIONS);
      assertThat(bpf.jumpAlwaysCount()).as("trampolines on %s", t).isPositive();
      int ioctl = t.number("ioctl").getAsInt();
      for (int i = -3; i < 1203; i++) {
        check(policy, t, false, bpf, ioctl, 0, 0x1000 + i);
        check(policy, t, false, bpf, ioctl, 0, 0xFFFF_FFFF_0000_0000L | (0x1000 + i));
      }
      for (int nr = 0; nr <= t.maxNumber() + 2; nr++) {
        check(policy, t, false, bpf, nr, 0, 0x1000 + nr);
      }
    }
  }

  @Test
  void jumpsAroundThe8BitLimitLandWhereTheyShould() {
    // Bodies of random lengths up to several hundred instructions, with returns shared
    // across them, so that jumps of every distance around 255 occur, also jumps whose two
    // targets both need a trampoline or a fresh return.
    Random random = new Random(1);
    Op[] ops = {Op.EQ, Op.GT, Op.LT, Op.MASKED_EQ};
    String[] names = {"ioctl", "socket", "kill", "openat", "read", "close"};
    for (int round = 0; round < 2000; round++) {
      SeccompPolicy.Builder b = SeccompPolicy.builderWithErrno(1);
      int n = 50 + random.nextInt(150);
      for (int i = 0; i < n; i++) {
        Op op = ops[random.nextInt(ops.length)];
        int arg = random.nextInt(3);
        Condition c = op == Op.MASKED_EQ ? Condition.maskedEq(arg, 0xFFFFFFFFL, i) : Condition.of(arg, op, i);
        b.errno(1 + random.nextInt(3), names[random.nextInt(names.length)], c);
      }
      SeccompPolicy policy = b.allow("getpid", "read").build();
      for (SyscallTable t : TABLES) {
        BpfInterpreter bpf = bpf(policy, t, false);
        for (int probe = 0; probe < 8; probe++) {
          int nr = t.number(names[random.nextInt(names.length)]).getAsInt();
          check(policy, t, false, bpf, nr, random.nextInt(n + 2), random.nextInt(n + 2), random.nextInt(n + 2));
        }
      }
    }
  }

  @Test
  void policiesBeyondTheKernelsLimitAreRefusedWithTheirLength() {
    SeccompPolicy.Builder b = SeccompPolicy.builderWithErrno(1);
    for (int i = 0; i < 2000; i++) {
      b.errno(1 + i % 7, "ioctl", Condition.eq(1, 0x1000 + i));
    }
    SeccompPolicy policy = b.build();
    for (SyscallTable t : TABLES) {
      assertThatThrownBy(() -> SeccompCompiler.compile(policy, t, false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("4096")
          .hasMessageMatching("(?s).*compiles to \\d+ BPF instructions.*");
    }
  }

  @Test
  void rulesOnSyscallsTheArchitectureLacksAreSkipped() {
    SeccompPolicy policy = SeccompPolicy.builder(Action.ALLOW).kill("open").kill("fork").errno(5, "openat").build();
    SeccompCompiler.Program arm = SeccompCompiler.compile(policy, ARM, true);
    assertThat(arm.usesNotify()).isFalse();
    BpfInterpreter bpf = new BpfInterpreter(arm.instructions());
    assertThat(run(bpf, ARM, "openat")).isEqualTo(SECCOMP_RET_ERRNO | 5);
    // Number 2 is open on x86_64 but io_cancel on aarch64: the rule must not land there.
    assertThat(bpf.run(2, ARM.auditArch(), 0).action()).isEqualTo(SECCOMP_RET_ALLOW);
    assertThat(run(bpf(policy, X86, true), X86, "open")).isEqualTo(SECCOMP_RET_USER_NOTIF);
  }

  @Test
  void syscallsNewerThanTheTableFailWithEnosysUnderAnErrnoDefault() {
    for (SyscallTable t : TABLES) {
      BpfInterpreter errno = bpf(SeccompPolicy.builderWithErrno(1).allow("read").build(), t, false);
      for (int nr : new int[] {t.maxNumber() + 1, t.maxNumber() + 2, 1000, 0x3FFFFFFF}) {
        assertThat(errno.run(nr, t.auditArch(), 0).action()).isEqualTo(SECCOMP_RET_ERRNO | 38);
      }
      // Unassigned numbers inside the table are the default's.
      assertThat(errno.run(400, t.auditArch(), 0).action()).isEqualTo(SECCOMP_RET_ERRNO | 1);
      BpfInterpreter allow = bpf(SeccompPolicy.builder(Action.ALLOW).build(), t, false);
      assertThat(allow.run(t.maxNumber() + 1, t.auditArch(), 0).action()).isEqualTo(SECCOMP_RET_ALLOW);
      BpfInterpreter kill = bpf(SeccompPolicy.builder(Action.KILL_PROCESS).allow("read").build(), t, false);
      assertThat(kill.run(t.maxNumber() + 1, t.auditArch(), 0).action()).isEqualTo(SECCOMP_RET_KILL_PROCESS);
    }
  }

  @Test
  void unknownNamesAreThoseOfNeitherArchitecture() {
    SeccompPolicy policy = SeccompPolicy.builder(Action.ALLOW)
        .kill("open").kill("renameat").kill("pciconfig_read").kill("opne").kill("clone3").kill("opne")
        .build();
    assertThat(SeccompCompiler.unknownNames(policy)).containsExactly("opne", "pciconfig_read");
    assertThat(SeccompCompiler.unknownNames(SeccompPolicy.strictDefault())).isEmpty();
  }

  @Test
  void theExecPathMustRunWhateverTheArguments() {
    for (SyscallTable t : TABLES) {
      SeccompCompiler.requireExecPath(SeccompPolicy.strictDefault(), t);
      SeccompCompiler.requireExecPath(SeccompPolicy.builder(Action.ALLOW).kill("ptrace").build(), t);
      SeccompCompiler.requireExecPath(SeccompPolicy.builder(Action.LOG).build(), t);
      SeccompCompiler.requireExecPath(SeccompPolicy.builderWithErrno(1)
          .rule("write", Action.ALLOW, 0, Condition.eq(0, 1))
          .allow("read", "write", "execve", "exit_group").build(), t);

      assertThatThrownBy(() -> SeccompCompiler.requireExecPath(SeccompPolicy.builderWithErrno(1)
          .allow("read", "execve", "exit_group").build(), t))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("write");
      assertThatThrownBy(() -> SeccompCompiler.requireExecPath(SeccompPolicy.builder(Action.ALLOW)
          .errno(5, "read", Condition.of(2, Op.GT, 1 << 20)).build(), t))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("read");
      assertThatThrownBy(() -> SeccompCompiler.requireExecPath(SeccompPolicy.builder(Action.ALLOW)
          .kill("execve").build(), t))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("execve");
      assertThatThrownBy(() -> SeccompCompiler.requireExecPath(SeccompPolicy.builder(Action.ALLOW)
          .rule("exit_group", Action.TRAP, 0).build(), t))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exit_group");
      // An unconditional ALLOW after a conditional refusal still refuses some calls.
      assertThatThrownBy(() -> SeccompCompiler.requireExecPath(SeccompPolicy.builder(Action.ALLOW)
          .errno(1, "write", Condition.eq(0, 2)).allow("write").build(), t))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("write");
    }
  }

  /** The value, its neighbours, and values equal to it in one half only. */
  private static Set<Long> probes(long v) {
    Set<Long> probes = new LinkedHashSet<>();
    for (long e : EDGES) {
      probes.add(e);
    }
    for (long d : new long[] {0, 1, -1, 1L << 32, -(1L << 32), (1L << 32) + 1, (1L << 32) - 1}) {
      probes.add(v + d);
    }
    probes.add(v ^ 1L);
    probes.add(v ^ (1L << 32));
    probes.add(v ^ 0xFFFF_FFFF_0000_0000L);
    probes.add(v ^ 0xFFFF_FFFFL);
    return probes;
  }
}
