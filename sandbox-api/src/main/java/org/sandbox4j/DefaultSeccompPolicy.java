package org.sandbox4j;

import org.sandbox4j.SeccompPolicy.Condition;

/**
 * The policy of {@link SeccompPolicy#strictDefault()}: an allow-list of what ordinary
 * programs (glibc and musl, the JVM, Python, shells, compilers, servers on loopback) call;
 * EPERM for everything else. Names are those of x86_64 and aarch64 together: a name one
 * architecture lacks (e.g. {@code open} on aarch64) is skipped there by the compiler.
 * docs/seccomp.md gives the reason for every syscall this policy refuses; keep the two in
 * step (DefaultSeccompPolicyTest checks it).
 */
final class DefaultSeccompPolicy {
  static final int EPERM = 1;
  static final int ENOSYS = 38;

  /** clone(2) flags that create namespaces; any of them means a new namespace. */
  static final long CLONE_NEWNS = 0x00020000L;
  static final long CLONE_NEWCGROUP = 0x02000000L;
  static final long CLONE_NEWUTS = 0x04000000L;
  static final long CLONE_NEWIPC = 0x08000000L;
  static final long CLONE_NEWUSER = 0x10000000L;
  static final long CLONE_NEWPID = 0x20000000L;
  static final long CLONE_NEWNET = 0x40000000L;
  static final long CLONE_NAMESPACE_FLAGS =
      CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;

  /** Terminal ioctls that push input into, or drive, the terminal: keystroke injection. */
  static final long TIOCSTI = 0x5412L;
  static final long TIOCLINUX = 0x541CL;
  static final long AF_VSOCK = 40L;

  /**
   * The kernel reads {@code int} and {@code unsigned int} arguments as the low 32 bits of the
   * register: conditions on them mask the high half, so a caller cannot slip past a check by
   * setting bits the kernel throws away.
   */
  private static final long LOW_32 = 0xFFFFFFFFL;

  static final SeccompPolicy POLICY = build();

  private DefaultSeccompPolicy() {}

  private static SeccompPolicy build() {
    SeccompPolicy.Builder b = SeccompPolicy.builderWithErrno(EPERM);

    // Rules on arguments come first: for each syscall the first matching rule decides.

    // clone3 passes its flags in a struct that seccomp cannot read; ENOSYS makes glibc and
    // musl fall back to clone, whose flags the rules below can check.
    b.errno(ENOSYS, "clone3");
    // clone's flags are argument 0 on x86_64 and aarch64 (only s390 swaps them); the kernel
    // uses their low 32 bits, where every namespace flag lives.
    b.rule("clone", SeccompPolicy.Action.ALLOW, 0, Condition.maskedEq(0, CLONE_NAMESPACE_FLAGS, 0));
    b.errno(EPERM, "clone");
    // ioctl's request is an unsigned int to the kernel: match the low 32 bits only.
    b.errno(EPERM, "ioctl", Condition.maskedEq(1, LOW_32, TIOCSTI));
    b.errno(EPERM, "ioctl", Condition.maskedEq(1, LOW_32, TIOCLINUX));
    b.allow("ioctl");
    // socket's domain is an int.
    b.errno(EPERM, "socket", Condition.maskedEq(0, LOW_32, AF_VSOCK));
    b.allow("socket");
    // personality: Linux (0), PER_LINUX32 (8), UNAME26 (0x20000) and both, and the query
    // 0xffffffff; not READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE and the like, which weaken the
    // process's own hardening. The argument is an unsigned int.
    for (long persona : new long[] {0x0L, 0x8L, 0x20000L, 0x20008L, 0xFFFFFFFFL}) {
      b.rule("personality", SeccompPolicy.Action.ALLOW, 0, Condition.maskedEq(0, LOW_32, persona));
    }
    b.errno(EPERM, "personality");

    // Startup, memory, threads.
    b.allow("brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "msync", "mincore",
        "mlock", "mlock2", "munlock", "mlockall", "munlockall", "membarrier",
        "pkey_alloc", "pkey_free", "pkey_mprotect",
        "arch_prctl", "prctl", "set_tid_address", "set_robust_list", "get_robust_list", "rseq",
        "futex", "futex_waitv", "gettid", "uname", "sysinfo", "getrandom", "memfd_create");

    // Files and descriptors.
    b.allow("read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
        "preadv2", "pwritev2", "open", "openat", "openat2", "creat", "close", "close_range",
        "lseek", "stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs",
        "access", "faccessat", "faccessat2", "readlink", "readlinkat", "getdents", "getdents64",
        "dup", "dup2", "dup3", "fcntl", "flock", "fsync", "fdatasync", "sync", "syncfs",
        "sync_file_range", "truncate", "ftruncate", "fallocate", "fadvise64", "readahead",
        "rename", "renameat", "renameat2", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat",
        "link", "linkat", "symlink", "symlinkat", "chmod", "fchmod", "fchmodat",
        "chown", "fchown", "lchown", "fchownat", "umask", "utime", "utimes", "futimesat",
        "utimensat", "mknod", "mknodat", "chdir", "fchdir", "getcwd",
        "sendfile", "splice", "tee", "vmsplice", "copy_file_range",
        "getxattr", "lgetxattr", "fgetxattr", "setxattr", "lsetxattr", "fsetxattr",
        "listxattr", "llistxattr", "flistxattr", "removexattr", "lremovexattr", "fremovexattr",
        "inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch",
        "pipe", "pipe2",
        "io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents");

    // Polling and event descriptors.
    b.allow("poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1", "epoll_ctl",
        "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2");

    // Signals.
    b.allow("rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigtimedwait",
        "rt_sigqueueinfo", "rt_tgsigqueueinfo", "rt_sigsuspend", "sigaltstack", "kill", "tkill",
        "tgkill", "pause", "alarm", "signalfd", "signalfd4", "restart_syscall");

    // Reading clocks, sleeping, timers.
    b.allow("time", "gettimeofday", "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep",
        "getitimer", "setitimer", "timer_create", "timer_settime", "timer_gettime",
        "timer_getoverrun", "timer_delete", "timerfd_create", "timerfd_settime", "timerfd_gettime",
        "times");

    // Processes (clone is decided above).
    b.allow("fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "waitid",
        "getpid", "getppid", "getpgid", "setpgid", "getpgrp", "getsid", "setsid",
        "pidfd_open", "pidfd_send_signal", "process_mrelease",
        "getrusage", "getrlimit", "setrlimit", "prlimit64",
        "getpriority", "setpriority", "ioprio_get", "ioprio_set",
        "sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getparam", "sched_setparam",
        "sched_getscheduler", "sched_setscheduler", "sched_get_priority_max",
        "sched_get_priority_min", "sched_rr_get_interval", "sched_getattr", "sched_setattr", "getcpu",
        // Filters and Landlock rulesets only take rights away (no_new_privs is set).
        "seccomp", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self");

    // Credentials: bounded by the user namespace and the capabilities the program has.
    b.allow("getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
        "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
        "setfsuid", "setfsgid", "capget", "capset");

    // Sockets (socket is decided above): unix, IP and netlink, in the sandbox's network.
    b.allow("socketpair", "bind", "listen", "accept", "accept4", "connect", "getsockname",
        "getpeername", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg",
        "shutdown", "setsockopt", "getsockopt");

    // System V IPC and POSIX message queues: the sandbox's own with an IPC namespace.
    b.allow("shmget", "shmat", "shmdt", "shmctl", "semget", "semop", "semtimedop", "semctl",
        "msgget", "msgsnd", "msgrcv", "msgctl",
        "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr");

    return b.build();
  }
}
