package org.sandbox4j.linux;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A pseudo-terminal standing in for the caller's terminal: the slave is what a sandbox gets
 * as stdin, the master is where the caller would see (and its shell would read) what is
 * typed. The JVM keeps the slave open too, so echoed input stays readable after the run.
 */
final class TestTerminal implements AutoCloseable {
  private static final int O_RDWR = 02;
  private static final int O_NOCTTY = 0400;
  private static final int O_NONBLOCK = 04000;
  private static final int O_CLOEXEC = 02000000;

  private final int master;
  private final int slave;
  private final Path slavePath;

  private TestTerminal(int master, int slave, Path slavePath) {
    this.master = master;
    this.slave = slave;
    this.slavePath = slavePath;
  }

  static TestTerminal open() {
    TerminalLibC libc = TerminalLibC.INSTANCE;
    int master = libc.posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (master < 0 || libc.grantpt(master) != 0 || libc.unlockpt(master) != 0) {
      throw new IllegalStateException("cannot open a pseudo-terminal: errno " + LibC.errno());
    }
    String name = libc.ptsname(master);
    int slave = libc.open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) {
      libc.close(master);
      throw new IllegalStateException("cannot open " + name + ": errno " + LibC.errno());
    }
    return new TestTerminal(master, slave, Path.of(name));
  }

  /** The slave side, e.g. {@code /dev/pts/3}: give it to the sandbox as stdin. */
  Path slave() {
    return slavePath;
  }

  /** What the terminal shows that nobody wrote to it: input typed (or injected), echoed. */
  String echoedInput() {
    byte[] buf = new byte[4096];
    long n = TerminalLibC.INSTANCE.read(master, buf, buf.length);
    return n <= 0 ? "" : new String(buf, 0, (int) n, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    TerminalLibC.INSTANCE.close(slave);
    TerminalLibC.INSTANCE.close(master);
  }
}
