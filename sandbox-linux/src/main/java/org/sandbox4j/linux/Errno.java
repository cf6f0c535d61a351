package org.sandbox4j.linux;

import java.util.Map;

/** Symbolic names of the errno values a launch can meet (the generic Linux numbering). */
final class Errno {
  private static final Map<Integer, String> NAMES = Map.ofEntries(
      Map.entry(1, "EPERM"), Map.entry(2, "ENOENT"), Map.entry(3, "ESRCH"), Map.entry(4, "EINTR"),
      Map.entry(5, "EIO"), Map.entry(6, "ENXIO"), Map.entry(7, "E2BIG"), Map.entry(8, "ENOEXEC"),
      Map.entry(9, "EBADF"), Map.entry(10, "ECHILD"), Map.entry(11, "EAGAIN"), Map.entry(12, "ENOMEM"),
      Map.entry(13, "EACCES"), Map.entry(14, "EFAULT"), Map.entry(15, "ENOTBLK"), Map.entry(16, "EBUSY"),
      Map.entry(17, "EEXIST"), Map.entry(18, "EXDEV"), Map.entry(19, "ENODEV"), Map.entry(20, "ENOTDIR"),
      Map.entry(21, "EISDIR"), Map.entry(22, "EINVAL"), Map.entry(23, "ENFILE"), Map.entry(24, "EMFILE"),
      Map.entry(25, "ENOTTY"), Map.entry(26, "ETXTBSY"), Map.entry(27, "EFBIG"), Map.entry(28, "ENOSPC"),
      Map.entry(30, "EROFS"), Map.entry(31, "EMLINK"), Map.entry(32, "EPIPE"), Map.entry(36, "ENAMETOOLONG"),
      Map.entry(38, "ENOSYS"), Map.entry(39, "ENOTEMPTY"), Map.entry(40, "ELOOP"), Map.entry(95, "EOPNOTSUPP"),
      Map.entry(88, "ENOTSOCK"), Map.entry(107, "ENOTCONN"), Map.entry(122, "EDQUOT"));

  private Errno() {}

  /** {@code ENOENT} for 2; {@code errno 200} for a value without a known name; empty for 0. */
  static String name(int errno) {
    if (errno == 0) {
      return "";
    }
    return NAMES.getOrDefault(errno, "errno " + errno);
  }
}
