package org.sandbox4j;

/**
 * Linux capabilities, by their kernel numbers. A sandboxed program has none unless the
 * sandbox keeps them by name ({@link Sandbox.Builder#keepCapabilities}).
 */
public enum Capability {
  CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID, KILL, SETGID, SETUID, SETPCAP, LINUX_IMMUTABLE,
  NET_BIND_SERVICE, NET_BROADCAST, NET_ADMIN, NET_RAW, IPC_LOCK, IPC_OWNER, SYS_MODULE, SYS_RAWIO, SYS_CHROOT,
  SYS_PTRACE, SYS_PACCT, SYS_ADMIN, SYS_BOOT, SYS_NICE, SYS_RESOURCE, SYS_TIME, SYS_TTY_CONFIG, MKNOD, LEASE,
  AUDIT_WRITE, AUDIT_CONTROL, SETFCAP, MAC_OVERRIDE, MAC_ADMIN, SYSLOG, WAKE_ALARM, BLOCK_SUSPEND, AUDIT_READ,
  PERFMON, BPF, CHECKPOINT_RESTORE;

  /** The kernel's number ({@code CAP_*}), which is this constant's position. */
  public int number() {
    return ordinal();
  }

  /**
   * Parses {@code NET_BIND_SERVICE}, {@code net_bind_service} or {@code CAP_NET_BIND_SERVICE}.
   *
   * @throws IllegalArgumentException naming the text when it is no capability
   */
  public static Capability parse(String name) {
    String n = name.trim().toUpperCase(java.util.Locale.ROOT);
    if (n.startsWith("CAP_")) {
      n = n.substring(4);
    }
    try {
      return valueOf(n);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown capability \"" + name + "\" (e.g. NET_BIND_SERVICE)", e);
    }
  }
}
