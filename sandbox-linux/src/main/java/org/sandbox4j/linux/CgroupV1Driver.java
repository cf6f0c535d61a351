package org.sandbox4j.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.sandbox4j.IoThrottle;
import org.sandbox4j.ResourceLimits;
import org.sandbox4j.ResourceUsage;
import org.sandbox4j.SandboxLaunchException;

/**
 * cgroup v1: one directory per hierarchy (memory, cpuacct, pids, blkio and freezer always,
 * for the account and the kill; cpu and cpuset when a limit needs them). Also the driver
 * of hybrid hosts, whose controllers are all bound to v1 hierarchies.
 */
final class CgroupV1Driver extends CgroupDriver {
  private static final List<String> ALWAYS = List.of("memory", "cpuacct", "pids", "blkio", "freezer");

  private final Map<String, CgroupLayout.Hierarchy> hierarchies;
  /** The parent cgroup of runs in each hierarchy, keyed by mount point. */
  private final Map<String, Path> parents = new LinkedHashMap<>();

  CgroupV1Driver(CgroupLayout layout, String parentOverride) throws SandboxLaunchException {
    this.hierarchies = layout.v1;
    if (!hierarchies.containsKey("memory") || !hierarchies.containsKey("cpuacct")) {
      throw new SandboxLaunchException("cgroup", "/sys/fs/cgroup", 0, "",
          "cgroup v1 without the memory and cpuacct controllers cannot account a run");
    }
    // In mount-point order, so that the first hierarchy this user may not write is always the
    // same one and the error naming it does not change from one detection to the next.
    Map<String, CgroupLayout.Hierarchy> byMountPoint = new TreeMap<>();
    hierarchies.values().forEach(h -> byMountPoint.put(h.mountPoint, h));
    for (CgroupLayout.Hierarchy h : byMountPoint.values()) {
      String inside = parentOverride != null ? parentOverride
          : (h.ownPath.equals("/") ? "" : h.ownPath) + "/" + PARENT_NAME;
      Path parent = Path.of(h.mountPoint + inside);
      prepareParent(h, parent);
      requireWritable(parent);
      parents.put(h.mountPoint, parent);
      reapStale(parent, this::killAndRemove);
    }
  }

  private static void prepareParent(CgroupLayout.Hierarchy h, Path parent) throws SandboxLaunchException {
    try {
      Files.createDirectories(parent);
      if (h.controllers.contains("cpuset")) {
        // A new cpuset cgroup starts with no CPUs and no memory nodes: nothing can join it
        // until they are copied down from the nearest ancestor that has them.
        inheritCpuset(Path.of(h.mountPoint), parent);
      }
    } catch (IOException e) {
      throw new SandboxLaunchException("cgroup", parent.toString(), 0, "",
          "cannot create the parent cgroup (" + e.getMessage() + "); run as root, or set -D" + PARENT_PROPERTY
              + " to a cgroup this user may write");
    }
  }

  private static void inheritCpuset(Path mount, Path parent) throws IOException, SandboxLaunchException {
    Path relative = mount.relativize(parent);
    Path current = mount;
    for (Path part : relative) {
      Path child = current.resolve(part);
      for (String file : List.of("cpuset.cpus", "cpuset.mems")) {
        if (CgroupFiles.read(child.resolve(file)).isEmpty()) {
          CgroupFiles.write(child.resolve(file), CgroupFiles.read(current.resolve(file)), "");
        }
      }
      current = child;
    }
  }

  @Override
  String describe() {
    return "cgroup v1: " + parents.values();
  }

  @Override
  List<Path> parents() {
    return List.copyOf(parents.values());
  }

  @Override
  RunCgroup create(ResourceLimits limits) throws SandboxLaunchException {
    Set<String> needed = new TreeSet<>(ALWAYS);
    if (limits.cpuQuota().isPresent()) {
      needed.add("cpu");
    }
    if (limits.cpus().isPresent() || limits.memoryNodes().isPresent()) {
      needed.add("cpuset");
    }
    for (String controller : needed) {
      if (!hierarchies.containsKey(controller) && required(controller, limits)) {
        throw new SandboxLaunchException("cgroup", controller, 0, "",
            "the " + controller + " controller is not mounted on this host, so its limit cannot be enforced: "
                + "mount it (cgroup v1) or drop the limit");
      }
    }
    String name = nextRunName();
    Map<String, Path> dirs = new LinkedHashMap<>();
    Run run = new Run(dirs);
    return createOrDestroy(run, name, () -> {
      for (String controller : needed) {
        CgroupLayout.Hierarchy h = hierarchies.get(controller);
        if (h != null && !dirs.containsKey(h.mountPoint)) {
          Path dir = parents.get(h.mountPoint).resolve(name);
          Files.createDirectory(dir);
          dirs.put(h.mountPoint, dir);
        }
      }
      writeLimits(run, limits);
    });
  }

