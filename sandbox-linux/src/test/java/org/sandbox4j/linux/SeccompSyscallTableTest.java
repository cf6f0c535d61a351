package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The generated tables, checked against numbers every libc agrees on. */
class SeccompSyscallTableTest {

  private static int nr(SyscallTable table, String name) {
    OptionalInt n = table.number(name);
    assertThat(n).as("%s on %s", name, table).isPresent();
    return n.getAsInt();
  }

  @Test
  void x86_64NumbersAreTheKernels() {
    SyscallTable t = SyscallTable.x86_64();
    assertThat(t.auditArch()).isEqualTo(0xC000003E);
    assertThat(t.isX86_64()).isTrue();
    assertThat(nr(t, "read")).isZero();
    assertThat(nr(t, "write")).isEqualTo(1);
    assertThat(nr(t, "open")).isEqualTo(2);
    assertThat(nr(t, "clone")).isEqualTo(56);
    assertThat(nr(t, "execve")).isEqualTo(59);
    assertThat(nr(t, "ioctl")).isEqualTo(16);
    assertThat(nr(t, "socket")).isEqualTo(41);
    assertThat(nr(t, "personality")).isEqualTo(135);
    assertThat(nr(t, "_sysctl")).isEqualTo(156);
    assertThat(nr(t, "exit_group")).isEqualTo(231);
    assertThat(nr(t, "newfstatat")).isEqualTo(262);
    assertThat(nr(t, "clone3")).isEqualTo(435);
    assertThat(t.name(0x40000000)).isEmpty();
    assertThat(t.name(-1)).isEmpty();
  }

  @Test
  void aarch64NumbersComeFromTheGenericTableWithItsLayering() {
    SyscallTable t = SyscallTable.aarch64();
    assertThat(t.auditArch()).isEqualTo(0xC00000B7);
    assertThat(t.isX86_64()).isFalse();
    // __NR3264_* names resolved to their 64-bit spelling.
    assertThat(nr(t, "fcntl")).isEqualTo(25);
    assertThat(nr(t, "statfs")).isEqualTo(43);
    assertThat(nr(t, "lseek")).isEqualTo(62);
    assertThat(nr(t, "newfstatat")).isEqualTo(79);
    assertThat(nr(t, "fstat")).isEqualTo(80);
    assertThat(nr(t, "mmap")).isEqualTo(222);
    assertThat(nr(t, "fadvise64")).isEqualTo(223);
    // arm64's __ARCH_WANT_* switches.
    assertThat(nr(t, "renameat")).isEqualTo(38);
    assertThat(nr(t, "getrlimit")).isEqualTo(163);
    assertThat(nr(t, "clone3")).isEqualTo(435);
    assertThat(nr(t, "memfd_secret")).isEqualTo(447);
    assertThat(nr(t, "sync_file_range")).isEqualTo(84);
    assertThat(t.number("sync_file_range2")).isEmpty();
    // Plain ones.
    assertThat(nr(t, "read")).isEqualTo(63);
    assertThat(nr(t, "write")).isEqualTo(64);
    assertThat(nr(t, "exit_group")).isEqualTo(94);
    assertThat(nr(t, "clone")).isEqualTo(220);
    assertThat(nr(t, "execve")).isEqualTo(221);
    // The legacy and 32-bit names are not there.
    for (String absent : new String[] {"open", "stat", "fork", "arch_prctl", "fcntl64", "mmap2", "llseek",
        "clock_gettime64", "__NR3264_fcntl", "syscalls", "arch_specific_syscall", "pciconfig_read"}) {
      assertThat(t.number(absent)).as(absent).isEmpty();
    }
  }

  @Test
  void namesAndNumbersRoundTrip() {
    for (SyscallTable t : new SyscallTable[] {SyscallTable.x86_64(), SyscallTable.aarch64()}) {
      for (String name : t.names()) {
        assertThat(t.name(t.number(name).getAsInt())).contains(name);
      }
      assertThat(t.name(t.maxNumber())).isPresent();
      assertThat(t.name(t.maxNumber() + 1)).isEmpty();
    }
  }

  @Test
  void hostTableFollowsOsArch() {
    assertThat(SyscallTable.forOsArch("amd64")).isSameAs(SyscallTable.x86_64());
    assertThat(SyscallTable.forOsArch("x86_64")).isSameAs(SyscallTable.x86_64());
    assertThat(SyscallTable.forOsArch("aarch64")).isSameAs(SyscallTable.aarch64());
    assertThatThrownBy(() -> SyscallTable.forOsArch("ppc64le")).hasMessageContaining("ppc64le");
    assertThat(SyscallTable.forHost()).isSameAs(SyscallTable.forOsArch(System.getProperty("os.arch")));
  }

  @Test
  void tablesAreFoundByAuditArch() {
    assertThat(SyscallTable.forArch(0xC000003E)).containsSame(SyscallTable.x86_64());
    assertThat(SyscallTable.forArch(0xC00000B7)).containsSame(SyscallTable.aarch64());
    assertThat(SyscallTable.forArch(0x40000003)).isEmpty();
  }
}
