package org.sandbox4j.linux;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.byref.IntByReference;

/**
 * The few libc functions the provider calls through JNR-FFI. Every fd it creates is
 * {@code O_CLOEXEC}: a concurrent spawn of another sandbox (or of a plain
 * {@link ProcessBuilder}) must never inherit another sandbox's pipes, or the
 * "JVM gone = EOF on fd 3" rule would break.
 */
public interface LibC {
  int O_RDONLY = 0;
  int O_WRONLY = 1;
  int O_RDWR = 2;
  int O_CREAT = 0100;
  int O_TRUNC = 01000;
  int O_APPEND = 02000;
  int O_NONBLOCK = 04000;
  int O_CLOEXEC = 02000000;

  int F_DUPFD_CLOEXEC = 1030;
  int F_GETFL = 3;
  int F_SETFL = 4;
  int F_ADD_SEALS = 1033;
  int F_SEAL_SEAL = 1;
  int F_SEAL_SHRINK = 2;
  int F_SEAL_GROW = 4;
  int F_SEAL_WRITE = 8;

  int MFD_CLOEXEC = 1;
  int MFD_ALLOW_SEALING = 2;
  int MFD_EXEC = 0x10;

  int SIGKILL = 9;
  int SIGUSR1 = 10;
  int SIGUSR2 = 12;
  int SIGTERM = 15;
  int SIGSTOP = 19;

  short POSIX_SPAWN_SETSIGDEF = 0x04;
  short POSIX_SPAWN_SETSIGMASK = 0x08;

  int EPOLL_CLOEXEC = O_CLOEXEC;
  int EPOLL_CTL_ADD = 1;
  int EPOLL_CTL_DEL = 2;
  int EPOLLIN = 0x001;
  int EPOLLERR = 0x008;
  int EPOLLHUP = 0x010;

  int EINTR = 4;
  int EAGAIN = 11;
  int ENODEV = 19;
  int EINVAL = 22;

  int AF_UNIX = 1;
  int SOCK_SEQPACKET = 5;
  int SOCK_CLOEXEC = O_CLOEXEC;
  int SOL_SOCKET = 1;
  int SCM_RIGHTS = 1;
  int MSG_CTRUNC = 0x8;
  int MSG_TRUNC = 0x20;
  int MSG_DONTWAIT = 0x40;
  /** A send to a closed peer fails with EPIPE instead of raising SIGPIPE. */
  int MSG_NOSIGNAL = 0x4000;
  /** Received fds are close-on-exec from the first moment, as every fd of the provider. */
  int MSG_CMSG_CLOEXEC = 0x40000000;

  int EFD_CLOEXEC = O_CLOEXEC;
  int EFD_NONBLOCK = O_NONBLOCK;

  long MS_RDONLY = 1;
  long MS_NOSUID = 2;
  long MS_NODEV = 4;
  long MS_NOEXEC = 8;
  int MNT_DETACH = 2;

  int CLOCK_BOOTTIME = 7;

  /** Loaded once; JNR binds lazily and is thread-safe. */
  LibC INSTANCE = LibraryLoader.create(LibC.class).failImmediately().load("c");

  static int errno() {
    return Runtime.getRuntime(INSTANCE).getLastError();
  }

  int pipe2(@Out int[] fds, int flags);

  int open(String path, int flags, int mode);

  int close(int fd);

  int fcntl(int fd, int cmd, int arg);

  long read(int fd, @Out byte[] buf, long count);

  /** Into native memory: the caller copies out only the bytes read. */
  long read(int fd, Pointer buf, long count);

  long write(int fd, @In byte[] buf, long count);

  int kill(int pid, int signal);

  int waitpid(int pid, @Out int[] status, int options);

  int geteuid();

  int getegid();

  int memfd_create(String name, int flags);

  int posix_spawn(@Out IntByReference pid, String path, Pointer fileActions, Pointer attributes,
      String[] argv, String[] envp);

  int posix_spawn_file_actions_init(Pointer actions);

  int posix_spawn_file_actions_destroy(Pointer actions);

  int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newFd);

  int posix_spawn_file_actions_addopen(Pointer actions, int fd, String path, int flags, int mode);

  int posix_spawnattr_init(Pointer attributes);

  int posix_spawnattr_destroy(Pointer attributes);

  int posix_spawnattr_setflags(Pointer attributes, short flags);

  int posix_spawnattr_setsigmask(Pointer attributes, Pointer signals);

  int posix_spawnattr_setsigdefault(Pointer attributes, Pointer signals);

  int sigemptyset(Pointer set);

  int sigfillset(Pointer set);

  int sigdelset(Pointer set, int signal);

  int epoll_create1(int flags);

  int epoll_ctl(int epfd, int op, int fd, Pointer event);

  int epoll_wait(int epfd, Pointer events, int maxEvents, int timeoutMillis);

  int eventfd(int initialValue, int flags);

  int socketpair(int domain, int type, int protocol, @Out int[] fds);

  /** {@code msg} is a {@code struct msghdr} built by hand (LP64 layout). */
  long sendmsg(int fd, Pointer msg, int flags);

  long recvmsg(int fd, Pointer msg, int flags);

  int mount(String source, String target, String fileSystemType, long flags, String data);

  int umount2(String target, int flags);

  /** {@code timespec} is {@code {tv_sec, tv_nsec}}: two longs on LP64. */
  int clock_gettime(int clock, @Out long[] timespec);

  int getpagesize();
}
