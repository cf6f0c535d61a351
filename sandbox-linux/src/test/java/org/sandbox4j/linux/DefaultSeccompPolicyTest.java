package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sandbox4j.linux.SeccompCompiler.SECCOMP_RET_ALLOW;
import static org.sandbox4j.linux.SeccompCompiler.SECCOMP_RET_ERRNO;
import static org.sandbox4j.linux.SeccompCompiler.SECCOMP_RET_KILL_PROCESS;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.sandbox4j.SeccompPolicy;

/**
 * The strict default policy, compiled for both architectures and run in the BPF
 * interpreter, against what docs/seccomp.md promises.
 */
class DefaultSeccompPolicyTest {
  private static final SeccompPolicy POLICY = SeccompPolicy.strictDefault();
  private static final List<SyscallTable> TABLES = List.of(SyscallTable.x86_64(), SyscallTable.aarch64());
  private static final int EPERM = SECCOMP_RET_ERRNO | 1;
  private static final int ENOSYS = SECCOMP_RET_ERRNO | 38;

  private static final long[] NAMESPACE_FLAGS = {0x00020000L, 0x02000000L, 0x04000000L, 0x08000000L, 0x10000000L,
      0x20000000L, 0x40000000L};
  /** What pthread_create passes: VM, FS, FILES, SIGHAND, THREAD, SYSVSEM, SETTLS, PARENT_SETTID, CHILD_CLEARTID. */
  private static final long THREAD_FLAGS = 0x3d0f00L;
  private static final long SIGCHLD = 17L;

  /** Every refusal the policy must make (those the architectures have). */
  private static final List<String> REQUIRED_REFUSALS = List.of("keyctl", "add_key", "request_key", "bpf",
      "userfaultfd", "perf_event_open", "io_uring_setup", "io_uring_enter", "io_uring_register", "kexec_load",
      "kexec_file_load", "init_module", "finit_module", "delete_module", "mount", "umount2", "pivot_root",
      "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "unshare", "setns",
      "ptrace", "process_vm_readv", "process_vm_writev", "open_by_handle_at", "name_to_handle_at", "settimeofday",
      "clock_settime", "clock_adjtime", "adjtimex", "reboot", "swapon", "swapoff", "acct", "quotactl",
      "quotactl_fd", "lookup_dcookie", "syslog", "vhangup", "iopl", "ioperm", "nfsservctl", "uselib", "_sysctl",
      "create_module", "get_kernel_syms", "query_module", "fanotify_init", "kcmp", "process_madvise", "pidfd_getfd",
      "mbind", "set_mempolicy", "migrate_pages", "move_pages", "chroot");

  private static final List<String> ALLOWED_SAMPLE = List.of("read", "write", "openat", "open", "close", "mmap",
      "mprotect", "munmap", "brk", "futex", "execve", "execveat", "exit", "exit_group", "fork", "vfork", "wait4",
      "waitid", "rt_sigaction", "rt_sigreturn", "prctl", "arch_prctl", "rseq", "statx", "newfstatat", "getrandom",
      "memfd_create", "close_range", "pidfd_open", "pidfd_send_signal", "set_tid_address", "set_robust_list",
      "clock_gettime", "nanosleep", "epoll_create1", "epoll_pwait", "epoll_wait", "poll", "ppoll", "pselect6",
      "select", "eventfd2", "timerfd_create", "signalfd4", "pipe2", "pipe", "socketpair", "bind", "connect",
      "sendmsg", "recvmsg", "getdents64", "fcntl", "dup3", "sched_getaffinity", "prlimit64", "uname", "seccomp",
      "landlock_create_ruleset", "landlock_restrict_self", "kill", "tgkill", "getpid", "gettid", "setsid",
      "madvise", "mremap", "sigaltstack", "lseek", "pread64", "sendfile", "copy_file_range", "readlinkat");

  private static BpfInterpreter program(SyscallTable table) {
    return new BpfInterpreter(SeccompCompiler.compile(POLICY, table, false).instructions());
  }

  private static int run(BpfInterpreter bpf, SyscallTable table, String name, long... args) {
    return bpf.run(table.number(name).getAsInt(), table.auditArch(), 0, args).action();
  }

