package org.sandbox4j.linux;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One FUSE connection's protocol state: a read-only file system of one root directory
 * holding a fixed list of files, whose content a {@link FileSystem} renders when a file is
 * opened. Each request in gives at most one reply out; no fds, so the whole protocol is
 * tested with byte arrays. Not thread-safe: a connection is served by one thread.
 *
 * <p>Every file is opened with {@code FOPEN_DIRECT_IO}, so each {@code read(2)} reaches
 * the server (size 0, as in procfs, would otherwise read as empty), and reads are served
 * from the snapshot rendered at OPEN: a reader that reads in chunks sees one version.
 *
 * <p>Memory: the open files pin their snapshots in the JVM's heap. A session holds at most
 * {@value #MAX_OPEN_FILES} open files and {@value #MAX_SNAPSHOT_BYTES} snapshot bytes (an
 * open beyond either gets ENFILE), and charges a {@link Budget} it may share with other
 * sessions (an open beyond it gets ENOMEM). A snapshot counts once however many opens hold
 * it: the file system serves one rendered array to every open while it is current.
 */
final class FuseSession {
  /** The files of the root directory and their content. */
  interface FileSystem {
    /** The names in the root directory, in listing order; fixed for the session. */
    List<String> fileNames();

    /** The content of file {@code index} for a new open by thread {@code requesterPid}. */
    byte[] render(int index, int requesterPid);

    /** atime, mtime and ctime of every node, in epoch seconds. */
    long timeSeconds();
  }

  /**
   * Snapshot bytes that sessions may pin together; thread-safe, as sessions on different
   * threads may share one.
   */
  static final class Budget {
    private final long limitBytes;
    private final AtomicLong used = new AtomicLong();

    Budget(long limitBytes) {
      if (limitBytes < 0) {
        throw new IllegalArgumentException("a budget of " + limitBytes + " bytes");
      }
      this.limitBytes = limitBytes;
    }

    /** Takes {@code bytes} if they fit; returns whether they did. */
    boolean tryCharge(long bytes) {
      while (true) {
        long now = used.get();
        if (bytes > limitBytes - now) {
          return false;
        }
        if (used.compareAndSet(now, now + bytes)) {
          return true;
        }
      }
    }

    void release(long bytes) {
      used.addAndGet(-bytes);
    }

    long used() {
      return used.get();
    }

    long limit() {
      return limitBytes;
    }
  }

  private static final Logger LOG = Logger.getLogger(FuseSession.class.getName());

  /** Attributes and names never change: the kernel may cache them this long. */
  static final int VALID_SECONDS = 5;
  /** Open files at once per session: each holds a snapshot in the JVM's heap. */
  static final int MAX_OPEN_FILES = 1024;
  /** Distinct snapshot bytes held at once per session, whatever the count of opens. */
  static final long MAX_SNAPSHOT_BYTES = 16L << 20;

  private static final int O_ACCMODE = 3;
  private static final int O_RDONLY = 0;
  private static final int O_TRUNC = 01000;
  private static final int W_OK = 2;
  private static final int X_OK = 1;

  private final FileSystem fileSystem;
  private final Budget budget;
  private final List<String> names;
  private final Map<Long, byte[]> openFiles = new HashMap<>();
  /** The opens holding each distinct snapshot, which is charged once. */
  private final Map<byte[], int[]> holders = new IdentityHashMap<>();
  private long snapshotBytes;
  private long nextHandle = 1;
  private int minor;
  private boolean destroyed;

  /** A session with a budget of its own, as large as its cap. */
  FuseSession(FileSystem fileSystem) {
    this(fileSystem, new Budget(MAX_SNAPSHOT_BYTES));
  }

  /** A session charging its snapshots to {@code budget}, which other sessions may share. */
  FuseSession(FileSystem fileSystem, Budget budget) {
    this.fileSystem = fileSystem;
    this.budget = budget;
    this.names = List.copyOf(fileSystem.fileNames());
  }

  /** Whether INIT was answered: the kernel sends nothing else before. */
  boolean initialized() {
    return minor != 0;
  }

