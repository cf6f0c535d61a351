package org.sandbox4j.linux;

import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Fds over a unix socket ({@code SCM_RIGHTS}), with {@code struct msghdr} and
 * {@code struct cmsghdr} laid out by hand for LP64 Linux (x86-64, arm64, riscv64, ppc64le):
 * <pre>
 * msghdr:  0 msg_name, 8 msg_namelen (+4 pad), 16 msg_iov, 24 msg_iovlen, 32 msg_control,
 *          40 msg_controllen, 48 msg_flags (+4 pad) = 56 bytes
 * iovec:   0 iov_base, 8 iov_len = 16 bytes
 * cmsghdr: 0 cmsg_len, 8 cmsg_level, 12 cmsg_type, 16 data (CMSG_ALIGN = 8)
 * </pre>
 */
final class FdPassing {
  private FdPassing() {}

  private static final int MSGHDR_BYTES = 56;
  private static final int IOVEC_BYTES = 16;
  private static final int CMSG_HEADER_BYTES = 16;
  /** Room for this many fds in one message: more than the one expected, so extras are seen (and closed). */
  private static final int MAX_FDS = 8;
  private static final int CONTROL_BYTES = CMSG_HEADER_BYTES + MAX_FDS * 4;
  private static final int DATA_BYTES = 16;

  /** What one {@code recvmsg} gave. Every fd in {@link #fds} is now the caller's to close. */
  static final class Received {
    enum Kind { AGAIN, EOF, ERROR, MESSAGE }

    final Kind kind;
    final int errno;
    final byte[] data;
    final List<Integer> fds;
    /** The data or the fds did not fit (MSG_TRUNC, MSG_CTRUNC): the kernel dropped the rest. */
    final boolean truncated;

    Received(Kind kind, int errno, byte[] data, List<Integer> fds, boolean truncated) {
      this.kind = kind;
      this.errno = errno;
      this.data = data;
      this.fds = List.copyOf(fds);
      this.truncated = truncated;
    }
  }

  /** One non-blocking {@code recvmsg}; received fds are close-on-exec. */
  static Received receive(int socketFd) {
    LibC libc = LibC.INSTANCE;
    Runtime runtime = Runtime.getRuntime(libc);
    Pointer data = Memory.allocateDirect(runtime, DATA_BYTES, true);
    Pointer control = Memory.allocateDirect(runtime, CONTROL_BYTES, true);
    Pointer msg = msghdr(runtime, data, DATA_BYTES, control, CONTROL_BYTES);
    long n;
    int errno;
    do {
      n = libc.recvmsg(socketFd, msg, LibC.MSG_DONTWAIT | LibC.MSG_CMSG_CLOEXEC);
      errno = n < 0 ? LibC.errno() : 0;
    } while (n < 0 && errno == LibC.EINTR);
    Reference.reachabilityFence(msg); // the kernel wrote through these addresses (the iovec is in msg)
    Reference.reachabilityFence(control);
    if (n < 0) {
      return new Received(errno == LibC.EAGAIN ? Received.Kind.AGAIN : Received.Kind.ERROR, errno, new byte[0],
          List.of(), false);
    }
    List<Integer> fds = fdsOf(control, Math.min(CONTROL_BYTES, msg.getLong(40)));
    int flags = msg.getInt(48);
    boolean truncated = (flags & (LibC.MSG_TRUNC | LibC.MSG_CTRUNC)) != 0;
    byte[] bytes = new byte[(int) Math.min(n, DATA_BYTES)];
    data.get(0, bytes, 0, bytes.length);
    if (n == 0 && fds.isEmpty()) {
      return new Received(Received.Kind.EOF, 0, bytes, fds, truncated);
    }
    return new Received(Received.Kind.MESSAGE, 0, bytes, fds, truncated);
  }

  /** The fds of every SCM_RIGHTS message in the first {@code length} bytes of a control buffer. */
  private static List<Integer> fdsOf(Pointer control, long length) {
    List<Integer> fds = new ArrayList<>();
    long at = 0;
    while (at + CMSG_HEADER_BYTES <= length) {
      long cmsgLength = control.getLong(at);
      if (cmsgLength < CMSG_HEADER_BYTES || at + cmsgLength > length) {
        break;
      }
      if (control.getInt(at + 8) == LibC.SOL_SOCKET && control.getInt(at + 12) == LibC.SCM_RIGHTS) {
        for (long p = at + CMSG_HEADER_BYTES; p + 4 <= at + cmsgLength; p += 4) {
          fds.add(control.getInt(p));
        }
      }
      at += (cmsgLength + 7) & ~7L;
    }
    return fds;
  }

  /**
   * A {@code struct msghdr} (LP64: iov at 16, iovlen at 24, control at 32, controllen at 40;
   * no name) over one iovec of {@code length} bytes at {@code data}, and {@code control}.
   */
  private static Pointer msghdr(Runtime runtime, Pointer data, long length, Pointer control, long controlBytes) {
    // The iovec lives in the same block, right after the msghdr: it stays allocated as long
    // as the msghdr, which the syscall's caller holds.
    Pointer msg = Memory.allocateDirect(runtime, MSGHDR_BYTES + IOVEC_BYTES, true);
    msg.putAddress(MSGHDR_BYTES, data.address());
    msg.putLong(MSGHDR_BYTES + 8, length);
    msg.putAddress(16, msg.address() + MSGHDR_BYTES);
    msg.putLong(24, 1);
    msg.putAddress(32, control.address());
    msg.putLong(40, controlBytes);
    return msg;
  }

  /** Sends {@code data} with {@code fd} attached (the helper's side of the handover; tests play it). Returns the errno or 0. */
  static int send(int socketFd, byte[] data, int fd) {
    LibC libc = LibC.INSTANCE;
    Runtime runtime = Runtime.getRuntime(libc);
    Pointer buffer = Memory.allocateDirect(runtime, Math.max(1, data.length), true);
    buffer.put(0, data, 0, data.length);
    int controlBytes = CMSG_HEADER_BYTES + 8; // CMSG_SPACE(sizeof(int))
    Pointer control = Memory.allocateDirect(runtime, controlBytes, true);
    control.putLong(0, CMSG_HEADER_BYTES + 4); // CMSG_LEN(sizeof(int))
    control.putInt(8, LibC.SOL_SOCKET);
    control.putInt(12, LibC.SCM_RIGHTS);
    control.putInt(16, fd);
    Pointer msg = msghdr(runtime, buffer, data.length, control, controlBytes);
    long n;
    int errno;
    do {
      n = libc.sendmsg(socketFd, msg, LibC.MSG_NOSIGNAL);
      errno = n < 0 ? LibC.errno() : 0;
    } while (n < 0 && errno == LibC.EINTR);
    Reference.reachabilityFence(buffer);
    Reference.reachabilityFence(msg);
    Reference.reachabilityFence(control);
    return n < 0 ? errno : 0;
  }
}
