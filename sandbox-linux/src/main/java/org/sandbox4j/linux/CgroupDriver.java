package org.sandbox4j.linux;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.sandbox4j.ResourceLimits;
import org.sandbox4j.SandboxLaunchException;

/**
 * Creates the per-run cgroups on this host's hierarchy, v1 or v2, detected at run time.
 * Run cgroups are named {@code run-<jvm pid>-<jvm start time>-<n>} under a parent cgroup,
 * so the first driver of a later JVM can tell which belonged to a JVM that is gone and
 * reap them.
 */
abstract class CgroupDriver {
  /** System property: the parent cgroup of run cgroups, as a path inside each hierarchy. */
  static final String PARENT_PROPERTY = "sandbox4j.cgroup.parent";
  /** System property: force cgroup version 1 or 2 instead of detecting it. */
  static final String VERSION_PROPERTY = "sandbox4j.cgroup.version";
  static final String PARENT_NAME = "sandbox4j";
  /** What an unprivileged user does to get cgroups for sandboxes. */
  static final String DELEGATION_REMEDY = "run as root, or start the JVM in a cgroup v2 subtree delegated to this user"
      + " (systemd-run --user --scope -p Delegate=yes java ...), or set -D" + PARENT_PROPERTY + " to one";

  private static final Logger LOG = Logger.getLogger(CgroupDriver.class.getName());
  private static final String RUN_PREFIX = "run-";
  /** This JVM: its pid and start time, which tell it apart from a later process with its pid. */
  static final String JVM_TAG = ProcessHandle.current().pid() + "-" + startTime(ProcessHandle.current().pid());
  private final AtomicLong sequence = new AtomicLong();

  /**
   * The driver for this host: v1 where the memory controller is bound to a v1 hierarchy
   * (v1 and hybrid hosts), else v2; {@value #VERSION_PROPERTY} forces one.
   */
  static CgroupDriver detect() throws SandboxLaunchException {
    CgroupLayout layout;
    try {
      layout = CgroupLayout.parse(Files.readAllLines(Path.of("/proc/self/mountinfo")),
          Files.readAllLines(Path.of("/proc/self/cgroup")));
    } catch (IOException e) {
      throw new SandboxLaunchException("cgroup", "/proc/self/cgroup", 0, "", "cannot read the cgroup layout: " + e, e);
    }
    String forced = System.getProperty(VERSION_PROPERTY);
    String parent = System.getProperty(PARENT_PROPERTY);
    boolean v2 = "2".equals(forced) || (forced == null && !layout.v1.containsKey("memory"));
    if (v2) {
      if (layout.v2MountPoint.isEmpty()) {
        throw new SandboxLaunchException("cgroup", "/sys/fs/cgroup", 0, "",
            "no cgroup hierarchy is mounted: mount cgroup2 on /sys/fs/cgroup");
      }
      return new CgroupV2Driver(layout.v2MountPoint.get(), layout.v2OwnPath.orElse("/"), parent);
    }
    return new CgroupV1Driver(layout, parent);
  }

  /** For people: which version, which controllers, where. */
  abstract String describe();

  /** The parent cgroups of run cgroups: one per v1 hierarchy, or the one of v2. */
  abstract List<Path> parents();

  /** Creates the run cgroup and writes the limits; throws naming the limit a host cannot enforce. */
  abstract RunCgroup create(ResourceLimits limits) throws SandboxLaunchException;

  /** How many CPUs the program can use at once in a cgroup with {@code limits}. */
  abstract double parallelism(ResourceLimits limits);

  /** Makes a run cgroup's directories and writes its limits; throws on the first failure. */
  interface Setup {
    void run() throws IOException, SandboxLaunchException;
  }

  /**
   * Runs {@code setup} for {@code run} and returns it; on any failure destroys what the setup
   * made so far, so a failed create never leaves a cgroup behind.
   */
  static <R extends RunCgroup> R createOrDestroy(R run, String name, Setup setup) throws SandboxLaunchException {
    try {
      setup.run();
      return run;
    } catch (SandboxLaunchException | RuntimeException e) {
      run.destroyQuietly();
      throw e;
    } catch (IOException e) {
      run.destroyQuietly();
      throw new SandboxLaunchException("cgroup", name, 0, "", "cannot create the run cgroup: " + e.getMessage(), e);
    }
  }

  String nextRunName() {
    return RUN_PREFIX + JVM_TAG + "-" + sequence.incrementAndGet();
  }

  /**
   * Checks that this user can create cgroups under {@code parent} by making and removing
   * one: the parent may exist (another user, root, made it) and still be closed to us.
   */
  static void requireWritable(Path parent) throws SandboxLaunchException {
    Path probe = parent.resolve("probe-" + JVM_TAG);
    try {
      Files.createDirectory(probe);
      Files.delete(probe);
    } catch (IOException e) {
      throw new SandboxLaunchException("cgroup", parent.toString(), 13, "EACCES",
          "this user cannot create cgroups there (" + e.getMessage() + "): " + DELEGATION_REMEDY);
    }
  }

  /** Removes run cgroups under {@code parent} whose JVM is gone (crashed, killed). */
  static void reapStale(Path parent, StaleCgroupKiller killer) {
    try (DirectoryStream<Path> runs = Files.newDirectoryStream(parent, RUN_PREFIX + "*")) {
      for (Path run : runs) {
        String[] parts = run.getFileName().toString().split("-");
        if (parts.length == 4 && !isAlive(Long.parseLong(parts[1]), parts[2])) {
          killer.killAndRemove(run);
        }
      }
    } catch (IOException | NumberFormatException e) {
      LOG.log(Level.FINE, "no stale run cgroups reaped in " + parent, e);
    }
  }

  /** Kills what is in a stale run cgroup and removes it; per driver. */
  interface StaleCgroupKiller {
    void killAndRemove(Path run);
  }

  private static boolean isAlive(long pid, String startTime) {
    return startTime.equals(startTime(pid));
  }

  /** Field 22 of /proc/<pid>/stat (start time in clock ticks); "gone" when there is no such process. */
  static String startTime(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return fields[19];
    } catch (IOException | RuntimeException e) {
      return "gone";
    }
  }

  /** The number of CPUs online. */
  static int onlineCpus() {
    try {
      return OnlineCpus.cpus().size();
    } catch (IOException e) {
      return Runtime.getRuntime().availableProcessors();
    }
  }
}