  private static boolean required(String controller, ResourceLimits limits) {
    switch (controller) {
      case "memory":
        return limits.memory().isPresent() || limits.memorySoft().isPresent();
      case "cpu":
        return limits.cpuQuota().isPresent();
      case "cpuset":
        return limits.cpus().isPresent() || limits.memoryNodes().isPresent();
      case "pids":
        return limits.pids().isPresent();
      case "blkio":
        return !limits.io().isEmpty();
      case "cpuacct":
        return limits.cpuTime().isPresent();
      default:
        return false;
    }
  }

  private void writeLimits(Run run, ResourceLimits limits) throws IOException, SandboxLaunchException {
    Path memory = run.dir("memory");
    if (limits.memory().isPresent()) {
      long bytes = limits.memory().get().toBytes();
      CgroupFiles.write(memory.resolve("memory.limit_in_bytes"), Long.toString(bytes), "");
      Path memsw = memory.resolve("memory.memsw.limit_in_bytes");
      if (Files.exists(memsw)) {
        CgroupFiles.write(memsw, Long.toString(bytes + limits.swap().toBytes()), "");
      } else if (hostHasSwap()) {
        throw new SandboxLaunchException("cgroup", memsw.toString(), 2, "ENOENT",
            "the host has swap but no swap accounting, so the sandbox's swap cannot be limited: boot with "
                + "swapaccount=1, or turn swap off");
      }
    }
    if (limits.memorySoft().isPresent()) {
      CgroupFiles.write(memory.resolve("memory.soft_limit_in_bytes"),
          Long.toString(limits.memorySoft().get().toBytes()), "");
    }
    if (limits.cpuQuota().isPresent()) {
      Path cpu = run.dir("cpu");
      CgroupFiles.write(cpu.resolve("cpu.cfs_period_us"), Long.toString(micros(limits.cpuPeriod().get())), "");
      CgroupFiles.write(cpu.resolve("cpu.cfs_quota_us"), Long.toString(micros(limits.cpuQuota().get())), "");
    }
    Path cpuset = run.dirOrNull("cpuset");
    if (cpuset != null) {
      Path parent = cpuset.getParent();
      CgroupFiles.write(cpuset.resolve("cpuset.cpus"), limits.cpus().map(OnlineCpus::format)
          .orElse(CgroupFiles.read(parent.resolve("cpuset.cpus"))), "name CPUs of the parent cgroup " + parent);
      CgroupFiles.write(cpuset.resolve("cpuset.mems"), limits.memoryNodes().map(OnlineCpus::format)
          .orElse(CgroupFiles.read(parent.resolve("cpuset.mems"))), "name memory nodes of the parent cgroup " + parent);
    }
    if (limits.pids().isPresent()) {
      CgroupFiles.write(run.dir("pids").resolve("pids.max"), Integer.toString(limits.pids().getAsInt()), "");
    }
    for (IoThrottle t : limits.io()) {
      String file;
      switch (t.kind()) {
        case READ_BYTES_PER_SECOND: file = "blkio.throttle.read_bps_device"; break;
        case WRITE_BYTES_PER_SECOND: file = "blkio.throttle.write_bps_device"; break;
        case READ_IOPS: file = "blkio.throttle.read_iops_device"; break;
        default: file = "blkio.throttle.write_iops_device"; break;
      }
      CgroupFiles.write(run.dir("blkio").resolve(file), t.major() + ":" + t.minor() + " " + t.value(),
          "throttling works on whole disks, not partitions: name the disk (e.g. /dev/vda)");
    }
  }

  private static long micros(java.time.Duration d) {
    return d.toNanos() / 1000;
  }

  private static boolean hostHasSwap() throws IOException {
    return Files.readAllLines(Path.of("/proc/swaps")).size() > 1;
  }

  @Override
  double parallelism(ResourceLimits limits) {
    double cpus = onlineCpus();
    if (limits.cpus().isPresent()) {
      cpus = Math.min(cpus, limits.cpus().get().size());
    } else if (hierarchies.containsKey("cpuset")) {
      try {
        Path parent = parents.get(hierarchies.get("cpuset").mountPoint);
        cpus = Math.min(cpus, OnlineCpus.parse(CgroupFiles.read(parent.resolve("cpuset.cpus"))).size());
      } catch (IOException | RuntimeException e) {
        // the online count stands
      }
    }
    if (limits.cpuQuota().isPresent()) {
      cpus = Math.min(cpus, (double) limits.cpuQuota().get().toNanos() / limits.cpuPeriod().get().toNanos());
    }
    return cpus;
  }

