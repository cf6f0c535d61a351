package org.sandbox4j.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The FUSE wire format ({@code include/uapi/linux/fuse.h}), the part a read-only file
 * system of a few files needs: request headers and bodies in, replies out. Pure byte
 * handling, no fds, so it is tested on hand-made and malformed requests. FUSE speaks the
 * host's byte order.
 */
final class FuseCodec {
  private FuseCodec() {}

  static final ByteOrder ORDER = ByteOrder.nativeOrder();

  /** The protocol's major version; the kernel and the server must agree on it. */
  static final int MAJOR = 7;
  /**
   * The newest minor whose messages this codec knows (7.38 added {@code total_extlen} to
   * the request header). Newer minors only add what a server must ask for by INIT flags,
   * and this one asks for none.
   */
  static final int MAX_MINOR = 38;
  /** The oldest minor served: 7.23 (Linux 3.15) fixed the 64-byte INIT reply and every struct used here. */
  static final int MIN_MINOR = 23;
  /** The largest write the server accepts (it refuses all writes; the kernel insists on at least 4 KiB). */
  static final int MAX_WRITE = 4096;
  /**
   * A read buffer that holds any request the kernel may send, whatever it assumes before
   * INIT has set {@code max_write}: libfuse's default of 128 KiB of data plus a page of
   * headers. The kernel fails, rather than truncates, a request that does not fit.
   */
  static final int READ_BUFFER_BYTES = 128 * 1024 + 4096;

  static final long ROOT_ID = 1;

  static final int IN_HEADER_BYTES = 40;
  static final int OUT_HEADER_BYTES = 16;
  static final int ATTR_BYTES = 88;
  static final int ENTRY_OUT_BYTES = 40 + ATTR_BYTES;
  static final int ATTR_OUT_BYTES = 16 + ATTR_BYTES;
  static final int OPEN_OUT_BYTES = 16;
  static final int INIT_OUT_BYTES = 64;
  static final int STATFS_OUT_BYTES = 80;
  static final int DIRENT_HEADER_BYTES = 24;

  // Opcodes (enum fuse_opcode).
  static final int LOOKUP = 1;
  static final int FORGET = 2;
  static final int GETATTR = 3;
  static final int SETATTR = 4;
  static final int READLINK = 5;
  static final int SYMLINK = 6;
  static final int MKNOD = 8;
  static final int MKDIR = 9;
  static final int UNLINK = 10;
  static final int RMDIR = 11;
  static final int RENAME = 12;
  static final int LINK = 13;
  static final int OPEN = 14;
  static final int READ = 15;
  static final int WRITE = 16;
  static final int STATFS = 17;
  static final int RELEASE = 18;
  static final int FSYNC = 20;
  static final int SETXATTR = 21;
  static final int GETXATTR = 22;
  static final int LISTXATTR = 23;
  static final int REMOVEXATTR = 24;
  static final int FLUSH = 25;
  static final int INIT = 26;
  static final int OPENDIR = 27;
  static final int READDIR = 28;
  static final int RELEASEDIR = 29;
  static final int FSYNCDIR = 30;
  static final int ACCESS = 34;
  static final int CREATE = 35;
  static final int INTERRUPT = 36;
  static final int DESTROY = 38;
  static final int NOTIFY_REPLY = 41;
  static final int BATCH_FORGET = 42;
  static final int FALLOCATE = 43;
  static final int RENAME2 = 45;
  static final int COPY_FILE_RANGE = 47;
  static final int TMPFILE = 51;

  /** Requests the kernel expects no reply to; a reply to one would be an error on the device. */
  static boolean expectsReply(int opcode) {
    return opcode != FORGET && opcode != BATCH_FORGET && opcode != INTERRUPT && opcode != NOTIFY_REPLY;
  }

  static final int FOPEN_DIRECT_IO = 1;

  static final int S_IFDIR = 0040000;
  static final int S_IFREG = 0100000;
  static final int DT_DIR = 4;
  static final int DT_REG = 8;

  // errno values replied (negated) in the out header.
  static final int EPERM = 1;
  static final int ENOENT = 2;
  static final int EIO = 5;
  static final int EBADF = 9;
  static final int ENOMEM = 12;
  static final int EACCES = 13;
  static final int ENOTDIR = 20;
  static final int EISDIR = 21;
  static final int EINVAL = 22;
  static final int ENFILE = 23;
  static final int EROFS = 30;
  static final int ENOSYS = 38;
  static final int EPROTO = 71;

  /**
   * A request the kernel could not have sent: too short, or lengths that disagree. When the
   * header was whole, {@link #answerable()} is true and the request can get an EINVAL.
   */
  static final class MalformedRequestException extends Exception {
    private static final long serialVersionUID = 1L;
    final int opcode;
    final long unique;
    private final boolean headerWhole;

    MalformedRequestException(String message) {
      super(message);
      this.opcode = -1;
      this.unique = 0;
      this.headerWhole = false;
    }

