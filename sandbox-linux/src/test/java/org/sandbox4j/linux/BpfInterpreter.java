package org.sandbox4j.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Runs a seccomp classic-BPF program on a {@code struct seccomp_data}, the way the kernel
 * does, so that tests can check compiled filters without installing them. It first checks
 * the program as the kernel's loader would (length, opcodes, jumps inside the program, a
 * return at the end, aligned loads inside seccomp_data), and supports exactly the
 * instructions SeccompCompiler emits: 32-bit absolute loads, AND with a constant, JA,
 * JEQ/JGT/JGE/JSET with a constant, and RET with a constant.
 */
final class BpfInterpreter {
  private static final int SECCOMP_DATA_SIZE = 64;

  /** The action a program returned, and how many instructions it ran to get there. */
  record Result(int action, int steps) {}

  private final short[] code;
  private final int[] jt;
  private final int[] jf;
  private final int[] k;

  BpfInterpreter(byte[] program) {
    if (program.length % 8 != 0) {
      throw new IllegalArgumentException("a BPF program is a whole number of 8-byte instructions");
    }
    int n = program.length / 8;
    if (n < 1 || n > SeccompCompiler.MAX_INSTRUCTIONS) {
      throw new IllegalArgumentException("program length " + n + " is outside 1.." + SeccompCompiler.MAX_INSTRUCTIONS);
    }
    ByteBuffer buf = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
    code = new short[n];
    jt = new int[n];
    jf = new int[n];
    k = new int[n];
    for (int i = 0; i < n; i++) {
      code[i] = buf.getShort();
      jt[i] = buf.get() & 0xFF;
      jf[i] = buf.get() & 0xFF;
      k[i] = buf.getInt();
      check(i, n);
    }
    if (code[n - 1] != SeccompCompiler.BPF_RET_K) {
      throw new IllegalArgumentException("the last instruction must return");
    }
  }

  private void check(int pc, int n) {
    switch (code[pc]) {
      case SeccompCompiler.BPF_LD_W_ABS:
        if (k[pc] < 0 || k[pc] % 4 != 0 || k[pc] > SECCOMP_DATA_SIZE - 4) {
          throw new IllegalArgumentException("load at " + pc + " reads outside seccomp_data: offset " + k[pc]);
        }
        break;
      case SeccompCompiler.BPF_ALU_AND_K:
      case SeccompCompiler.BPF_RET_K:
        break;
      case SeccompCompiler.BPF_JMP_JA:
        if (Integer.toUnsignedLong(k[pc]) >= n - pc - 1) {
          throw new IllegalArgumentException("JA at " + pc + " jumps out of the program");
        }
        break;
      case SeccompCompiler.BPF_JMP_JEQ_K:
      case SeccompCompiler.BPF_JMP_JGT_K:
      case SeccompCompiler.BPF_JMP_JGE_K:
      case SeccompCompiler.BPF_JMP_JSET_K:
        if (pc + 1 + jt[pc] >= n || pc + 1 + jf[pc] >= n) {
          throw new IllegalArgumentException("jump at " + pc + " leaves the program");
        }
        break;
      default:
        throw new IllegalArgumentException("unsupported opcode 0x" + Integer.toHexString(code[pc] & 0xFFFF) + " at " + pc);
    }
  }

  int length() {
    return code.length;
  }

  /** How many instructions are unconditional jumps (trampolines). */
  int jumpAlwaysCount() {
    int count = 0;
    for (short c : code) {
      count += c == SeccompCompiler.BPF_JMP_JA ? 1 : 0;
    }
    return count;
  }

  /** The program's action for a syscall; {@code args} has six entries, or fewer (rest zero). */
  Result run(int nr, int arch, long ip, long... args) {
    long[] a = new long[6];
    System.arraycopy(args, 0, a, 0, Math.min(6, args.length));
    int acc = 0;
    int pc = 0;
    int steps = 0;
    while (true) {
      if (pc < 0 || pc >= code.length) {
        throw new IllegalStateException("pc " + pc + " left the program");
      }
      steps++;
      int kk = k[pc];
      switch (code[pc]) {
        case SeccompCompiler.BPF_LD_W_ABS:
          acc = word(kk, nr, arch, ip, a);
          pc++;
          break;
        case SeccompCompiler.BPF_ALU_AND_K:
          acc &= kk;
          pc++;
          break;
        case SeccompCompiler.BPF_JMP_JA:
          pc += 1 + kk;
          break;
        case SeccompCompiler.BPF_JMP_JEQ_K:
          pc += 1 + (acc == kk ? jt[pc] : jf[pc]);
          break;
        case SeccompCompiler.BPF_JMP_JGT_K:
          pc += 1 + (Integer.compareUnsigned(acc, kk) > 0 ? jt[pc] : jf[pc]);
          break;
        case SeccompCompiler.BPF_JMP_JGE_K:
          pc += 1 + (Integer.compareUnsigned(acc, kk) >= 0 ? jt[pc] : jf[pc]);
          break;
        case SeccompCompiler.BPF_JMP_JSET_K:
          pc += 1 + ((acc & kk) != 0 ? jt[pc] : jf[pc]);
          break;
        case SeccompCompiler.BPF_RET_K:
          return new Result(kk, steps);
        default:
          throw new AssertionError("checked at load");
      }
    }
  }

  /** seccomp_data as native (little-endian) 32-bit words: nr, arch, ip, then args[0..5]. */
  private static int word(int offset, int nr, int arch, long ip, long[] args) {
    switch (offset) {
      case 0:
        return nr;
      case 4:
        return arch;
      case 8:
        return (int) ip;
      case 12:
        return (int) (ip >>> 32);
      default:
        long arg = args[(offset - 16) / 8];
        return (offset - 16) % 8 == 0 ? (int) arg : (int) (arg >>> 32);
    }
  }
}