  private void killAndRemove(Path run) {
    String name = run.getFileName().toString();
    Map<String, Path> dirs = new LinkedHashMap<>();
    for (Map.Entry<String, Path> e : parents.entrySet()) {
      Path dir = e.getValue().resolve(name);
      if (Files.isDirectory(dir)) {
        dirs.put(e.getKey(), dir);
      }
    }
    new Run(dirs).destroyQuietly();
  }

  /**
   * User and system CPU time, precise in sum. {@code cpuacct.usage} is the scheduler's
   * exact runtime, but {@code usage_user} and {@code usage_sys} are sampled at each tick
   * (4 ms steps at HZ=250); the exact total is split in their ratio, as the kernel's
   * cputime_adjust does for cgroup v2's {@code cpu.stat}.
   */
  private static long[] preciseCpuNanos(Path cpuacct) throws IOException {
    long total = CgroupFiles.readLong(cpuacct.resolve("cpuacct.usage")).orElse(0);
    long user = CgroupFiles.readLong(cpuacct.resolve("cpuacct.usage_user")).orElse(0);
    long system = CgroupFiles.readLong(cpuacct.resolve("cpuacct.usage_sys")).orElse(0);
    long userPart = user + system == 0 ? total : (long) ((double) total * user / (user + system));
    return new long[] {userPart, total - userPart};
  }

  /**
   * A v1 run's view readings, without its tasks: memory from the memory hierarchy
   * ({@code usage_in_bytes}, the hierarchical {@code total_*} keys and limits of
   * {@code memory.stat}, whose {@code total_swap} is the swap in use), CPU time from cpuacct
   * (per CPU from {@code usage_percpu}).
   */
  static ProcViewReadings readViewReadings(Path memory, Path cpuacct) throws IOException {
    Map<String, Long> stat = CgroupFiles.readFlatKeyed(memory.resolve("memory.stat"));
    OptionalLong memoryLimit = ProcViewReadings.limit(stat.getOrDefault("hierarchical_memory_limit",
        CgroupFiles.readLong(memory.resolve("memory.limit_in_bytes")).orElse(Long.MAX_VALUE)));
    OptionalLong memswLimit = ProcViewReadings.limit(stat.getOrDefault("hierarchical_memsw_limit", Long.MAX_VALUE));
    long[] cpu = preciseCpuNanos(cpuacct);
    ProcViewReadings.Builder readings = ProcViewReadings.builder()
        .memoryUsageBytes(CgroupFiles.readLong(memory.resolve("memory.usage_in_bytes")).orElse(0))
        .memoryLimitBytes(memoryLimit)
        .memoryStat(ProcViewReadings.memoryStat(1, stat))
        .swapUsageBytes(Math.max(0, stat.getOrDefault("total_swap", stat.getOrDefault("swap", 0L))))
        .swapLimitBytes(swapLimit(memoryLimit, memswLimit))
        .cpuNanos(cpu[0], cpu[1]);
    try {
      String[] perCpu = CgroupFiles.read(cpuacct.resolve("cpuacct.usage_percpu")).split("\\s+");
      for (int i = 0; i < perCpu.length; i++) {
        if (!perCpu[i].isEmpty()) {
          readings.cpuUsageNanos(i, Long.parseLong(perCpu[i]));
        }
      }
    } catch (NoSuchFileException | NumberFormatException noPerCpuAccount) {
      // the even spread stands
    }
    return readings.build();
  }

