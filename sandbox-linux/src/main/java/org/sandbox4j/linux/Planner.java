package org.sandbox4j.linux;

import static org.sandbox4j.MountStep.Flag.CREATE_TARGET;
import static org.sandbox4j.MountStep.Flag.NODEV;
import static org.sandbox4j.MountStep.Flag.NOEXEC;
import static org.sandbox4j.MountStep.Flag.NOSUID;
import static org.sandbox4j.MountStep.Flag.READ_ONLY;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.sandbox4j.Access;
import org.sandbox4j.DataSize;
import org.sandbox4j.IdMapping;
import org.sandbox4j.LaunchPlan;
import org.sandbox4j.Mount;
import org.sandbox4j.MountStep;
import org.sandbox4j.MountStep.Flag;
import org.sandbox4j.MountStep.Op;
import org.sandbox4j.Namespace;
import org.sandbox4j.ProcView;
import org.sandbox4j.ResourceLimits;
import org.sandbox4j.RootFilesystem;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxCommand;
import org.sandbox4j.SandboxLaunchException;

/**
 * Turns a {@link Sandbox} and one {@link SandboxCommand} into the complete
 * {@link LaunchPlan}: the file system as explicit steps, default id maps, the environment.
 *
 * <p>Creating anything (a mount point, a directory, a link, a file) is only ever planned
 * under a tmpfs the plan itself made: a root directory given by the caller is never
 * modified, so its mount points must exist.
 */
final class Planner {
  /** Host directories that make up the host-derived root; links among them stay links. */
  private static final List<String> HOST_ROOT_DIRECTORIES =
      List.of("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32");
  /**
   * The minimal {@code /etc}: what the dynamic linker, name service and time zone code
   * read, and Debian's alternatives and JDK configuration links. Nothing else of the host's
   * {@code /etc} (no shadow, no host users, no credentials).
   */
  private static final List<String> HOST_ETC_ENTRIES = List.of(
      "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime", "nsswitch.conf", "ssl");
  private static final String HOST_ETC_GLOB = "java-*";
  private static final List<String> DEVICES = List.of("null", "zero", "full", "random", "urandom", "tty");
  /**
   * {@code /proc} files that expose the host (kernel memory, keys of other users, timers and
   * scheduler state of every process) are hidden; directories that change the host (sysctls,
   * the SysRq trigger, interrupts, buses, file systems) are read-only. As runc does.
   */
  private static final List<String> PROC_MASKED = List.of("/proc/kcore", "/proc/keys", "/proc/timer_list",
      "/proc/sched_debug", "/proc/latency_stats", "/proc/acpi", "/proc/scsi", "/proc/asound", "/proc/kmsg");
  private static final List<String> PROC_READ_ONLY = List.of("/proc/sys", "/proc/sysrq-trigger", "/proc/irq",
      "/proc/bus", "/proc/fs");
  private static final DataSize DEV_SIZE = DataSize.ofKibibytes(64);
  private static final DataSize SHM_SIZE = DataSize.ofMebibytes(64);
  private static final DataSize ROOT_TMPFS_SIZE = DataSize.ofMebibytes(1);

  private final List<MountStep> steps = new ArrayList<>();
  /** Targets of the mounts planned so far, and whether each is a tmpfs the plan made. */
  private final List<String> mountTargets = new ArrayList<>();
  private final List<Boolean> mountIsTmpfs = new ArrayList<>();
  /** Host files shared read-only get inodes of their own (overlays); else they are bound. */
  private final boolean privateInodes;
  /** The minimal /dev's nodes are the helper's own, not binds of the host's. */
  private final boolean privateDevices;

  private Planner(boolean privateInodes, boolean privateDevices) {
    this.privateInodes = privateInodes;
    this.privateDevices = privateDevices;
  }

  /** What this host offers a {@link ProcView}; the provider answers from its probes. */
  interface ViewHost {
    /** Why a live view cannot be served here (no FUSE, no run cgroup); empty when it can. */
    Optional<String> liveUnavailableReason();

    /**
     * Why a live view could not be mounted in a sandbox with (or without) a user namespace,
     * found by trying once; asked only before a view is chosen automatically, so that a host
     * whose kernel or policy refuses the FUSE mount falls back to a static view.
     */
    default Optional<String> liveMountFailure(boolean userNamespace) {
      return Optional.empty();
    }

