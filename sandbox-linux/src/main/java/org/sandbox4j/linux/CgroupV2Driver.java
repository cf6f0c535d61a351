package org.sandbox4j.linux;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.sandbox4j.IoThrottle;
import org.sandbox4j.ResourceLimits;
import org.sandbox4j.ResourceUsage;
import org.sandbox4j.SandboxLaunchException;

/**
 * cgroup v2: one directory per run under a parent cgroup whose {@code subtree_control}
 * enables the controllers. The program joins atomically ({@code CLONE_INTO_CGROUP}); the
 * whole tree is killed with {@code cgroup.kill} (5.14+), else frozen and killed.
 */
final class CgroupV2Driver extends CgroupDriver {
  private static final List<String> WANTED = List.of("cpu", "cpuset", "io", "memory", "pids");
  private static final Logger LOG = Logger.getLogger(CgroupV2Driver.class.getName());
  private static final String JVM_LEAF_PREFIX = "sandbox4j-jvm-";
  private static final int EBUSY = 16;
  private static final String NO_INTERNAL_PROCESS_REMEDY = "a cgroup with processes cannot give controllers to"
      + " children (cgroup v2's no-internal-process rule): start the JVM alone in its delegated cgroup (exec java,"
      + " or systemd-run --user --scope -p Delegate=yes java ...), or set -D" + PARENT_PROPERTY
      + " to an empty delegated cgroup";

  private final Path parent;
  private final Set<String> enabled;
  /** The leaf this JVM moved itself into, or null when it stayed where it was started. */
  private final Path jvmLeaf;

  CgroupV2Driver(String mountPoint, String ownPath, String parentOverride) throws SandboxLaunchException {
    String home = home(ownPath);
    String inside = parentOverride != null ? parentOverride : (home.equals("/") ? "" : home) + "/" + PARENT_NAME;
    this.parent = Path.of(mountPoint + inside);
    Path grandparent = parent.getParent();
    Path own = Path.of(mountPoint + (ownPath.equals("/") ? "" : ownPath));
    try {
      Set<String> available = new TreeSet<>(List.of(CgroupFiles.read(grandparent.resolve("cgroup.controllers")).split(" ")));
      available.retainAll(WANTED);
      boolean moved = enable(grandparent, available, grandparent.equals(own));
      this.jvmLeaf = moved || !home.equals(ownPath) ? grandparent.resolve(jvmLeafName()) : null;
      Files.createDirectories(parent);
      enable(parent, available, false);
      requireWritable(parent);
      this.enabled = Set.copyOf(available);
    } catch (SandboxLaunchException e) {
      throw e; // already names the file, the errno and the remedy
    } catch (IOException e) {
      throw new SandboxLaunchException("cgroup", parent.toString(), 0, "",
          "cannot create the parent cgroup (" + e.getMessage() + "); " + DELEGATION_REMEDY);
    }
    reapStale(parent, run -> new Run(run).destroyQuietly());
    reapStaleLeaves(grandparent);
  }

  /** The leaf cgroup this JVM moves itself into, inside its own cgroup, when that must give controllers to children. */
  static String jvmLeafName() {
    return JVM_LEAF_PREFIX + JVM_TAG;
  }

  /**
   * The JVM's own cgroup as it was started in: {@code ownPath}, or its parent when {@code ownPath}
   * is the leaf this JVM moved itself into (a second driver in the same JVM must find the same
   * parent for run cgroups as the first).
   */
  static String home(String ownPath) {
    String leaf = "/" + jvmLeafName();
    if (!ownPath.endsWith(leaf)) {
      return ownPath;
    }
    String home = ownPath.substring(0, ownPath.length() - leaf.length());
    return home.isEmpty() ? "/" : home;
  }

