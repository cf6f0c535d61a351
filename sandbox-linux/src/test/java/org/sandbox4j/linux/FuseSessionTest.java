package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The FUSE protocol, request bytes in and reply bytes out, without a kernel. */
class FuseSessionTest {
  private static final int KERNEL_MINOR = 44;

  /** Files whose content changes with every render, so snapshots can be told apart. */
  private static final class CountingFiles implements FuseSession.FileSystem {
    int renders;
    final List<Integer> requesters = new ArrayList<>();
    boolean fail;

    @Override
    public List<String> fileNames() {
      return List.of("meminfo", "cpus");
    }

    @Override
    public byte[] render(int index, int requesterPid) {
      if (fail) {
        throw new IllegalStateException("rendering failed");
      }
      renders++;
      requesters.add(requesterPid);
      return ("file " + index + " version " + renders + " " + "x".repeat(100) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public long timeSeconds() {
      return 1_700_000_000L;
    }
  }

  private CountingFiles files;
  private FuseSession session;
  private long nextUnique = 1;

  @BeforeEach
  void initialize() {
    files = new CountingFiles();
    session = new FuseSession(files);
    Reply init = send(FuseCodec.INIT, FuseCodec.ROOT_ID, initBody(7, KERNEL_MINOR));
    assertThat(init.error).isZero();
  }

  // ---- building requests, reading replies ----

  private static byte[] request(int opcode, long unique, long nodeId, int pid, byte[] body) {
    ByteBuffer b = ByteBuffer.allocate(FuseCodec.IN_HEADER_BYTES + body.length).order(FuseCodec.ORDER);
    b.putInt(FuseCodec.IN_HEADER_BYTES + body.length).putInt(opcode).putLong(unique).putLong(nodeId)
        .putInt(0).putInt(0).putInt(pid).putShort((short) 0).putShort((short) 0).put(body);
    return b.array();
  }

  private static byte[] initBody(int major, int minor) {
    return ByteBuffer.allocate(64).order(FuseCodec.ORDER).putInt(major).putInt(minor).putInt(131072).putInt(0xffff)
        .array();
  }

  private static byte[] name(String name) {
    return (name + "\0").getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] openBody(int flags) {
    return ByteBuffer.allocate(8).order(FuseCodec.ORDER).putInt(flags).putInt(0).array();
  }

  private static byte[] readBody(long fh, long offset, int size) {
    return ByteBuffer.allocate(40).order(FuseCodec.ORDER).putLong(fh).putLong(offset).putInt(size).array();
  }

  private static byte[] fhBody(long fh) {
    return ByteBuffer.allocate(24).order(FuseCodec.ORDER).putLong(fh).array();
  }

  private static final class Reply {
    final int error;
    final long unique;
    final ByteBuffer payload;

    Reply(byte[] bytes) {
      ByteBuffer b = ByteBuffer.wrap(bytes).order(FuseCodec.ORDER);
      assertThat(b.getInt(0)).as("length in the reply header").isEqualTo(bytes.length);
      error = -b.getInt(4);
      unique = b.getLong(8);
      payload = ByteBuffer.wrap(bytes, 16, bytes.length - 16).slice().order(FuseCodec.ORDER);
    }

    String text() {
      byte[] data = new byte[payload.remaining()];
      payload.duplicate().get(data);
      return new String(data, StandardCharsets.UTF_8);
    }
  }

  private Reply send(int opcode, long nodeId, byte[] body) {
    return send(opcode, nodeId, 4242, body);
  }

  private Reply send(int opcode, long nodeId, int pid, byte[] body) {
    long unique = nextUnique++;
    byte[] bytes = request(opcode, unique, nodeId, pid, body);
    byte[] reply = session.handle(bytes, bytes.length);
    assertThat(reply).as("a reply to opcode %s", opcode).isNotNull();
    Reply parsed = new Reply(reply);
    assertThat(parsed.unique).isEqualTo(unique);
    return parsed;
  }

  private long open(long nodeId) {
    Reply open = send(FuseCodec.OPEN, nodeId, openBody(0));
    assertThat(open.error).isZero();
    assertThat(open.payload.getInt(8)).isEqualTo(FuseCodec.FOPEN_DIRECT_IO);
    return open.payload.getLong(0);
  }

  // ---- the protocol ----

  @Test
  void initAnswersVersionSevenAtTheLowerMinorWithoutFeatureFlags() {
    FuseSession fresh = new FuseSession(new CountingFiles());
    byte[] bytes = request(FuseCodec.INIT, 1, 0, 0, initBody(7, KERNEL_MINOR));
    Reply init = new Reply(fresh.handle(bytes, bytes.length));
    assertThat(init.error).isZero();
    assertThat(init.payload.remaining()).isEqualTo(FuseCodec.INIT_OUT_BYTES);
    assertThat(init.payload.getInt(0)).isEqualTo(7);
    assertThat(init.payload.getInt(4)).isEqualTo(FuseCodec.MAX_MINOR);
    assertThat(init.payload.getInt(12)).as("flags").isZero();
    assertThat(init.payload.getInt(20)).as("max_write").isEqualTo(4096);
    assertThat(fresh.minor()).isEqualTo(FuseCodec.MAX_MINOR);

    FuseSession older = new FuseSession(new CountingFiles());
    bytes = request(FuseCodec.INIT, 1, 0, 0, initBody(7, 31));
    assertThat(new Reply(older.handle(bytes, bytes.length)).payload.getInt(4)).isEqualTo(31);
  }

  @Test
  void initRefusesAnotherMajorOrAnAncientMinor() {
    for (byte[] body : List.of(initBody(8, 0), initBody(7, 12))) {
      FuseSession fresh = new FuseSession(new CountingFiles());
      byte[] bytes = request(FuseCodec.INIT, 1, 0, 0, body);
      assertThat(new Reply(fresh.handle(bytes, bytes.length)).error).isEqualTo(FuseCodec.EPROTO);
      assertThat(fresh.initialized()).isFalse();
    }
  }

  @Test
  void requestsBeforeInitAndASecondInitFail() {
    FuseSession fresh = new FuseSession(new CountingFiles());
    byte[] bytes = request(FuseCodec.GETATTR, 1, FuseCodec.ROOT_ID, 0, new byte[16]);
    assertThat(new Reply(fresh.handle(bytes, bytes.length)).error).isEqualTo(FuseCodec.EIO);
    assertThat(send(FuseCodec.INIT, 0, initBody(7, KERNEL_MINOR)).error).isEqualTo(FuseCodec.EIO);
  }

  @Test
  void lookupFindsEachFileAndNothingElse() {
    Reply meminfo = send(FuseCodec.LOOKUP, FuseCodec.ROOT_ID, name("meminfo"));
    assertThat(meminfo.error).isZero();
    assertThat(meminfo.payload.remaining()).isEqualTo(FuseCodec.ENTRY_OUT_BYTES);
    assertThat(meminfo.payload.getLong(0)).as("node id").isEqualTo(2);
    assertThat(meminfo.payload.getLong(16)).as("entry_valid").isEqualTo(FuseSession.VALID_SECONDS);
    int attr = 40;
    assertThat(meminfo.payload.getLong(attr + 8)).as("size").isZero();
    assertThat(meminfo.payload.getInt(attr + 60)).as("mode").isEqualTo(0100444);
    assertThat(meminfo.payload.getInt(attr + 64)).as("nlink").isEqualTo(1);
    assertThat(meminfo.payload.getInt(attr + 68)).as("uid").isZero();
    assertThat(meminfo.payload.getLong(attr + 32)).as("mtime").isEqualTo(1_700_000_000L);
    assertThat(send(FuseCodec.LOOKUP, FuseCodec.ROOT_ID, name("cpus")).payload.getLong(0)).isEqualTo(3);

    assertThat(send(FuseCodec.LOOKUP, FuseCodec.ROOT_ID, name("kcore")).error).isEqualTo(FuseCodec.ENOENT);
    assertThat(send(FuseCodec.LOOKUP, FuseCodec.ROOT_ID, name("meminfo/x")).error).isEqualTo(FuseCodec.ENOENT);
    assertThat(send(FuseCodec.LOOKUP, 2, name("x")).error).isEqualTo(FuseCodec.ENOTDIR);
    assertThat(send(FuseCodec.LOOKUP, 99, name("x")).error).isEqualTo(FuseCodec.ENOENT);
  }

  @Test
  void getattrDescribesAReadOnlyRootAndItsFiles() {
    Reply root = send(FuseCodec.GETATTR, FuseCodec.ROOT_ID, new byte[16]);
    assertThat(root.error).isZero();
    assertThat(root.payload.remaining()).isEqualTo(FuseCodec.ATTR_OUT_BYTES);
    assertThat(root.payload.getInt(16 + 60)).isEqualTo(040555);
    assertThat(send(FuseCodec.GETATTR, 3, new byte[16]).payload.getInt(16 + 60)).isEqualTo(0100444);
    assertThat(send(FuseCodec.GETATTR, 4, new byte[16]).error).isEqualTo(FuseCodec.ENOENT);
  }

  @Test
  void openRefusesWritingAndRendersOnceForTheHandle() {
    assertThat(send(FuseCodec.OPEN, 2, openBody(LibC.O_WRONLY)).error).isEqualTo(FuseCodec.EACCES);
    assertThat(send(FuseCodec.OPEN, 2, openBody(LibC.O_RDWR)).error).isEqualTo(FuseCodec.EACCES);
    assertThat(send(FuseCodec.OPEN, 2, openBody(LibC.O_TRUNC)).error).isEqualTo(FuseCodec.EACCES);
    assertThat(send(FuseCodec.OPEN, FuseCodec.ROOT_ID, openBody(0)).error).isEqualTo(FuseCodec.EISDIR);
    assertThat(send(FuseCodec.OPEN, 9, openBody(0)).error).isEqualTo(FuseCodec.ENOENT);
    assertThat(files.renders).isZero();

    Reply open = send(FuseCodec.OPEN, 2, 777, openBody(LibC.O_RDONLY | LibC.O_CLOEXEC));
    assertThat(open.error).isZero();
    assertThat(files.renders).isEqualTo(1);
    assertThat(files.requesters).containsExactly(777);
  }

  @Test
  void readsInChunksSeeTheSnapshotOfTheirOpen() {
    long first = open(2);
    long second = open(2); // rendered anew: "version 2"
    StringBuilder text = new StringBuilder();
    for (long offset = 0; ; offset += 7) {
      Reply chunk = send(FuseCodec.READ, 2, readBody(first, offset, 7));
      assertThat(chunk.error).isZero();
      if (chunk.payload.remaining() == 0) {
        break;
      }
      assertThat(chunk.payload.remaining()).isLessThanOrEqualTo(7);
      text.append(chunk.text());
    }
    assertThat(text.toString()).startsWith("file 0 version 1 ").endsWith("x\n");
    assertThat(send(FuseCodec.READ, 2, readBody(second, 0, 4096)).text()).startsWith("file 0 version 2 ");
    assertThat(send(FuseCodec.READ, 2, readBody(first, 1L << 40, 4096)).payload.remaining()).isZero();
    assertThat(send(FuseCodec.READ, 2, readBody(first, -1, 4096)).payload.remaining()).isZero();
    assertThat(send(FuseCodec.READ, 2, readBody(99, 0, 4096)).error).isEqualTo(FuseCodec.EBADF);
  }

  @Test
  void releaseForgetsTheSnapshot() {
    long handle = open(3);
    assertThat(session.openFiles()).isEqualTo(1);
    assertThat(send(FuseCodec.FLUSH, 3, fhBody(handle)).error).isZero();
    assertThat(send(FuseCodec.RELEASE, 3, fhBody(handle)).error).isZero();
    assertThat(session.openFiles()).isZero();
    assertThat(send(FuseCodec.READ, 3, readBody(handle, 0, 10)).error).isEqualTo(FuseCodec.EBADF);
    assertThat(send(FuseCodec.RELEASE, 3, fhBody(handle)).error).isZero(); // twice is harmless
  }

  @Test
  void tooManyOpenFilesAreRefusedNotHeld() {
    for (int i = 0; i < FuseSession.MAX_OPEN_FILES; i++) {
      open(2);
    }
    assertThat(send(FuseCodec.OPEN, 2, openBody(0)).error).isEqualTo(FuseCodec.ENFILE);
  }

  /** Serves the same array to every open of a file while it is current, as the live view does. */
  private static final class CachedFiles implements FuseSession.FileSystem {
    final int size;
    final boolean distinct;
    byte[] current;

    CachedFiles(int size, boolean distinct) {
      this.size = size;
      this.distinct = distinct;
    }

    @Override
    public List<String> fileNames() {
      return List.of("cpuinfo");
    }

    @Override
    public byte[] render(int index, int requesterPid) {
      if (current == null || distinct) {
        current = new byte[size];
      }
      return current;
    }

    @Override
    public long timeSeconds() {
      return 0;
    }
  }

  private FuseSession initialized(FuseSession.FileSystem fileSystem, FuseSession.Budget budget) {
    session = new FuseSession(fileSystem, budget);
    assertThat(send(FuseCodec.INIT, FuseCodec.ROOT_ID, initBody(7, KERNEL_MINOR)).error).isZero();
    return session;
  }

  @Test
  void aSnapshotHeldByManyOpensIsChargedOnce() {
    int size = 100 << 10; // a big host's cpuinfo
    FuseSession.Budget budget = new FuseSession.Budget(1 << 20);
    CachedFiles cpuinfo = new CachedFiles(size, false);
    FuseSession one = initialized(cpuinfo, budget);
    List<Long> handles = new ArrayList<>();
    for (int i = 0; i < FuseSession.MAX_OPEN_FILES; i++) {
      handles.add(open(2)); // 1024 x 100 KiB would be 100 MiB, counted per open
    }
    assertThat(one.snapshotBytes()).isEqualTo(size);
    assertThat(budget.used()).isEqualTo(size);
    assertThat(send(FuseCodec.OPEN, 2, openBody(0)).error).isEqualTo(FuseCodec.ENFILE); // the count still caps
    for (long handle : handles.subList(1, handles.size())) {
      assertThat(send(FuseCodec.RELEASE, 2, fhBody(handle)).error).isZero();
    }
    assertThat(budget.used()).as("one open still holds it").isEqualTo(size);
    assertThat(send(FuseCodec.RELEASE, 2, fhBody(handles.get(0))).error).isZero();
    assertThat(one.snapshotBytes()).isZero();
    assertThat(budget.used()).isZero();
  }

  @Test
  void distinctSnapshotsAreCappedPerSession() {
    FuseSession.Budget budget = new FuseSession.Budget(1L << 40);
    FuseSession one = initialized(new CachedFiles(1 << 20, true), budget);
    for (long i = 0; i < FuseSession.MAX_SNAPSHOT_BYTES >> 20; i++) {
      open(2);
    }
    assertThat(send(FuseCodec.OPEN, 2, openBody(0)).error).isEqualTo(FuseCodec.ENFILE);
    assertThat(one.snapshotBytes()).isEqualTo(FuseSession.MAX_SNAPSHOT_BYTES);
    assertThat(budget.used()).isEqualTo(FuseSession.MAX_SNAPSHOT_BYTES);
  }

  @Test
  void sessionsSharingABudgetAreRefusedBeyondItTogether() {
    int size = 100 << 10;
    FuseSession.Budget budget = new FuseSession.Budget(250 << 10);
    FuseSession a = initialized(new CachedFiles(size, true), budget);
    long a1 = open(2);
    open(2);
    FuseSession b = initialized(new CachedFiles(size, true), budget);
    // Each session is far below its own cap; together they are at the server's.
    assertThat(send(FuseCodec.OPEN, 2, openBody(0)).error).isEqualTo(FuseCodec.ENOMEM);
    assertThat(b.openFiles()).isZero();
    session = a;
    assertThat(send(FuseCodec.RELEASE, 2, fhBody(a1)).error).isZero();
    session = b;
    open(2);
    assertThat(budget.used()).isEqualTo(2L * size);
    // A session that ends, however it ends, gives its bytes back.
    a.close();
    assertThat(budget.used()).isEqualTo(size);
    a.close(); // idempotent
    assertThat(budget.used()).isEqualTo(size);
    assertThat(send(FuseCodec.DESTROY, 0, new byte[0]).error).isZero();
    assertThat(budget.used()).isZero();
    assertThat(b.snapshotBytes()).isZero();
  }

  @Test
  void readdirListsTheRootAndContinuesAtTheCookie() {
    Reply opendir = send(FuseCodec.OPENDIR, FuseCodec.ROOT_ID, openBody(0));
    assertThat(opendir.error).isZero();
    assertThat(send(FuseCodec.OPENDIR, 2, openBody(0)).error).isEqualTo(FuseCodec.ENOTDIR);
    assertThat(names(send(FuseCodec.READDIR, FuseCodec.ROOT_ID, readBody(0, 0, 4096))))
        .containsExactly(".", "..", "meminfo", "cpus");
    // Room for two entries of 32 bytes: the kernel asks again from the last cookie.
    Reply firstPart = send(FuseCodec.READDIR, FuseCodec.ROOT_ID, readBody(0, 0, 64));
    assertThat(names(firstPart)).containsExactly(".", "..");
    assertThat(firstPart.payload.getLong(32 + 8)).as("cookie of the second entry").isEqualTo(2);
    assertThat(names(send(FuseCodec.READDIR, FuseCodec.ROOT_ID, readBody(0, 2, 4096))))
        .containsExactly("meminfo", "cpus");
    assertThat(names(send(FuseCodec.READDIR, FuseCodec.ROOT_ID, readBody(0, 4, 4096)))).isEmpty();
    assertThat(send(FuseCodec.RELEASEDIR, FuseCodec.ROOT_ID, fhBody(0)).error).isZero();
  }

  /** The names of the fuse_dirent records of a READDIR reply. */
  private static List<String> names(Reply reply) {
    assertThat(reply.error).isZero();
    List<String> names = new ArrayList<>();
    ByteBuffer p = reply.payload;
    int at = 0;
    while (at < p.limit()) {
      int length = p.getInt(at + 16);
      byte[] name = new byte[length];
      p.duplicate().position(at + 24).get(name);
      names.add(new String(name, StandardCharsets.ISO_8859_1));
      at += FuseCodec.align8(24 + length);
    }
    assertThat(at).isEqualTo(p.limit());
    return names;
  }

  @Test
  void everyChangeIsRefusedAsAReadOnlyFileSystem() {
    for (int opcode : new int[] {FuseCodec.SETATTR, FuseCodec.WRITE, FuseCodec.CREATE, FuseCodec.MKNOD,
        FuseCodec.MKDIR, FuseCodec.UNLINK, FuseCodec.RMDIR, FuseCodec.RENAME, FuseCodec.RENAME2, FuseCodec.LINK,
        FuseCodec.SYMLINK, FuseCodec.SETXATTR, FuseCodec.REMOVEXATTR, FuseCodec.FALLOCATE}) {
      assertThat(send(opcode, 2, new byte[64]).error).as("opcode %s", opcode).isEqualTo(FuseCodec.EROFS);
    }
  }

  @Test
  void accessDeniesWritingAndExecutingFiles() {
    byte[] write = ByteBuffer.allocate(8).order(FuseCodec.ORDER).putInt(2).array();
    byte[] read = ByteBuffer.allocate(8).order(FuseCodec.ORDER).putInt(4).array();
    byte[] execute = ByteBuffer.allocate(8).order(FuseCodec.ORDER).putInt(1).array();
    assertThat(send(FuseCodec.ACCESS, 2, read).error).isZero();
    assertThat(send(FuseCodec.ACCESS, 2, write).error).isEqualTo(FuseCodec.EACCES);
    assertThat(send(FuseCodec.ACCESS, 2, execute).error).isEqualTo(FuseCodec.EACCES);
    assertThat(send(FuseCodec.ACCESS, FuseCodec.ROOT_ID, execute).error).isZero();
    assertThat(send(FuseCodec.ACCESS, FuseCodec.ROOT_ID, write).error).isEqualTo(FuseCodec.EACCES);
  }

  @Test
  void statfsXattrsAndUnknownOpcodes() {
    Reply statfs = send(FuseCodec.STATFS, FuseCodec.ROOT_ID, new byte[0]);
    assertThat(statfs.error).isZero();
    assertThat(statfs.payload.remaining()).isEqualTo(FuseCodec.STATFS_OUT_BYTES);
    assertThat(statfs.payload.getLong(24)).as("files").isEqualTo(3);
    assertThat(send(FuseCodec.GETXATTR, 2, new byte[16]).error).isEqualTo(FuseCodec.ENOSYS);
    assertThat(send(FuseCodec.LISTXATTR, 2, new byte[8]).error).isEqualTo(FuseCodec.ENOSYS);
    assertThat(send(52, 2, new byte[16]).error).as("STATX").isEqualTo(FuseCodec.ENOSYS);
    assertThat(send(9999, 2, new byte[0]).error).isEqualTo(FuseCodec.ENOSYS);
  }

  @Test
  void forgetsAndInterruptsGetNoReply() {
    for (int opcode : new int[] {FuseCodec.FORGET, FuseCodec.BATCH_FORGET, FuseCodec.INTERRUPT,
        FuseCodec.NOTIFY_REPLY}) {
      byte[] bytes = request(opcode, 5, 2, 0, new byte[16]);
      assertThat(session.handle(bytes, bytes.length)).as("opcode %s", opcode).isNull();
      byte[] broken = request(opcode, 5, 2, 0, new byte[0]);
      assertThat(session.handle(broken, broken.length - 1)).isNull();
    }
  }

  @Test
  void destroyEndsTheSession() {
    open(2);
    assertThat(send(FuseCodec.DESTROY, 0, new byte[0]).error).isZero();
    assertThat(session.destroyed()).isTrue();
    assertThat(session.openFiles()).isZero();
  }

  @Test
  void aRenderingFailureIsAnIoErrorNotACrash() {
    files.fail = true;
    assertThat(send(FuseCodec.OPEN, 2, openBody(0)).error).isEqualTo(FuseCodec.EIO);
    files.fail = false;
    open(2);
  }

  // ---- malformed requests ----

  @Test
  void aRequestShorterThanItsHeaderIsDropped() {
    byte[] bytes = request(FuseCodec.GETATTR, 7, 1, 0, new byte[16]);
    assertThat(session.handle(bytes, 39)).isNull();
    assertThat(session.handle(bytes, 0)).isNull();
    assertThat(session.handle(new byte[8], 100)).as("a length beyond the buffer").isNull();
  }

  @Test
  void aLengthThatDisagreesWithTheReadGetsEinval() {
    byte[] bytes = request(FuseCodec.GETATTR, 7, 1, 0, new byte[16]);
    ByteBuffer.wrap(bytes).order(FuseCodec.ORDER).putInt(0, 1000);
    Reply reply = new Reply(session.handle(bytes, bytes.length));
    assertThat(reply.error).isEqualTo(FuseCodec.EINVAL);
    assertThat(reply.unique).isEqualTo(7);
    // Extensions longer than the request.
    byte[] extended = request(FuseCodec.GETATTR, 8, 1, 0, new byte[16]);
    ByteBuffer.wrap(extended).order(FuseCodec.ORDER).putShort(36, (short) 100);
    assertThat(new Reply(session.handle(extended, extended.length)).error).isEqualTo(FuseCodec.EINVAL);
  }

  @Test
  void bodiesTooShortForTheirOpcodeGetEinval() {
    assertThat(send(FuseCodec.OPEN, 2, new byte[2]).error).isEqualTo(FuseCodec.EINVAL);
    assertThat(send(FuseCodec.READ, 2, new byte[16]).error).as("no size").isEqualTo(FuseCodec.EINVAL);
    assertThat(send(FuseCodec.RELEASE, 2, new byte[4]).error).isEqualTo(FuseCodec.EINVAL);
    assertThat(send(FuseCodec.READDIR, 1, new byte[8]).error).isEqualTo(FuseCodec.EINVAL);
    assertThat(send(FuseCodec.ACCESS, 2, new byte[0]).error).isEqualTo(FuseCodec.EINVAL);
    assertThat(send(FuseCodec.LOOKUP, 1, "meminfo".getBytes(StandardCharsets.US_ASCII)).error)
        .as("a name without its NUL").isEqualTo(FuseCodec.EINVAL);
    assertThat(send(FuseCodec.LOOKUP, 1, new byte[0]).error).isEqualTo(FuseCodec.EINVAL);
  }

  @Test
  void randomBytesNeverThrow() {
    Random random = new Random(42);
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = new byte[random.nextInt(200)];
      random.nextBytes(bytes);
      if (bytes.length >= 8 && random.nextBoolean()) {
        // Mostly well-formed headers with a random opcode and body, to reach the handlers.
        ByteBuffer b = ByteBuffer.wrap(bytes).order(FuseCodec.ORDER);
        b.putInt(0, bytes.length);
        b.putInt(4, random.nextInt(60));
        if (bytes.length >= 38) {
          b.putShort(36, (short) 0);
        }
      }
      byte[] reply = session.handle(bytes, bytes.length);
      if (reply != null) {
        assertThat(ByteBuffer.wrap(reply).order(FuseCodec.ORDER).getInt(0)).isEqualTo(reply.length);
      }
    }
  }
}