    /**
     * Why sandboxes (with or without a user namespace) cannot get inodes of their own for the
     * host files they share read-only (read-only overlays; device nodes made by the helper
     * when it runs as root of the initial user namespace); empty when they can. Where they
     * cannot, the plan binds the host's files, and locks on them are shared.
     */
    default Optional<String> privateInodesFailure(boolean userNamespace) {
      return Optional.empty();
    }

    /** Whether the helper can make device nodes: it runs as root of the initial user namespace. */
    default boolean privateDeviceNodes() {
      return false;
    }

    /** Whether launches get a run cgroup, without which no cgroup limit is enforced. */
    default boolean runCgroup() {
      return true;
    }

    /** Whether the kernel has time namespaces (Linux 5.6, {@code CONFIG_TIME_NS}). */
    boolean timeNamespaces();

    /** The content of view file {@code name} as a snapshot of an idle sandbox with {@code limits}. */
    String snapshot(String name, ResourceLimits limits);
  }

  /** Files of {@code /proc} a view replaces, by the name the view serves them under. */
  static final List<String> PROC_VIEW_FILES = List.of("meminfo", "cpuinfo", "stat", "uptime", "loadavg", "swaps");
  /** The view file that stands for {@code /sys/devices/system/cpu/{online,possible,present}}. */
  static final String CPUS_VIEW_FILE = "cpus";
  private static final List<String> SYS_CPU_FILES = List.of("online", "possible", "present");
  private static final DataSize SYS_SIZE = DataSize.ofKibibytes(16);

  /** The plan on this host, assuming the run cgroup a live view reads is available. */
  static LaunchPlan plan(Sandbox sandbox, SandboxCommand command, int euid, int egid)
      throws SandboxLaunchException {
    return plan(sandbox, command, euid, egid, HostViewSupport.of(Optional.empty()));
  }

  static LaunchPlan plan(Sandbox sandbox, SandboxCommand command, int euid, int egid, ViewHost viewHost)
      throws SandboxLaunchException {
    ProcView view = procView(sandbox, viewHost);
    Set<Namespace> namespaces = EnumSet.noneOf(Namespace.class);
    namespaces.addAll(sandbox.namespaces());
    if (view != ProcView.OFF) {
      // The view's /sys/fs/cgroup is the root of a cgroup namespace, and its uptime the
      // boot clock of a time namespace, so that process start times inside agree with it.
      addUnlessShared(sandbox, namespaces, Namespace.CGROUP);
      if (viewHost.timeNamespaces()) {
        addUnlessShared(sandbox, namespaces, Namespace.TIME);
      }
    }
    if (namespaces.contains(Namespace.TIME) && !viewHost.timeNamespaces()) {
      throw new SandboxLaunchException("time namespace", "/proc/self/ns/time", 22, "EINVAL",
          "this kernel has no time namespaces (needs Linux 5.6 with CONFIG_TIME_NS): share it with "
              + "shareNamespace(Namespace.TIME)");
    }
    LaunchPlan.Builder plan = LaunchPlan.builder()
        .namespaces(namespaces)
        .procView(view)
        .command(command.command())
        .workingDirectory(command.directory().orElse(sandbox.workingDirectory()))
        .stdio(command.stdin(), command.stdout(), command.stderr(), command.redirectErrorStream())
        .limits(sandbox.limits())
        .keptCapabilities(sandbox.keptCapabilities());
    sandbox.seccomp().ifPresent(plan::seccomp);
    command.environment().forEach((name, value) -> plan.environmentEntry(name + "=" + value));
    sandbox.hostname().ifPresent(plan::hostname);
    sandbox.wallTimeLimit().ifPresent(plan::wallTimeLimit);
    if (sandbox.runAsUid().isPresent()) {
      plan.runAs(sandbox.runAsUid().getAsLong(), sandbox.runAsGid().getAsLong());
    }
    if (sandbox.namespaces().contains(Namespace.USER)) {
      if (sandbox.uidMappings().isEmpty()) {
        // One id: the program's (0 unless runAs says otherwise) is the caller outside.
        plan.uidMapping(IdMapping.of(sandbox.runAsUid().orElse(0), Integer.toUnsignedLong(euid), 1));
        plan.gidMapping(IdMapping.of(sandbox.runAsGid().orElse(0), Integer.toUnsignedLong(egid), 1));
      } else {
        sandbox.uidMappings().forEach(plan::uidMapping);
        sandbox.gidMappings().forEach(plan::gidMapping);
      }
    }
    if (sandbox.rootFilesystem().isPresent()) {
      boolean privateInodes =
          viewHost.privateInodesFailure(sandbox.namespaces().contains(Namespace.USER)).isEmpty();
      Planner planner = new Planner(privateInodes, privateInodes && viewHost.privateDeviceNodes());
      planner.fileSystem(sandbox, view, viewHost);
      planner.steps.forEach(plan::mountStep);
    }
    return plan.build();
  }