  /** The names docs/seccomp.md lists, one a line, under "Refused syscalls", each with a reason. */
  static List<String> documentedRefusals() throws IOException {
    Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("docs/seccomp.md"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("docs/seccomp.md above the working directory").isNotNull();
    List<String> names = new ArrayList<>();
    boolean inSection = false;
    Pattern line = Pattern.compile("^- `([a-z0-9_]+)`: (\\S.*)$");
    for (String l : Files.readAllLines(dir.resolve("docs/seccomp.md"), StandardCharsets.UTF_8)) {
      if (l.startsWith("#")) {
        inSection = l.equals("### Refused syscalls");
        continue;
      }
      Matcher m = line.matcher(l);
      if (inSection && m.matches()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  @Test
  void everyDocumentedRefusalFailsWithEperm() throws IOException {
    List<String> documented = documentedRefusals();
    assertThat(documented).hasSizeGreaterThan(70).doesNotHaveDuplicates().containsAll(REQUIRED_REFUSALS);
    Random random = new Random(7);
    for (String name : documented) {
      assertThat(TABLES.stream().anyMatch(t -> t.number(name).isPresent())).as("%s is a syscall", name).isTrue();
    }
    for (SyscallTable t : TABLES) {
      BpfInterpreter bpf = program(t);
      for (String name : documented) {
        if (t.number(name).isEmpty()) {
          continue;
        }
        assertThat(run(bpf, t, name)).as("%s on %s", name, t).isEqualTo(EPERM);
        assertThat(run(bpf, t, name, random.nextLong(), random.nextLong(), random.nextLong(), -1L, 0, 1))
            .as("%s on %s", name, t).isEqualTo(EPERM);
      }
    }
  }

  @Test
  void everySyscallIsAllowedOrDocumentedAsRefused() throws IOException {
    Set<String> documented = new HashSet<>(documentedRefusals());
    for (SyscallTable t : TABLES) {
      BpfInterpreter bpf = program(t);
      for (String name : t.names()) {
        int action = run(bpf, t, name);
        if (name.equals("clone3")) {
          assertThat(action).isEqualTo(ENOSYS);
        } else if (documented.contains(name)) {
          assertThat(action).as("%s on %s", name, t).isEqualTo(EPERM);
        } else {
          assertThat(action).as("%s on %s: allowed, or documented in docs/seccomp.md", name, t)
              .isEqualTo(SECCOMP_RET_ALLOW);
        }
      }
    }
  }

  @Test
  void ordinaryProgramsGetWhatTheyNeed() {
    for (SyscallTable t : TABLES) {
      BpfInterpreter bpf = program(t);
      for (String name : ALLOWED_SAMPLE) {
        if (t.number(name).isPresent()) {
          assertThat(run(bpf, t, name, 3, 0x1000, 7, 0, 0, 0)).as("%s on %s", name, t).isEqualTo(SECCOMP_RET_ALLOW);
        }
      }
      SeccompCompiler.requireExecPath(POLICY, t);
    }
    assertThat(SeccompCompiler.unknownNames(POLICY)).isEmpty();
  }

  @Test
  void clone3FailsWithEnosysSoThatLibcFallsBackToClone() {
    for (SyscallTable t : TABLES) {
      assertThat(run(program(t), t, "clone3", 0x7ffd_0000_1000L, 88)).isEqualTo(ENOSYS);
    }
  }

  @Test
  void cloneWithANamespaceFlagIsRefused() {
    for (SyscallTable t : TABLES) {
      BpfInterpreter bpf = program(t);
      for (long flag : NAMESPACE_FLAGS) {
        assertThat(run(bpf, t, "clone", flag)).as("0x%x", flag).isEqualTo(EPERM);
        assertThat(run(bpf, t, "clone", flag | SIGCHLD)).isEqualTo(EPERM);
        assertThat(run(bpf, t, "clone", flag | THREAD_FLAGS)).isEqualTo(EPERM);
        assertThat(run(bpf, t, "clone", flag | 0xFFFF_FFFF_0000_0000L)).isEqualTo(EPERM);
      }
      assertThat(run(bpf, t, "clone", 0x7E020000L | SIGCHLD)).isEqualTo(EPERM);
      // Threads, forks, vfork-like clones.
      assertThat(run(bpf, t, "clone", THREAD_FLAGS, 0x7f00_0000_0000L)).isEqualTo(SECCOMP_RET_ALLOW);
      assertThat(run(bpf, t, "clone", SIGCHLD)).isEqualTo(SECCOMP_RET_ALLOW);
      assertThat(run(bpf, t, "clone", 0x4000L | 0x100L | SIGCHLD)).isEqualTo(SECCOMP_RET_ALLOW);
      assertThat(run(bpf, t, "clone", 0)).isEqualTo(SECCOMP_RET_ALLOW);
      // The kernel ignores the high half of the flags.
      assertThat(run(bpf, t, "clone", 0xFFFF_FFFF_0000_0000L | SIGCHLD)).isEqualTo(SECCOMP_RET_ALLOW);
    }
  }

  @Test
  void terminalInjectionIoctlsAreRefusedWhateverTheHighBits() {
    for (SyscallTable t : TABLES) {
      BpfInterpreter bpf = program(t);
      for (long request : new long[] {0x5412L, 0x541CL}) {
        assertThat(run(bpf, t, "ioctl", 0, request, 0x7ffd_0000L)).isEqualTo(EPERM);
        assertThat(run(bpf, t, "ioctl", 0, 0xFFFF_FFFF_0000_0000L | request)).isEqualTo(EPERM);
        assertThat(run(bpf, t, "ioctl", 0, 0x0000_0001_0000_0000L | request)).isEqualTo(EPERM);
        // The request in the high half only is another request to the kernel.
        assertThat(run(bpf, t, "ioctl", 0, request << 32)).isEqualTo(SECCOMP_RET_ALLOW);
      }
      // TCGETS, TIOCGWINSZ, FIONREAD, FIONBIO, TIOCSTI's neighbours.
      for (long request : new long[] {0x5401L, 0x5413L, 0x541BL, 0x5421L, 0x5411L, 0x541DL, 0x80045432L}) {
        assertThat(run(bpf, t, "ioctl", 1, request)).as("0x%x", request).isEqualTo(SECCOMP_RET_ALLOW);
      }
    }
  }

  @Test
  void vsockIsRefusedOtherSocketsAllowed() {
    for (SyscallTable t : TABLES) {
      BpfInterpreter bpf = program(t);
      assertThat(run(bpf, t, "socket", 40, 1, 0)).isEqualTo(EPERM);
      assertThat(run(bpf, t, "socket", 0xFFFF_FFFF_0000_0028L, 1, 0)).isEqualTo(EPERM);
      for (long domain : new long[] {1 /* UNIX */, 2 /* INET */, 10 /* INET6 */, 16 /* NETLINK */}) {
        assertThat(run(bpf, t, "socket", domain, 1, 0)).as("domain %s", domain).isEqualTo(SECCOMP_RET_ALLOW);
      }
    }
  }

  @Test
  void onlyHarmlessPersonalities() {
    for (SyscallTable t : TABLES) {
      BpfInterpreter bpf = program(t);
      for (long persona : new long[] {0x0L, 0x8L, 0x20000L, 0x20008L, 0xFFFFFFFFL, 0xFFFF_FFFF_0000_0008L}) {
        assertThat(run(bpf, t, "personality", persona)).as("0x%x", persona).isEqualTo(SECCOMP_RET_ALLOW);
      }
      // READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE, PER_BSD, PER_LINUX32 | ADDR_NO_RANDOMIZE.
      for (long persona : new long[] {0x0400000L, 0x0040000L, 0x6L, 0x0040008L, 0xFFFFFFFEL, 0x1_0000_0009L}) {
        assertThat(run(bpf, t, "personality", persona)).as("0x%x", persona).isEqualTo(EPERM);
      }
    }
  }

  @Test
  void foreignArchitecturesAndX32AreKilled() {
    for (SyscallTable t : TABLES) {
      BpfInterpreter bpf = program(t);
      int other = t.isX86_64() ? SyscallTable.aarch64().auditArch() : SyscallTable.x86_64().auditArch();
      assertThat(bpf.run(0, other, 0).action()).isEqualTo(SECCOMP_RET_KILL_PROCESS);
      assertThat(bpf.run(0, 0x40000003 /* i386 */, 0).action()).isEqualTo(SECCOMP_RET_KILL_PROCESS);
    }
    SyscallTable x86 = SyscallTable.x86_64();
    BpfInterpreter bpf = program(x86);
    assertThat(bpf.run(0x40000000, x86.auditArch(), 0).action()).isEqualTo(SECCOMP_RET_KILL_PROCESS);
    assertThat(bpf.run(0x40000000 + 59, x86.auditArch(), 0).action()).isEqualTo(SECCOMP_RET_KILL_PROCESS);
  }

  @Test
  void theProgramIsSmallAndQuick() {
    for (SyscallTable t : TABLES) {
      BpfInterpreter bpf = program(t);
      int worst = 0;
      for (int nr = 0; nr <= t.maxNumber() + 1; nr++) {
        worst = Math.max(worst, bpf.run(nr, t.auditArch(), 0).steps());
      }
      System.out.printf("default policy on %s: %d instructions, at most %d run for a syscall with zero arguments%n",
          t, bpf.length(), worst);
      assertThat(bpf.length()).isLessThan(200);
      assertThat(worst).isLessThanOrEqualTo(16);
    }
  }
}
