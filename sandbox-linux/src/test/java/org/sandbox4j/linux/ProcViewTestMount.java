package org.sandbox4j.linux;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A FUSE mount of a {@code /proc} view made as the helper makes it, without the helper: a
 * {@code SOCK_SEQPACKET} pair, {@code /dev/fuse} opened and mounted on a directory (root),
 * the server given one end, the fd sent over the other as the handover message.
 */
final class ProcViewTestMount implements AutoCloseable {
  private static final LibC LIBC = LibC.INSTANCE;

  final Path directory;
  final ProcViewServer.Handle handle;
  /** The helper's end of the socket, until {@link #handOver} closes it; -1 after. */
  private int helperSocket;
  /** The helper's copy of the FUSE fd, until {@link #handOver} closes it; -1 after. */
  private int fuseFd;
  private boolean mounted;

  private ProcViewTestMount(Path directory, ProcViewServer.Handle handle, int helperSocket, int fuseFd) {
    this.directory = directory;
    this.handle = handle;
    this.helperSocket = helperSocket;
    this.fuseFd = fuseFd;
    this.mounted = true;
  }

  /** Mounts on {@code directory} and starts serving {@code model}; the fd is not sent yet. */
  static ProcViewTestMount mount(Path directory, ProcViewModel model) throws IOException {
    int[] pair = new int[2];
    check(LIBC.socketpair(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0, pair), "socketpair");
    int fuse = LIBC.open("/dev/fuse", LibC.O_RDWR | LibC.O_CLOEXEC, 0);
    if (fuse < 0) {
      int errno = LibC.errno();
      LIBC.close(pair[0]);
      LIBC.close(pair[1]);
      throw new IOException("open /dev/fuse: " + Errno.name(errno));
    }
    String options = "fd=" + fuse + ",rootmode=40000,user_id=0,group_id=0,allow_other";
    if (LIBC.mount("sandbox4j-procview", directory.toString(), "fuse", LibC.MS_NOSUID | LibC.MS_NODEV, options) != 0) {
      int errno = LibC.errno();
      LIBC.close(fuse);
      LIBC.close(pair[0]);
      LIBC.close(pair[1]);
      throw new IOException("mount fuse on " + directory + ": " + Errno.name(errno));
    }
    ProcViewServer.Handle handle;
    try {
      handle = ProcViewServer.get().serve(pair[0], model); // owns pair[0], even when it throws
    } catch (RuntimeException e) {
      // No server: a mount left behind would hang whatever touches it.
      LIBC.close(fuse);
      LIBC.close(pair[1]);
      LIBC.umount2(directory.toString(), LibC.MNT_DETACH);
      throw e;
    }
    return new ProcViewTestMount(directory, handle, pair[1], fuse);
  }

  /** Mounts and hands the fd over at once. */
  static ProcViewTestMount serving(Path directory, ProcViewModel model) throws IOException {
    ProcViewTestMount mount = mount(directory, model);
    mount.handOver();
    return mount;
  }

  /** Sends the handover message ('F' + the fd), then closes the helper's socket end and fd copy. */
  void handOver() throws IOException {
    sendAndClose(new byte[] {ProcViewServer.HANDOVER}, true);
  }

  /** Sends {@code data}, with the FUSE fd when {@code withFd}, then closes the helper's ends. */
  void sendAndClose(byte[] data, boolean withFd) throws IOException {
    int errno = withFd ? FdPassing.send(helperSocket, data, fuseFd)
        : (LIBC.write(helperSocket, data, data.length) == data.length ? 0 : LibC.errno());
    closeHelperEnds();
    if (errno != 0) {
      throw new IOException("sendmsg: " + Errno.name(errno));
    }
  }

  /** Sends {@code data} with {@code otherFd} (not the FUSE fd) attached, then closes the helper's ends. */
  void sendOther(byte[] data, int otherFd) throws IOException {
    int errno = FdPassing.send(helperSocket, data, otherFd);
    closeHelperEnds();
    if (errno != 0) {
      throw new IOException("sendmsg: " + Errno.name(errno));
    }
  }

  /** Closes the helper's ends without sending anything: the server sees EOF. */
  void closeHelperEnds() {
    if (helperSocket >= 0) {
      LIBC.close(helperSocket);
      helperSocket = -1;
    }
    if (fuseFd >= 0) {
      LIBC.close(fuseFd);
      fuseFd = -1;
    }
  }

  Path file(String name) {
    return directory.resolve(name);
  }

  /** umount(2) as the last mount of the file system goes: the kernel ends the connection. */
  void unmount() throws IOException {
    if (mounted) {
      check(LIBC.umount2(directory.toString(), 0), "umount " + directory);
      mounted = false;
    }
  }

  @Override
  public void close() throws IOException {
    closeHelperEnds();
    if (mounted) {
      // A connection the server already closed leaves a mount that still unmounts.
      if (LIBC.umount2(directory.toString(), 0) != 0) {
        check(LIBC.umount2(directory.toString(), LibC.MNT_DETACH), "umount -l " + directory);
      }
      mounted = false;
    }
    handle.close();
  }

  private static void check(int result, String what) throws IOException {
    if (result != 0) {
      throw new IOException(what + ": " + Errno.name(LibC.errno()));
    }
  }
}
