package org.sandbox4j;

/**
 * What the program reads in {@code /proc/meminfo}, {@code /proc/cpuinfo}, {@code /proc/stat},
 * {@code /proc/uptime}, {@code /proc/loadavg}, {@code /proc/swaps} and
 * {@code /sys/devices/system/cpu/online}: the sandbox's own limits and use, or the host's.
 *
 * <p>A plain container shows the host's CPUs and memory there, so runtimes inside (the
 * JVM, Go, Python, glibc's {@code sysconf}) size heaps and thread pools for a machine they
 * do not have. A view shows {@code MemTotal} = the memory limit, only the CPUs the sandbox
 * may use (its cpuset, and its CPU quota rounded up), and the sandbox's own uptime, load
 * and CPU times. With a view the sandbox also gets a cgroup namespace with its own cgroup
 * mounted read-only at {@code /sys/fs/cgroup}, and a time namespace whose boot clock starts
 * with the run.
 *
 * <p>Unless chosen with {@link Sandbox.Builder#procView}, a sandbox with its own
 * {@code /proc} and a memory or CPU limit gets {@link #LIVE} where the host offers FUSE,
 * else {@link #STATIC}; {@link SandboxResult#procView()} says which one a run had.
 */
public enum ProcView {
  /**
   * Live values: a small FUSE file system served by the JVM (nothing to install, no extra
   * process) answers each read from the sandbox's cgroup, so a program that allocates
   * 100 MiB sees {@code MemAvailable} fall by about that much. Needs FUSE ({@code /dev/fuse})
   * and the run cgroup; where either is missing, a launch that asked for it fails.
   */
  LIVE,
  /**
   * A snapshot written at launch: the limits (memory total, swap, the CPUs) are right, the
   * use is that of an idle sandbox and never changes. Needs nothing beyond the sandbox's own
   * {@code /proc}.
   */
  STATIC,
  /** The host's files, as the kernel shows them. */
  OFF
}
