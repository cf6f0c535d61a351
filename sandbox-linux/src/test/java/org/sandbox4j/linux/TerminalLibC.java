package org.sandbox4j.linux;

import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.Out;

/** The C library calls {@link TestTerminal} needs; public because JNR-FFI generates its binding. */
public interface TerminalLibC {
  TerminalLibC INSTANCE = LibraryLoader.create(TerminalLibC.class).failImmediately().load("c");

  int posix_openpt(int flags);

  int grantpt(int fd);

  int unlockpt(int fd);

  String ptsname(int fd);

  int open(String path, int flags);

  int close(int fd);

  long read(int fd, @Out byte[] buf, long count);
}