  /**
   * The view a run gets: the one asked for, or automatically a live one (static where the
   * host cannot serve it) for a sandbox with its own /proc and limits that shape the machine.
   */
  private static ProcView procView(Sandbox sandbox, ViewHost host) throws SandboxLaunchException {
    ProcView asked = sandbox.procView().orElse(null);
    if (asked == ProcView.OFF || (asked == null && !(sandbox.mountsProc() && viewLimits(sandbox, host).shapesMachine()))) {
      return ProcView.OFF;
    }
    Optional<String> unavailable = host.liveUnavailableReason();
    if (asked == ProcView.LIVE && unavailable.isPresent()) {
      throw new SandboxLaunchException("proc view", "/dev/fuse", 0, "",
          "the live /proc view cannot be served: " + unavailable.get() + "; or choose procView(ProcView.STATIC)");
    }
    if (asked != null) {
      return asked;
    }
    if (unavailable.isEmpty()) {
      unavailable = host.liveMountFailure(sandbox.namespaces().contains(Namespace.USER));
    }
    return unavailable.isPresent() ? ProcView.STATIC : ProcView.LIVE;
  }

  /**
   * The limits a view shows: those the run will have. A run the caller let go without the
   * limits this host cannot enforce (no run cgroup) must not show them as if they held.
   */
  private static ResourceLimits viewLimits(Sandbox sandbox, ViewHost host) {
    ResourceLimits limits = sandbox.limits();
    return !host.runCgroup() && limits.unenforcedAllowed() ? limits.withoutCgroupLimits() : limits;
  }

  private static void addUnlessShared(Sandbox sandbox, Set<Namespace> namespaces, Namespace namespace) {
    if (!sandbox.sharedNamespaces().contains(namespace)) {
      namespaces.add(namespace);
    }
  }

  private void fileSystem(Sandbox sandbox, ProcView view, ViewHost viewHost) throws SandboxLaunchException {
    RootFilesystem root = sandbox.rootFilesystem().orElseThrow();
    if (root.kind() == RootFilesystem.Kind.DIRECTORY) {
      Path directory = root.directory().orElseThrow();
      if (!Files.isDirectory(directory)) {
        throw new SandboxLaunchException("rootfs", directory.toString(), 2, "ENOENT",
            "the root file system directory does not exist on the host");
      }
      Set<Flag> flags = EnumSet.of(NOSUID, NODEV);
      if (root.access() == Access.READ_ONLY) {
        flags.add(READ_ONLY);
      }
      mount(root.access() == Access.READ_ONLY && privateInodes ? Op.ROOT_OVERLAY : Op.ROOT_BIND,
          directory.toString(), "/", flags, 0, 0);
    } else {
      mount(Op.ROOT_TMPFS, "", "/", EnumSet.of(READ_ONLY, NOSUID, NODEV), 0755, ROOT_TMPFS_SIZE.toBytes());
      hostDerivedRoot(sandbox);
    }
    if (sandbox.mountsProc()) {
      mount(Op.PROC, "", "/proc", EnumSet.noneOf(Flag.class), 0, 0);
      for (String path : PROC_MASKED) {
        steps.add(MountStep.of(Op.MASK, "", path, EnumSet.noneOf(Flag.class), 0, 0));
      }
      for (String path : PROC_READ_ONLY) {
        steps.add(MountStep.of(Op.READONLY_PATH, "", path, EnumSet.noneOf(Flag.class), 0, 0));
      }
    }
    if (view != ProcView.OFF) {
      procView(sandbox, view, viewHost);
    }
    if (sandbox.mountsDev()) {
      minimalDev();
    }
    if (sandbox.tmpSize().isPresent()) {
      mount(Op.TMPFS, "", "/tmp", EnumSet.of(NOSUID, NODEV), 01777, sandbox.tmpSize().get().toBytes());
    }
    for (Mount m : sandbox.mounts()) {
      if (m.kind() == Mount.Kind.TMPFS) {
        mount(Op.TMPFS, "", m.target(), EnumSet.of(NOSUID, NODEV), 01777, m.size().orElseThrow().toBytes());
      } else {
        Path source = m.source().orElseThrow();
        if (!Files.exists(source)) {
          throw new SandboxLaunchException("bind", m.target(), 2, "ENOENT",
              "the source " + source + " does not exist on the host");
        }
        Set<Flag> flags = EnumSet.of(NOSUID, NODEV);
        if (m.access() == Access.READ_ONLY) {
          flags.add(READ_ONLY);
        }
        // Writable binds share the host's files by the caller's choice: they stay binds.
        mount(m.access() == Access.READ_ONLY ? readOnlyOp(source) : Op.BIND, source.toString(), m.target(), flags,
            0, 0);
      }
    }
  }