    MalformedRequestException(int opcode, long unique, String message) {
      super(message);
      this.opcode = opcode;
      this.unique = unique;
      this.headerWhole = true;
    }

    /** Whether a reply is possible and expected: the header was whole and the opcode wants one. */
    boolean answerable() {
      return headerWhole && expectsReply(opcode);
    }
  }

  /** One request: the header's fields and its body (the bytes after the header, extensions cut off). */
  static final class Request {
    final int opcode;
    final long unique;
    final long nodeId;
    final int uid;
    final int gid;
    /** The requesting thread, in the pid namespace the connection was made in. */
    final int pid;
    private final ByteBuffer body;

    private Request(int opcode, long unique, long nodeId, int uid, int gid, int pid, ByteBuffer body) {
      this.opcode = opcode;
      this.unique = unique;
      this.nodeId = nodeId;
      this.uid = uid;
      this.gid = gid;
      this.pid = pid;
      this.body = body;
    }

    int bodyLength() {
      return body.limit();
    }

    int u32(int offset) throws MalformedRequestException {
      need(offset, 4);
      return body.getInt(offset);
    }

    long u64(int offset) throws MalformedRequestException {
      need(offset, 8);
      return body.getLong(offset);
    }

    /** A NUL-terminated name at {@code offset}, byte for byte (names are bytes, not text). */
    String name(int offset) throws MalformedRequestException {
      need(offset, 1);
      for (int i = offset; i < body.limit(); i++) {
        if (body.get(i) == 0) {
          byte[] bytes = new byte[i - offset];
          for (int j = 0; j < bytes.length; j++) {
            bytes[j] = body.get(offset + j);
          }
          return new String(bytes, StandardCharsets.ISO_8859_1);
        }
      }
      throw new MalformedRequestException(opcode, unique, "name without a terminating NUL in opcode " + opcode);
    }

    private void need(int offset, int bytes) throws MalformedRequestException {
      if (offset < 0 || offset + bytes > body.limit()) {
        throw new MalformedRequestException(opcode, unique, "opcode " + opcode + ": body of " + body.limit()
            + " bytes, needs " + (offset + bytes));
      }
    }
  }

  /**
   * Parses what one {@code read(2)} of the device returned. Throws when the header does not
   * fit or its lengths disagree with what was read.
   */
  static Request parse(byte[] bytes, int length) throws MalformedRequestException {
    if (length < IN_HEADER_BYTES || length > bytes.length) {
      throw new MalformedRequestException("a request of " + length + " bytes has no complete header");
    }
    ByteBuffer in = ByteBuffer.wrap(bytes, 0, length).order(ORDER);
    int declared = in.getInt(0);
    int opcode = in.getInt(4);
    long unique = in.getLong(8);
    long nodeId = in.getLong(16);
    int uid = in.getInt(24);
    int gid = in.getInt(28);
    int pid = in.getInt(32);
    int extensionBytes = Short.toUnsignedInt(in.getShort(36)) * 8;
    if (declared != length) {
      throw new MalformedRequestException(opcode, unique, "header says " + Integer.toUnsignedString(declared)
          + " bytes, read " + length);
    }
    if (IN_HEADER_BYTES + extensionBytes > length) {
      throw new MalformedRequestException(opcode, unique, "extensions of " + extensionBytes
          + " bytes overrun a request of " + length);
    }
    byte[] body = new byte[length - IN_HEADER_BYTES - extensionBytes];
    System.arraycopy(bytes, IN_HEADER_BYTES, body, 0, body.length);
    return new Request(opcode, unique, nodeId, uid, gid, pid, ByteBuffer.wrap(body).order(ORDER));
  }

  /** A reply carrying only an error ({@code errno} > 0) or success without data (0). */
  static byte[] error(long unique, int errno) {
    return header(unique, -errno, 0).array();
  }

  /** A successful reply with {@code payload} after the header. */
  static byte[] ok(long unique, byte[] payload, int offset, int length) {
    ByteBuffer out = header(unique, 0, length);
    out.put(OUT_HEADER_BYTES, payload, offset, length);
    return out.array();
  }

  private static ByteBuffer header(long unique, int error, int payloadBytes) {
    ByteBuffer out = ByteBuffer.allocate(OUT_HEADER_BYTES + payloadBytes).order(ORDER);
    out.putInt(0, OUT_HEADER_BYTES + payloadBytes);
    out.putInt(4, error);
    out.putLong(8, unique);
    return out;
  }

  /** What {@code stat} shows of one node; immutable. */
  static final class Attr {
    final long ino;
    final int mode;
    final int nlink;
    final long size;
    final long timeSeconds;

    Attr(long ino, int mode, int nlink, long size, long timeSeconds) {
      this.ino = ino;
      this.mode = mode;
      this.nlink = nlink;
      this.size = size;
      this.timeSeconds = timeSeconds;
    }