  /**
   * Enables controllers for the children of {@code cgroup}; already enabled ones are kept. In a
   * cgroup that holds processes the kernel refuses (EBUSY: cgroup v2's no-internal-process rule,
   * from which only the root cgroup is exempt). When {@code cgroup} is this JVM's own, as in a
   * delegated subtree (systemd's Delegate=yes), the JVM moves itself into a leaf child first, as
   * a delegated service is expected to.
   */
  private static boolean enable(Path cgroup, Set<String> controllers, boolean ownCgroup)
      throws IOException, SandboxLaunchException {
    if (controllers.isEmpty()) {
      return false;
    }
    Set<String> present = Set.of(CgroupFiles.read(cgroup.resolve("cgroup.subtree_control")).split(" "));
    StringBuilder missing = new StringBuilder();
    for (String c : controllers) {
      if (!present.contains(c)) {
        missing.append(missing.length() == 0 ? "" : " ").append('+').append(c);
      }
    }
    if (missing.length() == 0) {
      return false;
    }
    Path control = cgroup.resolve("cgroup.subtree_control");
    int errno = CgroupFiles.tryWrite(control, missing.toString());
    boolean moved = false;
    if (errno == EBUSY && ownCgroup) {
      moveThisJvmIntoItsLeaf(cgroup);
      moved = true;
      errno = CgroupFiles.tryWrite(control, missing.toString());
    }
    if (errno != 0) {
      throw CgroupFiles.writeFailed(control, missing.toString(), errno, errno == EBUSY ? NO_INTERNAL_PROCESS_REMEDY
          : "this user may not enable controllers there: " + DELEGATION_REMEDY);
    }
    return moved;
  }

  /**
   * Moves this JVM (all its threads) from {@code cgroup}, its own, into {@link #jvmLeafName()}
   * inside it, so that {@code cgroup} holds no process and may give controllers to children.
   * Processes this JVM started (its descendants, e.g. a tool it ran before its first sandbox)
   * move with it; any other process in {@code cgroup} is not the library's to move, and then
   * nothing is moved.
   */
  private static void moveThisJvmIntoItsLeaf(Path cgroup) throws IOException, SandboxLaunchException {
    String self = Long.toString(ProcessHandle.current().pid());
    Set<String> descendants = new TreeSet<>();
    ProcessHandle.current().descendants().forEach(p -> descendants.add(Long.toString(p.pid())));
    List<String> ours = new ArrayList<>();
    List<String> others = new ArrayList<>();
    for (String pid : CgroupFiles.read(cgroup.resolve("cgroup.procs")).split("\\s+")) {
      if (!pid.isEmpty() && !pid.equals(self)) {
        (descendants.contains(pid) ? ours : others).add(pid);
      }
    }
    if (!others.isEmpty()) {
      throw new SandboxLaunchException("cgroup", cgroup.toString(), EBUSY, "EBUSY",
          "this JVM's cgroup also holds the processes " + others + ", which this JVM did not start, so it cannot "
              + "give controllers to child cgroups (cgroup v2's no-internal-process rule) and moving the JVM "
              + "alone would not help: " + NO_INTERNAL_PROCESS_REMEDY);
    }
    Path leaf = cgroup.resolve(jvmLeafName());
    if (!Files.isDirectory(leaf)) {
      Files.createDirectory(leaf);
    }
    Path procs = leaf.resolve("cgroup.procs");
    int errno = CgroupFiles.tryWrite(procs, self);
    if (errno != 0) {
      CgroupFiles.tryRemoveEmpty(leaf);
      throw CgroupFiles.writeFailed(procs, self, errno,
          "this user may not move the JVM into a child of its own cgroup: delegate the cgroup with its"
              + " cgroup.procs (systemd: Delegate=yes)");
    }
    for (String pid : ours) {
      CgroupFiles.tryWrite(procs, pid); // one that exited meanwhile is ESRCH; one left over shows as EBUSY next
    }
    LOG.fine("moved this JVM" + (ours.isEmpty() ? "" : " and the processes it started " + ours) + " into " + leaf
        + ": its cgroup " + cgroup + " gives controllers to the sandboxes' cgroups, so it may hold no process");
  }