  private void hostDerivedRoot(Sandbox sandbox) throws SandboxLaunchException {
    for (String name : HOST_ROOT_DIRECTORIES) {
      hostEntry(Path.of(name), name);
    }
    create(Op.DIR, "", "/etc", 0755);
    for (String name : HOST_ETC_ENTRIES) {
      hostEntry(Path.of("/etc", name), "/etc/" + name);
    }
    try (DirectoryStream<Path> java = Files.newDirectoryStream(Path.of("/etc"), HOST_ETC_GLOB)) {
      for (Path entry : java) {
        hostEntry(entry, entry.toString());
      }
    } catch (IOException e) {
      throw new SandboxLaunchException("host root", "/etc", 0, "", e.toString(), e);
    }
    long uid = sandbox.runAsUid().orElse(0);
    long gid = sandbox.runAsGid().orElse(0);
    StringBuilder passwd = new StringBuilder("root:x:0:0:root:/root:/bin/sh\n");
    StringBuilder group = new StringBuilder("root:x:0:\n");
    if (uid != 0 && uid != 65534) {
      passwd.append("sandbox:x:").append(uid).append(':').append(gid).append(":sandbox:/tmp:/bin/sh\n");
    }
    if (gid != 0 && gid != 65534) {
      group.append("sandbox:x:").append(gid).append(":\n");
    }
    passwd.append("nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
    group.append("nogroup:x:65534:\n");
    create(Op.FILE, passwd.toString(), "/etc/passwd", 0644);
    create(Op.FILE, group.toString(), "/etc/group", 0644);
    String hostname = sandbox.hostname().orElse("localhost");
    create(Op.FILE, "127.0.0.1\tlocalhost " + hostname + "\n::1\tlocalhost ip6-localhost ip6-loopback\n",
        "/etc/hosts", 0644);
    if (sandbox.hostname().isPresent()) {
      create(Op.FILE, hostname + "\n", "/etc/hostname", 0644);
    }
  }

  /** A host file, directory or link at the same place inside: links are re-created, never followed. */
  private void hostEntry(Path host, String target) throws SandboxLaunchException {
    try {
      if (Files.isSymbolicLink(host)) {
        create(Op.SYMLINK, Files.readSymbolicLink(host).toString(), target, 0);
      } else if (Files.exists(host, LinkOption.NOFOLLOW_LINKS)) {
        mount(readOnlyOp(host), host.toString(), target, EnumSet.of(READ_ONLY, NOSUID, NODEV), 0, 0);
      }
    } catch (IOException e) {
      throw new SandboxLaunchException("host root", target, 0, "", e.toString(), e);
    }
  }

  /**
   * How a host path is shown read-only: a directory or regular file as an overlay (inodes
   * of the sandbox's own) where the host allows it, anything else (devices, sockets) bound.
   */
  private Op readOnlyOp(Path host) {
    boolean plain = Files.isDirectory(host) || Files.isRegularFile(host);
    return privateInodes && plain ? Op.OVERLAY : Op.BIND;
  }

  /**
   * The view's files over /proc's, and a small read-only /sys with only what the view
   * shows: the CPU lists glibc's sysconf reads and the run's cgroup. A caller's directory
   * root gets the /sys part only where it has a /sys directory to mount it on.
   */
  private void procView(Sandbox sandbox, ProcView view, ViewHost viewHost) throws SandboxLaunchException {
    boolean uptimeFromClock = view == ProcView.STATIC && viewHost.timeNamespaces()
        && !sandbox.sharedNamespaces().contains(Namespace.TIME);
    for (String name : PROC_VIEW_FILES) {
      if (!(uptimeFromClock && name.equals("uptime"))) { // the time namespace's own uptime is live
        viewFile(view, name, "/proc/" + name, sandbox, viewHost);
      }
    }
    RootFilesystem root = sandbox.rootFilesystem().orElseThrow();
    boolean sysMountPoint = root.kind() != RootFilesystem.Kind.DIRECTORY
        || Files.isDirectory(root.directory().orElseThrow().resolve("sys"), LinkOption.NOFOLLOW_LINKS);
    boolean callerUsesSys = sandbox.mounts().stream()
        .anyMatch(m -> m.target().equals("/sys") || m.target().startsWith("/sys/"));
    if (!sysMountPoint || callerUsesSys) {
      return;
    }
    mount(Op.TMPFS, "", "/sys", EnumSet.of(READ_ONLY, NOSUID, NODEV, NOEXEC), 0555, SYS_SIZE.toBytes());
    create(Op.DIR, "", "/sys/devices", 0555);
    create(Op.DIR, "", "/sys/devices/system", 0555);
    create(Op.DIR, "", "/sys/devices/system/cpu", 0555);
    for (String name : SYS_CPU_FILES) {
      viewFile(view, CPUS_VIEW_FILE, "/sys/devices/system/cpu/" + name, sandbox, viewHost);
    }
    create(Op.DIR, "", "/sys/fs", 0555);
    create(Op.DIR, "", "/sys/fs/cgroup", 0555);
    steps.add(MountStep.of(Op.CGROUP_VIEW, "", "/sys/fs/cgroup", EnumSet.noneOf(Flag.class), 0, 0));
  }

  private void viewFile(ProcView view, String name, String target, Sandbox sandbox, ViewHost viewHost)
      throws SandboxLaunchException {
    Set<Flag> flags = EnumSet.of(READ_ONLY, NOSUID, NODEV, NOEXEC);
    if (view == ProcView.LIVE) {
      mount(Op.VIEW_LIVE, name, target, flags, 0, 0);
    } else {
      mount(Op.VIEW_SNAPSHOT, viewHost.snapshot(name, viewLimits(sandbox, viewHost)), target, flags, 0, 0); // 0444
    }
  }

  private void minimalDev() throws SandboxLaunchException {
    mount(Op.TMPFS, "", "/dev", EnumSet.of(NOSUID, NOEXEC), 0755, DEV_SIZE.toBytes());
    for (String device : DEVICES) {
      mount(privateDevices ? Op.DEVICE : Op.BIND, "/dev/" + device, "/dev/" + device, EnumSet.of(NOSUID, NOEXEC),
          0, 0);
    }
    create(Op.SYMLINK, "/proc/self/fd", "/dev/fd", 0);
    create(Op.SYMLINK, "/proc/self/fd/0", "/dev/stdin", 0);
    create(Op.SYMLINK, "/proc/self/fd/1", "/dev/stdout", 0);
    create(Op.SYMLINK, "/proc/self/fd/2", "/dev/stderr", 0);
    mount(Op.TMPFS, "", "/dev/shm", EnumSet.of(NOSUID, NODEV, NOEXEC), 01777, SHM_SIZE.toBytes());
  }

  private void mount(Op op, String source, String target, Set<Flag> flags, int mode, long size)
      throws SandboxLaunchException {
    Set<Flag> all = EnumSet.noneOf(Flag.class);
    all.addAll(flags);
    if (!target.equals("/") && underPlannedTmpfs(target)) {
      all.add(CREATE_TARGET);
    }
    steps.add(MountStep.of(op, source, target, all, mode, size));
    mountTargets.add(target);
    mountIsTmpfs.add(op == Op.TMPFS || op == Op.ROOT_TMPFS);
  }

  private void create(Op op, String source, String target, int mode) throws SandboxLaunchException {
    if (!underPlannedTmpfs(target)) {
      // Never planned by the code above; a guard against writing into a caller's directory.
      throw new SandboxLaunchException("plan", target, 0, "", "refusing to create a file outside a tmpfs");
    }
    steps.add(MountStep.of(op, source, target, EnumSet.of(CREATE_TARGET), mode, 0));
  }

  /** Whether the mount nearest above {@code target} is a tmpfs this plan made. */
  private boolean underPlannedTmpfs(String target) {
    int best = -1;
    for (int i = 0; i < mountTargets.size(); i++) {
      String t = mountTargets.get(i);
      boolean above = t.equals("/") || target.startsWith(t + "/");
      if (above && (best < 0 || t.length() >= mountTargets.get(best).length())) {
        best = i;
      }
    }
    return best >= 0 && mountIsTmpfs.get(best);
  }
}
