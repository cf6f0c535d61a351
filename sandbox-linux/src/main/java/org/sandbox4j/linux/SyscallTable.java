package org.sandbox4j.linux;

import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * Syscall names and numbers of one architecture, with the {@code AUDIT_ARCH_*} value the
 * kernel puts in {@code seccomp_data.arch} for it. The numbers come from the generated
 * {@link SyscallNumbers} (kernel headers 6.1): a syscall added by a later kernel has no name
 * here, so a policy cannot name it, and the compiler answers ENOSYS for it (see
 * {@link SeccompCompiler}).
 */
final class SyscallTable {
  /** {@code AUDIT_ARCH_X86_64}: EM_X86_64 (62) | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE. */
  static final int AUDIT_ARCH_X86_64 = 0xC000003E;
  /** {@code AUDIT_ARCH_AARCH64}: EM_AARCH64 (183) | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE. */
  static final int AUDIT_ARCH_AARCH64 = 0xC00000B7;

  private static final SyscallTable X86_64 = new SyscallTable("x86_64", AUDIT_ARCH_X86_64, SyscallNumbers.X86_64);
  private static final SyscallTable AARCH64 = new SyscallTable("aarch64", AUDIT_ARCH_AARCH64, SyscallNumbers.AARCH64);

  private final String arch;
  private final int auditArch;
  private final String[] byNumber;
  private final Map<String, Integer> byName;

  private SyscallTable(String arch, int auditArch, String[] byNumber) {
    this.arch = arch;
    this.auditArch = auditArch;
    this.byNumber = byNumber;
    Map<String, Integer> names = new HashMap<>();
    for (int nr = 0; nr < byNumber.length; nr++) {
      if (byNumber[nr] != null && names.put(byNumber[nr], nr) != null) {
        throw new IllegalStateException(arch + " syscall table names " + byNumber[nr] + " twice");
      }
    }
    this.byName = Collections.unmodifiableMap(names);
  }

  /** The table of the JVM's architecture: seccomp filters are per architecture. */
  static SyscallTable forHost() {
    return forOsArch(System.getProperty("os.arch", ""));
  }

  /** The table for a value of the {@code os.arch} property. */
  static SyscallTable forOsArch(String osArch) {
    switch (osArch.toLowerCase(Locale.ROOT)) {
      case "amd64":
      case "x86_64":
        return X86_64;
      case "aarch64":
        return AARCH64;
      default:
        throw new IllegalStateException("no seccomp syscall table for architecture \"" + osArch
            + "\": sandbox4j supports x86_64 and aarch64");
    }
  }

  /** The table whose {@link #auditArch()} is {@code auditArch}, e.g. from a seccomp notification. */
  static Optional<SyscallTable> forArch(int auditArch) {
    return auditArch == AUDIT_ARCH_X86_64 ? Optional.of(X86_64)
        : auditArch == AUDIT_ARCH_AARCH64 ? Optional.of(AARCH64) : Optional.empty();
  }

  static SyscallTable x86_64() {
    return X86_64;
  }

  static SyscallTable aarch64() {
    return AARCH64;
  }

  /** The value of {@code seccomp_data.arch} for native syscalls of this architecture. */
  int auditArch() {
    return auditArch;
  }

  /** True on x86_64, whose filters must also refuse the x32 ABI (same audit arch). */
  boolean isX86_64() {
    return this == X86_64;
  }

  OptionalInt number(String name) {
    Integer nr = byName.get(name);
    return nr == null ? OptionalInt.empty() : OptionalInt.of(nr);
  }

  Optional<String> name(int number) {
    return number >= 0 && number < byNumber.length ? Optional.ofNullable(byNumber[number]) : Optional.empty();
  }

  /** The highest syscall number this table knows; higher ones are newer than its headers. */
  int maxNumber() {
    return byNumber.length - 1;
  }

  /** Every name, sorted. */
  Set<String> names() {
    return Collections.unmodifiableSet(new TreeSet<>(byName.keySet()));
  }

  @Override
  public String toString() {
    return "SyscallTable{" + arch + ", " + byName.size() + " syscalls}";
  }
}
