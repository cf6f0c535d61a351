package org.sandbox4j.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
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

  private final Path parent;
  private final Set<String> enabled;

  CgroupV2Driver(String mountPoint, String ownPath, String parentOverride) throws SandboxLaunchException {
    String inside = parentOverride != null ? parentOverride : (ownPath.equals("/") ? "" : ownPath) + "/" + PARENT_NAME;
    this.parent = Path.of(mountPoint + inside);
    Path grandparent = parent.getParent();
    try {
      Set<String> available = new TreeSet<>(List.of(CgroupFiles.read(grandparent.resolve("cgroup.controllers")).split(" ")));
      available.retainAll(WANTED);
      enable(grandparent, available);
      Files.createDirectories(parent);
      enable(parent, available);
      requireWritable(parent);
      this.enabled = Set.copyOf(available);
    } catch (IOException e) {
      throw new SandboxLaunchException("cgroup", parent.toString(), 0, "",
          "cannot create the parent cgroup (" + e.getMessage() + "); run as root, or set -D" + PARENT_PROPERTY
              + " to a cgroup delegated to this user");
    }
    reapStale(parent, run -> new Run(run).destroyQuietly());
  }

  /** Enables controllers for the children of {@code cgroup}; already enabled ones are kept. */
  private static void enable(Path cgroup, Set<String> controllers) throws IOException, SandboxLaunchException {
    if (controllers.isEmpty()) {
      return;
    }
    Set<String> present = Set.of(CgroupFiles.read(cgroup.resolve("cgroup.subtree_control")).split(" "));
    StringBuilder missing = new StringBuilder();
    for (String c : controllers) {
      if (!present.contains(c)) {
        missing.append(missing.length() == 0 ? "" : " ").append('+').append(c);
      }
    }
    if (missing.length() > 0) {
      CgroupFiles.write(cgroup.resolve("cgroup.subtree_control"), missing.toString(),
          "a cgroup with processes cannot give controllers to children (cgroup v2's no-internal-process rule): "
              + "start the JVM in a leaf cgroup, or set -D" + PARENT_PROPERTY + " to an empty delegated cgroup");
    }
  }

  @Override
  String describe() {
    return "cgroup v2: " + parent + " " + enabled;
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