  /** Removes the empty leaves of JVMs that are gone from {@code cgroup}. */
  private static void reapStaleLeaves(Path cgroup) {
    try (DirectoryStream<Path> leaves = Files.newDirectoryStream(cgroup, JVM_LEAF_PREFIX + "*")) {
      for (Path leaf : leaves) {
        String[] parts = leaf.getFileName().toString().substring(JVM_LEAF_PREFIX.length()).split("-");
        if (parts.length == 2 && !startTime(Long.parseLong(parts[0])).equals(parts[1])) {
          CgroupFiles.tryRemoveEmpty(leaf);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.FINE, "no stale JVM leaves reaped in " + cgroup, e);
    }
  }

  @Override
  String describe() {
    return "cgroup v2: " + parent + " " + enabled + (jvmLeaf == null ? ""
        : " (this JVM moved into " + jvmLeaf.getFileName() + " beside it: no-internal-process rule)");
  }

  @Override
  List<Path> parents() {
    return List.of(parent);
  }

  @Override
  RunCgroup create(ResourceLimits limits) throws SandboxLaunchException {
    require("memory", limits.memory().isPresent() || limits.memorySoft().isPresent());
    require("cpu", limits.cpuQuota().isPresent());
    require("cpuset", limits.cpus().isPresent() || limits.memoryNodes().isPresent());
    require("pids", limits.pids().isPresent());
    require("io", !limits.io().isEmpty());
    Path dir = parent.resolve(nextRunName());
    return createOrDestroy(new Run(dir), dir.toString(), () -> {
      Files.createDirectory(dir);
      writeLimits(dir, limits);
    });
  }

  private void require(String controller, boolean needed) throws SandboxLaunchException {
    if (needed && !enabled.contains(controller)) {
      throw new SandboxLaunchException("cgroup", parent.toString(), 0, "",
          "the " + controller + " controller is not available to " + parent + ", so its limit cannot be enforced: "
              + "delegate it (enable it in the ancestors' cgroup.subtree_control) or drop the limit");
    }
  }

  private static void writeLimits(Path dir, ResourceLimits limits) throws SandboxLaunchException {
    if (limits.memory().isPresent()) {
      CgroupFiles.write(dir.resolve("memory.max"), Long.toString(limits.memory().get().toBytes()), "");
      if (Files.exists(dir.resolve("memory.swap.max"))) {
        CgroupFiles.write(dir.resolve("memory.swap.max"), Long.toString(limits.swap().toBytes()), "");
      }
    }
    if (limits.memorySoft().isPresent()) {
      // As runc maps a memory reservation: reclaimed last below it, first above it.
      CgroupFiles.write(dir.resolve("memory.low"), Long.toString(limits.memorySoft().get().toBytes()), "");
    }
    if (limits.cpuQuota().isPresent()) {
      CgroupFiles.write(dir.resolve("cpu.max"),
          micros(limits.cpuQuota().get()) + " " + micros(limits.cpuPeriod().get()), "");
    }
    if (limits.cpus().isPresent()) {
      CgroupFiles.write(dir.resolve("cpuset.cpus"), OnlineCpus.format(limits.cpus().get()), "");
    }
    if (limits.memoryNodes().isPresent()) {
      CgroupFiles.write(dir.resolve("cpuset.mems"), OnlineCpus.format(limits.memoryNodes().get()), "");
    }
    if (limits.pids().isPresent()) {
      CgroupFiles.write(dir.resolve("pids.max"), Integer.toString(limits.pids().getAsInt()), "");
    }
    for (IoThrottle t : limits.io()) {
      String key;
      switch (t.kind()) {
        case READ_BYTES_PER_SECOND: key = "rbps"; break;
        case WRITE_BYTES_PER_SECOND: key = "wbps"; break;
        case READ_IOPS: key = "riops"; break;
        default: key = "wiops"; break;
      }
      CgroupFiles.write(dir.resolve("io.max"), t.major() + ":" + t.minor() + " " + key + "=" + t.value(),
          "io.max takes whole disks: name the disk (e.g. /dev/vda)");
    }
  }

  private static long micros(Duration d) {
    return d.toNanos() / 1000;
  }

  @Override
  double parallelism(ResourceLimits limits) {
    double cpus = onlineCpus();
    try {
      Path effective = parent.resolve("cpuset.cpus.effective");
      if (limits.cpus().isPresent()) {
        cpus = Math.min(cpus, limits.cpus().get().size());
      } else if (Files.exists(effective)) {
        cpus = Math.min(cpus, OnlineCpus.parse(CgroupFiles.read(effective)).size());
      }
    } catch (IOException | RuntimeException e) {
      // the online count stands
    }
    if (limits.cpuQuota().isPresent()) {
      cpus = Math.min(cpus, (double) limits.cpuQuota().get().toNanos() / limits.cpuPeriod().get().toNanos());
    }
    return cpus;
  }

  /**
   * A v2 cgroup's view readings, without its tasks ({@link #readViewTasks}):
   * {@code memory.current} and {@code memory.stat}, {@code memory.swap.current}, the lowest
   * {@code memory.max} and {@code memory.swap.max} of it and its ancestors,
   * {@code cpu.stat}'s microseconds. Files a controller that is not enabled would hold read
   * as 0.
   */
  static ProcViewReadings readViewReadings(Path dir) throws IOException {
    Map<String, Long> cpu = CgroupFiles.readFlatKeyed(dir.resolve("cpu.stat"));
    long user = cpu.getOrDefault("user_usec", 0L) * 1000;
    long system = cpu.getOrDefault("system_usec", 0L) * 1000;
    return ProcViewReadings.builder()
        .memoryUsageBytes(CgroupFiles.readLong(dir.resolve("memory.current")).orElse(0))
        .memoryLimitBytes(CgroupFiles.lowestLimitUpwards(dir, "memory.max"))
        .memoryStat(ProcViewReadings.memoryStat(2, CgroupFiles.readFlatKeyed(dir.resolve("memory.stat"))))
        .swapUsageBytes(CgroupFiles.readLong(dir.resolve("memory.swap.current")).orElse(0))
        .swapLimitBytes(CgroupFiles.lowestLimitUpwards(dir, "memory.swap.max"))
        .cpuNanos(user, system)
        .build();
  }

  /** A v2 cgroup's tasks, from {@code cgroup.threads} and each task's status in {@code procRoot}. */
  static ProcViewReadings.Tasks readViewTasks(Path dir, Path procRoot) throws IOException {
    return CgroupFiles.readTasks(dir.resolve("cgroup.threads"), procRoot);
  }

  private static final class Run implements RunCgroup {
    private final Path dir;

    Run(Path dir) {
      this.dir = dir;
    }

    @Override
    public int version() {
      return 2;
    }

    @Override
    public List<Path> directories() {
      return List.of(dir);
    }

    @Override
    public List<String> hierarchyNames() {
      return List.of("");
    }

    @Override
    public Path cpuUsageFile() {
      return dir.resolve("cpu.stat");
    }

    @Override
    public int cpuUsageFormat() {
      return 2;
    }

    @Override
    public ResourceUsage usage() throws IOException {
      Path cpuStat = dir.resolve("cpu.stat");
      ResourceUsage.Builder usage = ResourceUsage.builder()
          .cpuUserMicros(CgroupFiles.readKey(cpuStat, "user_usec"))
          .cpuSystemMicros(CgroupFiles.readKey(cpuStat, "system_usec"))
          .memoryBytes(CgroupFiles.readLong(dir.resolve("memory.current")).orElse(0))
          .oomKills(CgroupFiles.readKey(dir.resolve("memory.events"), "oom_kill"))
          .pids(CgroupFiles.readLong(dir.resolve("pids.current")).orElse(0))
          .pidsLimitHits(CgroupFiles.readKey(dir.resolve("pids.events"), "max"));
      CgroupFiles.readLong(dir.resolve("memory.peak")).ifPresent(usage::peakMemoryBytes);
      CgroupFiles.readLong(dir.resolve("pids.peak")).ifPresent(usage::pidsPeak);
      long[] rw = ioBytes(dir.resolve("io.stat"));
      return usage.ioReadBytes(rw[0]).ioWriteBytes(rw[1]).build();
    }

    @Override
    public ProcViewReadings viewReadings() throws IOException {
      return readViewReadings(dir);
    }

    @Override
    public ProcViewReadings.Tasks viewTasks() throws IOException {
      return readViewTasks(dir, Path.of("/proc"));
    }

    /** Sums rbytes= and wbytes= over the devices of io.stat. */
    private static long[] ioBytes(Path file) throws IOException {
      long[] rw = new long[2];
      try {
        for (String line : Files.readAllLines(file)) {
          for (String field : line.trim().split("\\s+")) {
            if (field.startsWith("rbytes=")) {
              rw[0] += Long.parseLong(field.substring(7));
            } else if (field.startsWith("wbytes=")) {
              rw[1] += Long.parseLong(field.substring(7));
            }
          }
        }
      } catch (NoSuchFileException noIoController) {
        // no io controller enabled: no I/O account
      }
      return rw;
    }

    @Override
    public void destroy() throws IOException, InterruptedException {
      if (!Files.isDirectory(dir)) {
        return;
      }
      Path procs = dir.resolve("cgroup.procs");
      if (!CgroupFiles.empty(procs)) {
        if (CgroupFiles.tryWrite(dir.resolve("cgroup.kill"), "1") != 0) {
          // Before 5.14: freeze so that no fork slips between reading the list and the kills.
          CgroupFiles.tryWrite(dir.resolve("cgroup.freeze"), "1");
          CgroupFiles.killAll(procs);
          CgroupFiles.tryWrite(dir.resolve("cgroup.freeze"), "0");
        }
        for (int i = 0; i < 5000 && !CgroupFiles.empty(procs); i++) {
          Thread.sleep(1);
        }
      }
      if (!CgroupFiles.remove(dir)) {
        throw new IOException("cannot remove run cgroup " + dir + ": still busy");
      }
    }
  }
}