  /** The negotiated minor version; 0 before INIT. */
  int minor() {
    return minor;
  }

  /** Whether the kernel sent DESTROY: the connection ends. */
  boolean destroyed() {
    return destroyed;
  }

  int openFiles() {
    return openFiles.size();
  }

  /** The distinct snapshot bytes the open files hold, each charged once. */
  long snapshotBytes() {
    return snapshotBytes;
  }

  /**
   * Forgets every open file and gives their bytes back to the budget: the connection is
   * gone. Idempotent; the server calls it when a view ends, however it ends.
   */
  void close() {
    for (byte[] snapshot : holders.keySet()) {
      budget.release(snapshot.length);
    }
    holders.clear();
    openFiles.clear();
    snapshotBytes = 0;
  }

  /**
   * Handles one request as read from the device; returns the reply to write, or null when
   * none is due (FORGET, INTERRUPT, a request too broken to answer). Never throws: a bad
   * request gets EINVAL, a failure in rendering EIO.
   */
  byte[] handle(byte[] bytes, int length) {
    FuseCodec.Request request;
    try {
      request = FuseCodec.parse(bytes, length);
    } catch (FuseCodec.MalformedRequestException e) {
      return malformed(e);
    }
    if (!FuseCodec.expectsReply(request.opcode)) {
      return null; // FORGET, BATCH_FORGET: nodes are static; INTERRUPT: every request is answered at once
    }
    try {
      return dispatch(request);
    } catch (FuseCodec.MalformedRequestException e) {
      return malformed(e);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "FUSE request " + request.opcode + " failed", e);
      return FuseCodec.error(request.unique, FuseCodec.EIO);
    }
  }

  private static byte[] malformed(FuseCodec.MalformedRequestException e) {
    LOG.log(Level.FINE, "malformed FUSE request: {0}", e.getMessage());
    return e.answerable() ? FuseCodec.error(e.unique, FuseCodec.EINVAL) : null;
  }

  private byte[] dispatch(FuseCodec.Request request) throws FuseCodec.MalformedRequestException {
    if (request.opcode == FuseCodec.INIT) {
      return init(request);
    }
    if (!initialized()) {
      return FuseCodec.error(request.unique, FuseCodec.EIO);
    }
    switch (request.opcode) {
      case FuseCodec.LOOKUP:
        return lookup(request);
      case FuseCodec.GETATTR:
        return getattr(request);
      case FuseCodec.ACCESS:
        return access(request);
      case FuseCodec.OPEN:
        return open(request);
      case FuseCodec.READ:
        return read(request);
      case FuseCodec.FLUSH:
        return FuseCodec.error(request.unique, 0);
      case FuseCodec.RELEASE:
        return release(request);
      case FuseCodec.OPENDIR:
        return opendir(request);
      case FuseCodec.READDIR:
        return readdir(request);
      case FuseCodec.RELEASEDIR:
        return FuseCodec.error(request.unique, 0);
      case FuseCodec.STATFS:
        return FuseCodec.statfs(request.unique, names.size() + 1);
      case FuseCodec.DESTROY:
        destroyed = true;
        close();
        return FuseCodec.error(request.unique, 0);
      case FuseCodec.SETATTR:
      case FuseCodec.WRITE:
      case FuseCodec.CREATE:
      case FuseCodec.MKNOD:
      case FuseCodec.MKDIR:
      case FuseCodec.SYMLINK:
      case FuseCodec.LINK:
      case FuseCodec.UNLINK:
      case FuseCodec.RMDIR:
      case FuseCodec.RENAME:
      case FuseCodec.RENAME2:
      case FuseCodec.SETXATTR:
      case FuseCodec.REMOVEXATTR:
      case FuseCodec.FALLOCATE:
      case FuseCodec.COPY_FILE_RANGE:
      case FuseCodec.TMPFILE:
        return FuseCodec.error(request.unique, FuseCodec.EROFS);
      default:
        // GETXATTR and LISTXATTR among them: ENOSYS makes the kernel stop asking (no xattrs here).
        return FuseCodec.error(request.unique, FuseCodec.ENOSYS);
    }
  }

  /** {@code struct fuse_init_in}: major, minor, max_readahead, flags, ... */
  private byte[] init(FuseCodec.Request request) throws FuseCodec.MalformedRequestException {
    if (initialized()) {
      return FuseCodec.error(request.unique, FuseCodec.EIO);
    }
    int major = request.u32(0);
    int kernelMinor = request.u32(4);
    int maxReadahead = request.bodyLength() >= 12 ? request.u32(8) : 0;
    if (major != FuseCodec.MAJOR || kernelMinor < FuseCodec.MIN_MINOR) {
      // The kernel fails the connection on an error reply: every request then gets ECONNREFUSED.
      LOG.log(Level.WARNING, "FUSE protocol {0}.{1} is not served (needs {2}.{3}+)",
          new Object[] {major, kernelMinor, FuseCodec.MAJOR, FuseCodec.MIN_MINOR});
      return FuseCodec.error(request.unique, FuseCodec.EPROTO);
    }
    minor = Math.min(kernelMinor, FuseCodec.MAX_MINOR);
    return FuseCodec.init(request.unique, minor, maxReadahead);
  }

  /** Node ids: 1 the root, 2.. the files in listing order. */
  private int fileIndex(long nodeId) {
    long index = nodeId - 2;
    return index >= 0 && index < names.size() ? (int) index : -1;
  }

  private FuseCodec.Attr attrOf(long nodeId) {
    if (nodeId == FuseCodec.ROOT_ID) {
      return new FuseCodec.Attr(nodeId, FuseCodec.S_IFDIR | 0555, 2, 0, fileSystem.timeSeconds());
    }
    return new FuseCodec.Attr(nodeId, FuseCodec.S_IFREG | 0444, 1, 0, fileSystem.timeSeconds());
  }

  private byte[] lookup(FuseCodec.Request request) throws FuseCodec.MalformedRequestException {
    String name = request.name(0);
    if (request.nodeId != FuseCodec.ROOT_ID) {
      return FuseCodec.error(request.unique, fileIndex(request.nodeId) >= 0 ? FuseCodec.ENOTDIR : FuseCodec.ENOENT);
    }
    int index = names.indexOf(name);
    if (index < 0) {
      return FuseCodec.error(request.unique, FuseCodec.ENOENT);
    }
    long nodeId = index + 2;
    return FuseCodec.entry(request.unique, nodeId, attrOf(nodeId), VALID_SECONDS);
  }

  private byte[] getattr(FuseCodec.Request request) {
    if (request.nodeId != FuseCodec.ROOT_ID && fileIndex(request.nodeId) < 0) {
      return FuseCodec.error(request.unique, FuseCodec.ENOENT);
    }
    return FuseCodec.attr(request.unique, attrOf(request.nodeId), VALID_SECONDS);
  }

  /** {@code struct fuse_access_in}: mask. Without default_permissions the kernel asks us. */
  private byte[] access(FuseCodec.Request request) throws FuseCodec.MalformedRequestException {
    int mask = request.u32(0);
    boolean root = request.nodeId == FuseCodec.ROOT_ID;
    if (!root && fileIndex(request.nodeId) < 0) {
      return FuseCodec.error(request.unique, FuseCodec.ENOENT);
    }
    boolean denied = (mask & W_OK) != 0 || (!root && (mask & X_OK) != 0);
    return FuseCodec.error(request.unique, denied ? FuseCodec.EACCES : 0);
  }

  /** {@code struct fuse_open_in}: flags, open_flags. Renders the snapshot this handle reads. */
  private byte[] open(FuseCodec.Request request) throws FuseCodec.MalformedRequestException {
    int flags = request.u32(0);
    if (request.nodeId == FuseCodec.ROOT_ID) {
      return FuseCodec.error(request.unique, FuseCodec.EISDIR);
    }
    int index = fileIndex(request.nodeId);
    if (index < 0) {
      return FuseCodec.error(request.unique, FuseCodec.ENOENT);
    }
    if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0) {
      return FuseCodec.error(request.unique, FuseCodec.EACCES);
    }
    if (openFiles.size() >= MAX_OPEN_FILES) {
      return FuseCodec.error(request.unique, FuseCodec.ENFILE);
    }
    byte[] snapshot = fileSystem.render(index, request.pid);
    int[] held = holders.get(snapshot);
    if (held == null) {
      if (snapshot.length > MAX_SNAPSHOT_BYTES - snapshotBytes) {
        return FuseCodec.error(request.unique, FuseCodec.ENFILE);
      }
      if (!budget.tryCharge(snapshot.length)) {
        return FuseCodec.error(request.unique, FuseCodec.ENOMEM);
      }
      held = new int[1];
      holders.put(snapshot, held);
      snapshotBytes += snapshot.length;
    }
    held[0]++;
    long handle = nextHandle++;
    openFiles.put(handle, snapshot);
    return FuseCodec.open(request.unique, handle, FuseCodec.FOPEN_DIRECT_IO);
  }

  /** {@code struct fuse_read_in}: fh, offset, size, ... */
  private byte[] read(FuseCodec.Request request) throws FuseCodec.MalformedRequestException {
    long handle = request.u64(0);
    long offset = request.u64(8);
    long size = Integer.toUnsignedLong(request.u32(16));
    byte[] snapshot = openFiles.get(handle);
    if (snapshot == null) {
      return FuseCodec.error(request.unique, FuseCodec.EBADF);
    }
    if (offset < 0 || offset >= snapshot.length) {
      return FuseCodec.ok(request.unique, snapshot, 0, 0); // at or past the end (a huge u64 is negative here)
    }
    int length = (int) Math.min(size, snapshot.length - offset);
    return FuseCodec.ok(request.unique, snapshot, (int) offset, length);
  }

  /** {@code struct fuse_release_in}: fh, ... */
  private byte[] release(FuseCodec.Request request) throws FuseCodec.MalformedRequestException {
    byte[] snapshot = openFiles.remove(request.u64(0));
    if (snapshot != null) {
      int[] held = holders.get(snapshot);
      if (--held[0] == 0) {
        holders.remove(snapshot);
        snapshotBytes -= snapshot.length;
        budget.release(snapshot.length);
      }
    }
    return FuseCodec.error(request.unique, 0);
  }

  private byte[] opendir(FuseCodec.Request request) {
    if (request.nodeId != FuseCodec.ROOT_ID) {
      return FuseCodec.error(request.unique, fileIndex(request.nodeId) >= 0 ? FuseCodec.ENOTDIR : FuseCodec.ENOENT);
    }
    // The listing is fixed, so a directory handle needs no state.
    return FuseCodec.open(request.unique, 0, 0);
  }

  /** {@code struct fuse_read_in} again: the offset is the index of the next entry. */
  private byte[] readdir(FuseCodec.Request request) throws FuseCodec.MalformedRequestException {
    long offset = request.u64(8);
    int size = request.u32(16);
    if (request.nodeId != FuseCodec.ROOT_ID) {
      return FuseCodec.error(request.unique, FuseCodec.ENOTDIR);
    }
    List<FuseCodec.Dirent> entries = new ArrayList<>();
    entries.add(new FuseCodec.Dirent(FuseCodec.ROOT_ID, ".", FuseCodec.DT_DIR));
    entries.add(new FuseCodec.Dirent(FuseCodec.ROOT_ID, "..", FuseCodec.DT_DIR));
    for (int i = 0; i < names.size(); i++) {
      entries.add(new FuseCodec.Dirent(i + 2, names.get(i), FuseCodec.DT_REG));
    }
    // The kernel asks for at most a page or so; a negative int here is a huge unsigned size.
    int capped = size < 0 ? 1 << 20 : Math.min(size, 1 << 20);
    return FuseCodec.readdir(request.unique, entries, offset, capped);
  }
}