    /** {@code struct fuse_attr}: owner uid/gid 0 as seen by the connection's user namespace. */
    void write(ByteBuffer out, int at) {
      out.putLong(at, ino);
      out.putLong(at + 8, size);
      out.putLong(at + 16, (size + 511) / 512);
      out.putLong(at + 24, timeSeconds);
      out.putLong(at + 32, timeSeconds);
      out.putLong(at + 40, timeSeconds);
      // atimensec, mtimensec, ctimensec stay 0
      out.putInt(at + 60, mode);
      out.putInt(at + 64, nlink);
      out.putInt(at + 68, 0); // uid
      out.putInt(at + 72, 0); // gid
      out.putInt(at + 76, 0); // rdev
      out.putInt(at + 80, 4096); // blksize
      out.putInt(at + 84, 0); // flags
    }
  }

  static byte[] entry(long unique, long nodeId, Attr attr, int validSeconds) {
    ByteBuffer out = header(unique, 0, ENTRY_OUT_BYTES);
    int at = OUT_HEADER_BYTES;
    out.putLong(at, nodeId);
    out.putLong(at + 8, 0); // generation: nodes never change identity
    out.putLong(at + 16, validSeconds); // entry_valid
    out.putLong(at + 24, validSeconds); // attr_valid
    attr.write(out, at + 40);
    return out.array();
  }

  static byte[] attr(long unique, Attr attr, int validSeconds) {
    ByteBuffer out = header(unique, 0, ATTR_OUT_BYTES);
    out.putLong(OUT_HEADER_BYTES, validSeconds);
    attr.write(out, OUT_HEADER_BYTES + 16);
    return out.array();
  }

  static byte[] open(long unique, long fileHandle, int openFlags) {
    ByteBuffer out = header(unique, 0, OPEN_OUT_BYTES);
    out.putLong(OUT_HEADER_BYTES, fileHandle);
    out.putInt(OUT_HEADER_BYTES + 8, openFlags);
    return out.array();
  }

  /**
   * {@code struct fuse_init_out} with no feature flags: the kernel then uses its defaults
   * (synchronous reads, no readdirplus, no writeback cache, ...).
   */
  static byte[] init(long unique, int minor, int maxReadahead) {
    ByteBuffer out = header(unique, 0, INIT_OUT_BYTES);
    int at = OUT_HEADER_BYTES;
    out.putInt(at, MAJOR);
    out.putInt(at + 4, minor);
    out.putInt(at + 8, maxReadahead);
    out.putInt(at + 12, 0); // flags
    // max_background and congestion_threshold 0: the kernel's defaults
    out.putInt(at + 20, MAX_WRITE);
    out.putInt(at + 24, 1); // time_gran: nanoseconds
    // max_pages 0 (no FUSE_MAX_PAGES flag), map_alignment 0, flags2 0
    return out.array();
  }

  static byte[] statfs(long unique, long files) {
    ByteBuffer out = header(unique, 0, STATFS_OUT_BYTES);
    int at = OUT_HEADER_BYTES;
    // blocks, bfree, bavail 0: nothing is stored
    out.putLong(at + 24, files);
    out.putLong(at + 32, 0); // ffree
    out.putInt(at + 40, 4096); // bsize
    out.putInt(at + 44, 255); // namelen
    out.putInt(at + 48, 4096); // frsize
    return out.array();
  }

  /** One directory entry as READDIR lists it. */
  static final class Dirent {
    final long ino;
    final String name;
    final int type;

    Dirent(long ino, String name, int type) {
      this.ino = ino;
      this.name = name;
      this.type = type;
    }
  }

  /**
   * The entries from index {@code offset} on that fit in {@code size} bytes; each entry's
   * {@code off} is the index of the next one, the cookie the kernel sends back.
   */
  static byte[] readdir(long unique, List<Dirent> entries, long offset, int size) {
    int needed = 0;
    for (Dirent entry : entries) {
      needed += align8(DIRENT_HEADER_BYTES + entry.name.length());
    }
    ByteBuffer data = ByteBuffer.allocate(Math.max(0, Math.min(size, needed))).order(ORDER);
    for (long i = Math.max(0, offset); i < entries.size(); i++) {
      Dirent entry = entries.get((int) i);
      byte[] name = entry.name.getBytes(StandardCharsets.ISO_8859_1);
      int length = align8(DIRENT_HEADER_BYTES + name.length);
      if (data.position() + length > data.capacity()) {
        break;
      }
      int at = data.position();
      data.putLong(at, entry.ino);
      data.putLong(at + 8, i + 1);
      data.putInt(at + 16, name.length);
      data.putInt(at + 20, entry.type);
      data.put(at + DIRENT_HEADER_BYTES, name);
      data.position(at + length); // the padding stays zero
    }
    return ok(unique, data.array(), 0, data.position());
  }

  static int align8(int n) {
    return (n + 7) & ~7;
  }
}