  /**
   * The swap a memsw limit leaves: memsw bounds memory and swap together, so what it allows
   * beyond the memory limit is swap. Without a memory limit in force nothing of it is swap
   * in particular (memory may take it all): no swap limit then, only the memsw bound on
   * both, which the view does not show.
   */
  static OptionalLong swapLimit(OptionalLong memoryLimit, OptionalLong memswLimit) {
    if (memswLimit.isEmpty() || memoryLimit.isEmpty()) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Math.max(0, memswLimit.getAsLong() - memoryLimit.getAsLong()));
  }

  /** One run's directories, keyed by the mount point of their hierarchy. */
  private final class Run implements RunCgroup {
    private final Map<String, Path> dirs;

    Run(Map<String, Path> dirs) {
      this.dirs = dirs;
    }

    Path dir(String controller) {
      Path dir = dirOrNull(controller);
      if (dir == null) {
        throw new IllegalStateException("no " + controller + " cgroup in this run");
      }
      return dir;
    }

    Path dirOrNull(String controller) {
      CgroupLayout.Hierarchy h = hierarchies.get(controller);
      return h == null ? null : dirs.get(h.mountPoint);
    }

    @Override
    public int version() {
      return 1;
    }

    @Override
    public List<Path> directories() {
      return List.copyOf(dirs.values());
    }

    /** The mount point's last component: "memory", or "cpu,cpuacct" where controllers share one. */
    @Override
    public List<String> hierarchyNames() {
      List<String> names = new ArrayList<>();
      for (String mountPoint : dirs.keySet()) {
        Path name = Path.of(mountPoint).getFileName();
        names.add(name == null ? "" : name.toString());
      }
      return List.copyOf(names);
    }

    @Override
    public Path cpuUsageFile() {
      return dir("cpuacct").resolve("cpuacct.usage");
    }

    @Override
    public int cpuUsageFormat() {
      return 1;
    }

    @Override
    public ResourceUsage usage() throws IOException {
      Path memory = dir("memory");
      Path cpuacct = dir("cpuacct");
      long[] cpu = preciseCpuNanos(cpuacct);
      ResourceUsage.Builder usage = ResourceUsage.builder()
          .cpuUserMicros(cpu[0] / 1000)
          .cpuSystemMicros(cpu[1] / 1000)
          .memoryBytes(CgroupFiles.readLong(memory.resolve("memory.usage_in_bytes")).orElse(0))
          .peakMemoryBytes(CgroupFiles.readLong(memory.resolve("memory.max_usage_in_bytes")).orElse(0))
          .oomKills(CgroupFiles.readKey(memory.resolve("memory.oom_control"), "oom_kill"));
      Path pids = dirOrNull("pids");
      if (pids != null) {
        usage.pids(CgroupFiles.readLong(pids.resolve("pids.current")).orElse(0))
            .pidsLimitHits(CgroupFiles.readKey(pids.resolve("pids.events"), "max"));
        CgroupFiles.readLong(pids.resolve("pids.peak")).ifPresent(usage::pidsPeak);
      }
      Path blkio = dirOrNull("blkio");
      if (blkio != null) {
        long[] rw = ioBytes(blkio.resolve("blkio.throttle.io_service_bytes_recursive"));
        usage.ioReadBytes(rw[0]).ioWriteBytes(rw[1]);
      }
      return usage.build();
    }

    @Override
    public ProcViewReadings viewReadings() throws IOException {
      return readViewReadings(dir("memory"), dir("cpuacct"));
    }

    @Override
    public ProcViewReadings.Tasks viewTasks() throws IOException {
      return CgroupFiles.readTasks(dir("memory").resolve("tasks"), Path.of("/proc"));
    }

    /** Sums the "MAJ:MIN Read N" and "MAJ:MIN Write N" lines over all devices. */
    private long[] ioBytes(Path file) throws IOException {
      long[] rw = new long[2];
      try {
        for (String line : Files.readAllLines(file)) {
          String[] parts = line.trim().split("\\s+");
          if (parts.length == 3 && parts[1].equals("Read")) {
            rw[0] += Long.parseLong(parts[2]);
          } else if (parts.length == 3 && parts[1].equals("Write")) {
            rw[1] += Long.parseLong(parts[2]);
          }
        }
      } catch (NoSuchFileException absent) {
        // an old kernel without the recursive file: no I/O account
      }
      return rw;
    }

    /**
     * Freezes the cgroup so no process can fork while the list is read, SIGKILLs every
     * process in it, thaws it so the kills take effect, waits until it is empty, removes it.
     */
    @Override
    public void destroy() throws IOException, InterruptedException {
      Path memory = dirOrNull("memory");
      Path procs = memory != null ? memory.resolve("cgroup.procs") : null;
      if (procs != null && !CgroupFiles.empty(procs)) {
        Path freezer = dirOrNull("freezer");
        if (freezer != null) {
          CgroupFiles.tryWrite(freezer.resolve("freezer.state"), "FROZEN");
          for (int i = 0; i < 1000 && !CgroupFiles.read(freezer.resolve("freezer.state")).equals("FROZEN"); i++) {
            Thread.sleep(1);
          }
        }
        CgroupFiles.killAll(procs);
        if (freezer != null) {
          CgroupFiles.tryWrite(freezer.resolve("freezer.state"), "THAWED");
        }
        for (int i = 0; i < 5000 && !CgroupFiles.empty(procs); i++) {
          CgroupFiles.killAll(procs); // without a freezer a fork may have slipped through
          Thread.sleep(1);
        }
      }
      List<Path> left = new ArrayList<>();
      for (Path dir : dirs.values()) {
        if (!CgroupFiles.remove(dir)) {
          left.add(dir);
        }
      }
      if (!left.isEmpty()) {
        throw new IOException("cannot remove run cgroups " + left + ": still busy");
      }
    }
  }
}
