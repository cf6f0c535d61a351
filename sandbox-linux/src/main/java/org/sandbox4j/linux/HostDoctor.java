package org.sandbox4j.linux;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.sandbox4j.HostReport;
import org.sandbox4j.HostReport.Check;
import org.sandbox4j.HostReport.Status;
import org.sandbox4j.LaunchPlan;
import org.sandbox4j.Namespace;
import org.sandbox4j.ResourceUsage;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxLaunchException;
import org.sandbox4j.SandboxResult;
import org.sandbox4j.Termination;

/**
 * {@link LinuxSandboxProvider#doctor()}: what this host offers sandboxes, for this user,
 * checked now. Namespaces and the run cgroup are proven by launching the real helper (a
 * sandbox running {@value #PROBE_PROGRAM}), cgroup controllers by creating a cgroup where
 * run cgroups go; the rest is read from {@code /proc} and the kernel version. Single use.
 */
final class HostDoctor {
  /** Loads what the provider would use; its exception is the reason there is none. */
  interface Source<T> {
    T get() throws SandboxLaunchException;
  }

  static final String PROBE_PROGRAM = "/bin/true";
  /** A probe normally answers in milliseconds; beyond this the host is too sick to wait for. */
  private static final long PROBE_TIMEOUT_MILLIS = 2000;
  private static final List<String> V1_CONTROLLERS =
      List.of("memory", "cpu", "cpuacct", "cpuset", "pids", "blkio", "freezer");
  private static final List<String> V2_CONTROLLERS = List.of("cpu", "cpuset", "io", "memory", "pids");
  private static final String USERNS_REMEDY = "kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0"
      + " / AppArmor: kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor profile allowing userns";
  private static final String DELEGATION_REMEDY = CgroupDriver.DELEGATION_REMEDY;

  private final Source<HelperBinary> helperSource;
  private final Source<CgroupDriver> cgroupSource;
  private final List<Check> checks = new ArrayList<>();
  private final int euid = LibC.INSTANCE.geteuid();
  private final int egid = LibC.INSTANCE.getegid();
  private final boolean root = euid == 0;
  /** Found by the cgroup checks, for the kernel checks: the driver's version and v1's memory parent. */
  private boolean cgroupV2;
  private Path memoryParent;

  HostDoctor(Source<HelperBinary> helper, Source<CgroupDriver> cgroups) {
    this.helperSource = helper;
    this.cgroupSource = cgroups;
  }

  HostReport report() {
    HelperBinary helper = null;
    SandboxLaunchException helperFailure = null;
    try {
      helper = helperSource.get();
    } catch (SandboxLaunchException e) {
      helperFailure = e;
    }
    namespaces(helper, helperFailure);
    cgroups(helper);
    kernel(helper, helperFailure);
    restrictions();
    return new HostReport(checks);
  }

  private void add(String name, Status status, String detail, String remedy) {
    checks.add(new Check(name, status, detail, status == Status.PASS || status == Status.INFO ? "" : remedy));
  }

  // ---------- namespaces ----------

  /**
   * One sandbox with every namespace first: when it runs, each namespace is proven at once.
   * Only when it fails is each namespace tried alone, to say which one the host refuses.
   */
  private void namespaces(HelperBinary helper, SandboxLaunchException helperFailure) {
    if (helper == null) {
      for (Namespace ns : Namespace.values()) {
        add(nsCheckName(ns), Status.FAIL, "not tried: the helper cannot be loaded (" + helperFailure.getMessage() + ")",
            helperRemedy());
      }
      return;
    }
    Probe all = probe(Sandbox.builder().allNamespaces().withoutSeccomp().build(), helper, null);
    for (Namespace ns : Namespace.values()) {
      if (all.ok()) {
        add(nsCheckName(ns), Status.PASS, "created for uid " + euid + " (a sandbox with every namespace ran "
            + PROBE_PROGRAM + ")", "");
        continue;
      }
      // Without root every namespace but the user namespace needs a user namespace around it.
      Sandbox.Builder one = Sandbox.builder().namespace(ns).withoutSeccomp();
      boolean withUser = !root && ns != Namespace.USER;
      if (withUser) {
        one.namespace(Namespace.USER);
      }
      Probe alone = probe(one.build(), helper, null);
      if (alone.ok()) {
        add(nsCheckName(ns), Status.PASS, "created for uid " + euid + (withUser ? " inside a user namespace" : "")
            + " (alone; a sandbox with every namespace failed: " + all.why() + ")", "");
      } else {
        add(nsCheckName(ns), Status.FAIL, alone.why(), namespaceRemedy(ns));
      }
    }
  }

  private static String nsCheckName(Namespace ns) {
    return "namespace " + ns.name().toLowerCase(Locale.ROOT);
  }

  private String namespaceRemedy(Namespace ns) {
    String procName = procNsName(ns);
    if (!Files.exists(Path.of("/proc/self/ns", procName))) {
      return "this kernel has no " + ns.title() + "s (/proc/self/ns/" + procName + " is missing): boot a kernel built"
          + " with CONFIG_" + (ns == Namespace.CGROUP ? "CGROUPS" : procName.toUpperCase(Locale.ROOT) + "_NS");
    }
    if (ns == Namespace.USER) {
      List<String> found = userNamespaceRestrictions();
      return found.isEmpty() ? USERNS_REMEDY : String.join(" / ", found);
    }
    if (!root) {
      return "without root this namespace is created inside a user namespace: see namespace user";
    }
    return "a container's seccomp profile or missing CAP_SYS_ADMIN refuses new namespaces: run it with"
        + " --security-opt seccomp=unconfined and --cap-add SYS_ADMIN (or --privileged)";
  }

  private static String procNsName(Namespace ns) {
    switch (ns) {
      case MOUNT:
        return "mnt";
      case NETWORK:
        return "net";
      default:
        return ns.name().toLowerCase(Locale.ROOT);
    }
  }

  /** The remedies for what this host does to block user namespaces, as found now. */
  private List<String> userNamespaceRestrictions() {
    List<String> found = new ArrayList<>();
    if (!root && "1".equals(sysctl("kernel/apparmor_restrict_unprivileged_userns").orElse(""))) {
      found.add("AppArmor: sysctl kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile for java"
          + " with \"userns,\"");
    }
    if ("0".equals(sysctl("user/max_user_namespaces").orElse(""))) {
      found.add("sysctl user.max_user_namespaces=15000 (0 allows none)");
    }
    if (!root && "0".equals(sysctl("kernel/unprivileged_userns_clone").orElse(""))) {
      found.add("sysctl kernel.unprivileged_userns_clone=1");
    }
    return found;
  }

  // ---------- cgroups ----------

  private void cgroups(HelperBinary helper) {
    List<String> mountinfo;
    CgroupLayout layout;
    try {
      mountinfo = Files.readAllLines(Path.of("/proc/self/mountinfo"));
      layout = CgroupLayout.parse(mountinfo, Files.readAllLines(Path.of("/proc/self/cgroup")));
    } catch (IOException e) {
      add("cgroup mode", Status.FAIL, "cannot read the cgroup layout: " + e, "mount /proc");
      return;
    }
    CgroupDriver driver = null;
    SandboxLaunchException driverFailure = null;
    try {
      driver = cgroupSource.get();
    } catch (SandboxLaunchException e) {
      driverFailure = e;
    }
    // The rule of CgroupDriver.detect: v1 wherever the memory controller is bound to v1.
    String forced = System.getProperty(CgroupDriver.VERSION_PROPERTY);
    boolean v2 = driver != null ? driver instanceof CgroupV2Driver
        : "2".equals(forced) || (forced == null && !layout.v1.containsKey("memory"));
    String override = System.getProperty(CgroupDriver.PARENT_PROPERTY);
    cgroupV2 = v2;
    if (!mode(layout, v2, forced)) {
      return;
    }
    Set<String> used = v2 ? Set.of(layout.v2MountPoint.orElse("")) : mountPoints(layout);
    List<String> readOnly = readOnlyMounts(mountinfo, used);
    if (readOnly.isEmpty()) {
      add("cgroupfs writable", Status.PASS, "the " + used.size() + " cgroup mount(s) sandbox4j uses are read-write",
          "");
    } else {
      add("cgroupfs writable", Status.FAIL, "mounted read-only (mount option ro): " + String.join(", ", readOnly)
          + "; no run cgroup can be created", readOnlyRemedy());
    }
    String remedy = readOnly.isEmpty() ? driverRemedy(override) : readOnlyRemedy();
    // A driver is only as good as a run in its cgroup: it also comes up where its parent
    // cgroups exist (made by root earlier) but this user may create nothing under them.
    Probe run = driver != null && helper != null
        ? probe(Sandbox.builder().withoutSeccomp().build(), helper, driver) : null;
    if (driver == null) {
      add("cgroup driver", Status.FAIL, driverFailure.getMessage() + "; limits fail to launch", remedy);
    } else if (run != null && !run.ok()) {
      add("cgroup driver", Status.FAIL, driver.describe() + ": no run cgroup can be made there (see cgroup run)",
          remedy);
    } else {
      add("cgroup driver", Status.PASS, driver.describe(), "");
    }
    if (v2) {
      v2Controllers(layout, driver, override, remedy);
    } else {
      v1Controllers(layout, override, remedy);
    }
    if (run != null && run.ok()) {
      add("cgroup run", Status.PASS, "a run cgroup was created, joined, accounted and removed: "
          + PROBE_PROGRAM + " " + usage(run.result), "");
    } else if (run != null) {
      add("cgroup run", Status.FAIL, run.why(), remedy);
    }
  }

  /** Reports the cgroup version and mode; false when there is no hierarchy at all. */
  private boolean mode(CgroupLayout layout, boolean v2, String forced) {
    String used = "; sandbox4j uses cgroup v" + (v2 ? 2 : 1)
        + (forced != null ? " (-D" + CgroupDriver.VERSION_PROPERTY + "=" + forced + ")" : "");
    if (layout.v1.isEmpty() && layout.v2MountPoint.isEmpty()) {
      add("cgroup mode", Status.FAIL, "no cgroup hierarchy is mounted", "mount cgroup2 on /sys/fs/cgroup");
      return false;
    }
    if (layout.v1.isEmpty()) {
      add("cgroup mode", Status.INFO, "v2 (unified) at " + layout.v2MountPoint.get() + used, "");
    } else if (layout.v2MountPoint.isEmpty()) {
      add("cgroup mode", Status.INFO, "v1 (legacy): " + new TreeSet<>(layout.v1.keySet()) + used, "");
    } else {
      String v2Mount = layout.v2MountPoint.get();
      Set<String> v2Controllers = words(readOr(Path.of(v2Mount, "cgroup.controllers"), ""));
      Set<String> v2Used = new TreeSet<>(v2Controllers);
      v2Used.retainAll(V2_CONTROLLERS);
      // "Empty" as far as sandbox4j goes: e.g. hugetlb alone on v2 limits nothing a sandbox asks for.
      String unified = !v2Used.isEmpty() ? "v2 with " + v2Controllers + " at " + v2Mount
          : "empty v2 at " + v2Mount
              + (v2Controllers.isEmpty() ? "" : ": none of the controllers sandbox4j uses, only " + v2Controllers);
      add("cgroup mode", Status.INFO, "hybrid (v1 controllers " + new TreeSet<>(layout.v1.keySet()) + " + "
          + unified + ")" + used, "");
    }
    return true;
  }

  private static Set<String> mountPoints(CgroupLayout layout) {
    Set<String> points = new LinkedHashSet<>();
    layout.v1.values().forEach(h -> points.add(h.mountPoint));
    return points;
  }

  /** Those of {@code mountPoints} mounted read-only, per their mount or super options. */
  private static List<String> readOnlyMounts(List<String> mountinfo, Set<String> mountPoints) {
    List<String> readOnly = new ArrayList<>();
    for (String line : mountinfo) {
      // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
      int dash = line.indexOf(" - ");
      if (dash < 0) {
        continue;
      }
      String[] before = line.substring(0, dash).split(" ");
      String[] after = line.substring(dash + 3).split(" ");
      if (before.length < 6 || after.length < 3 || !after[0].startsWith("cgroup")
          || !mountPoints.contains(before[4])) {
        continue;
      }
      if (Arrays.asList(before[5].split(",")).contains("ro") || Arrays.asList(after[2].split(",")).contains("ro")) {
        readOnly.add(before[4]);
      }
    }
    return readOnly;
  }

  private static String readOnlyRemedy() {
    return "mount the cgroup file system read-write (a container needs a writable cgroup mount: its own cgroup"
        + " namespace with a delegated subtree, e.g. docker --cgroupns=private, or --privileged)";
  }

  private String driverRemedy(String override) {
    if (override != null) {
      return "-D" + CgroupDriver.PARENT_PROPERTY + "=" + override + " must name a cgroup (a path inside each"
          + " hierarchy) this user may create and write; or leave it unset";
    }
    return DELEGATION_REMEDY;
  }

  /** Where the driver puts the parent of run cgroups in a hierarchy; as CgroupV1Driver and CgroupV2Driver do. */
  private static Path parentIn(String mountPoint, String ownPath, String override) {
    String inside = override != null ? override : (ownPath.equals("/") ? "" : ownPath) + "/" + CgroupDriver.PARENT_NAME;
    // Lexically normalized, as the kernel resolves "..": cgroupfs has no symlinks to change it.
    return Path.of(mountPoint + inside).normalize();
  }

  private void v1Controllers(CgroupLayout layout, String override, String remedy) {
    // Co-mounted controllers share a hierarchy: one probe per mount point.
    Map<String, Optional<String>> probed = new HashMap<>();
    for (String controller : V1_CONTROLLERS) {
      String name = "cgroup " + controller;
      CgroupLayout.Hierarchy h = layout.v1.get(controller);
      if (h == null) {
        add(name, Status.FAIL, "not mounted as a cgroup v1 hierarchy: its limits fail to launch",
            "mount it: mount -t cgroup -o " + controller + " cgroup /sys/fs/cgroup/" + controller);
        continue;
      }
      Path parent = parentIn(h.mountPoint, h.ownPath, override);
      Optional<String> refused = probed.computeIfAbsent(h.mountPoint, m -> tryCreateChild(parent));
      if (refused.isPresent()) {
        add(name, Status.FAIL, "mounted at " + h.mountPoint + ", not usable: " + refused.get(), remedy);
      } else if (controller.equals("cpuset") && readOr(parent.resolve("cpuset.cpus"), "").isEmpty()) {
        add(name, Status.FAIL, parent + " has no CPUs (cpuset.cpus is empty)",
            "write the CPUs of its parent to " + parent.resolve("cpuset.cpus"));
      } else {
        add(name, Status.PASS, "usable: run cgroups in " + parent + " (a test cgroup was created there)", "");
        if (controller.equals("memory")) {
          memoryParent = parent;
        }
      }
    }
  }

  private void v2Controllers(CgroupLayout layout, CgroupDriver driver, String override, String remedy) {
    if (layout.v2MountPoint.isEmpty()) {
      return; // the driver's failure says it
    }
    // The driver's own parent where it has one: it may have moved this JVM into a leaf.
    Path parent = driver != null ? driver.parents().get(0)
        : parentIn(layout.v2MountPoint.get(), CgroupV2Driver.home(layout.v2OwnPath.orElse("/")), override);
    Optional<String> refused = tryCreateChild(parent);
    Set<String> available = words(readOr(parent.resolve("cgroup.controllers"), ""));
    Set<String> enabled = words(readOr(parent.resolve("cgroup.subtree_control"), ""));
    for (String controller : V2_CONTROLLERS) {
      String name = "cgroup " + controller;
      if (refused.isPresent()) {
        add(name, Status.FAIL, "not usable: " + refused.get(), remedy);
      } else if (enabled.contains(controller)) {
        add(name, Status.PASS, "enabled for run cgroups in " + parent + " (cgroup.subtree_control)", "");
      } else if (available.contains(controller)) {
        add(name, Status.FAIL, "in " + parent + "'s cgroup.controllers but not enabled in its cgroup.subtree_control",
            "a cgroup with processes cannot give controllers to children (no-internal-process rule): start the"
                + " JVM in a leaf cgroup, or set -D" + CgroupDriver.PARENT_PROPERTY + " to an empty delegated cgroup");
      } else {
        add(name, Status.FAIL, "not delegated to " + parent + " (cgroup.controllers: " + available + ")",
            "enable it in the ancestors' cgroup.subtree_control (systemd: Delegate=yes)");
      }
    }
  }

  /**
   * Creates and removes a cgroup in {@code parent}: the one proof that run cgroups can go
   * there. Empty when it worked, else why not. The name is not a run's, so no reaper takes it.
   */
  private static Optional<String> tryCreateChild(Path parent) {
    if (!Files.isDirectory(parent)) {
      return Optional.of("the parent cgroup " + parent + " does not exist (the driver could not create it)");
    }
    Path child = parent.resolve("doctor-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
    try {
      Files.createDirectory(child);
    } catch (IOException e) {
      return Optional.of("cannot create a cgroup in " + parent + ": " + reason(e));
    }
    try {
      if (!CgroupFiles.remove(child)) {
        return Optional.of("created " + child + " but cannot remove it");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while removing " + child);
    }
    return Optional.empty();
  }

  /** The OS's words for a failed file operation ("Read-only file system", "permission denied"). */
  private static String reason(IOException e) {
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof FileSystemException && ((FileSystemException) e).getReason() != null) {
      return ((FileSystemException) e).getReason();
    }
    return e.toString();
  }

  private static String usage(SandboxResult result) {
    Optional<ResourceUsage> usage = result.usage();
    if (usage.isEmpty()) {
      return "ran, without an account";
    }
    ResourceUsage u = usage.get();
    return "used " + u.cpuTotalMicros() + " us of CPU"
        + (u.peakMemoryBytes().isPresent() ? ", " + u.peakMemoryBytes().getAsLong() / 1024 + " KiB at peak" : "");
  }

  // ---------- kernel features ----------

  private void kernel(HelperBinary helper, SandboxLaunchException helperFailure) {
    String version = System.getProperty("os.version", "");
    add("kernel", Status.INFO, "Linux " + version + " (" + System.getProperty("os.arch") + ")", "");
    boolean v2 = cgroupV2;
    if (!v2) {
      add("CLONE_INTO_CGROUP", Status.INFO, "not used on cgroup v1: the program waits until init wrote it to"
          + " cgroup.procs", "");
      add("cgroup.kill", Status.INFO, "not used on cgroup v1: the driver freezes the run cgroup and SIGKILLs each"
          + " process", "");
    } else {
      add("CLONE_INTO_CGROUP", feature(5, 7), Kernel.atLeast(5, 7) ? "the program is cloned straight into its cgroup"
          : "before 5.7: the program waits until init wrote it to cgroup.procs", "Linux 5.7 or later");
      add("cgroup.kill", feature(5, 14), Kernel.atLeast(5, 14) ? "kills a run cgroup in one write"
          : "before 5.14: freeze, then SIGKILL each process", "Linux 5.14 or later");
    }
    memoryPeak(v2);
    add("pidfd", feature(5, 6), Kernel.atLeast(5, 6) ? "pidfd_open and pidfd_getfd: seccomp violations are named"
        : (Kernel.atLeast(5, 3) ? "pidfd_open but no pidfd_getfd (5.6)" : "no pidfd (5.3)")
            + ": seccomp violations are reported as SIGSYS without the syscall's name",
        "Linux 5.6 or later names the syscall of a seccomp violation");
    seccomp(helper);
    add("openat2 RESOLVE_IN_ROOT", feature(5, 6), Kernel.atLeast(5, 6) ? "mount targets resolve inside the new root"
        : "before 5.6: mount targets are walked one component at a time and symlinks in them are refused",
        "Linux 5.6 or later");
    add("mount API", feature(5, 2), Kernel.atLeast(5, 2) ? "fsopen, open_tree, move_mount"
        : "before 5.2: mounts fall back to mount(2)", "Linux 5.2 or later");
    add("mount_setattr", feature(5, 12), Kernel.atLeast(5, 12) ? "read-only binds are recursive"
        : "before 5.12: recursive read-only binds fail to launch", "Linux 5.12 or later");
    fileLocks(helper, helperFailure);
    memfd(helper, helperFailure);
    procView();
  }

  /**
   * Whether a sandbox (with a user namespace, as strict() makes them) gets inodes of its own
   * for what it shares read-only: read-only overlays, and as root device nodes of its own.
   * Without them, cooperating sandboxes can pass bits through flock/fcntl locks (SECURITY.md).
   */
  private void fileLocks(HelperBinary helper, SandboxLaunchException helperFailure) {
    String name = "file locks on shared read-only files";
    if (helper == null) {
      add(name, Status.FAIL, "not tried: the helper cannot be loaded (" + helperFailure.getMessage() + ")",
          helperRemedy());
      return;
    }
    Probe overlays = probe(Sandbox.builder().hostRootfs().mountDev().userNamespace().withoutSeccomp().build(),
        helper, null);
    boolean overlayModule = readOr(Path.of("/proc/filesystems"), "").contains("\toverlay\n");
    if (!overlays.ok()) {
      add(name, Status.WARN, "shared: read-only overlays could not be mounted in a user namespace ("
          + overlays.why() + (overlayModule ? "" : "; overlay is not in /proc/filesystems")
          + "): sandboxes bind the host's files, and cooperating sandboxes can pass bits through flock/fcntl"
          + " locks on them", "load the overlay module (modprobe overlay); Linux 5.11 or later");
    } else if (HostViewSupport.initialUserNamespaceRoot()) {
      add(name, Status.PASS, "private inodes: read-only overlays of shared host files, device nodes of each"
          + " sandbox's own", "");
    } else {
      add(name, Status.WARN, "private inodes for host files (read-only overlays); the device nodes in /dev are the"
          + " host's (no mknod without root), so locks on /dev/null & co. are shared", "run the JVM as root for"
          + " device nodes of each sandbox's own");
    }
  }

  /** The live /proc view is served over FUSE; without it sandboxes with limits get a static snapshot. */
  private void procView() {
    Optional<String> fuse = HostViewSupport.fuseUnavailableReason();
    add("FUSE for the live /proc view", fuse.isPresent() ? Status.WARN : Status.PASS,
        fuse.isPresent() ? fuse.get() + ": sandboxes with limits see a static /proc snapshot; procView(LIVE) fails"
            : "/dev/fuse opens: meminfo, cpuinfo, stat, uptime, loadavg show each sandbox's limits and use, live",
        "load the fuse module (modprobe fuse), or in a container pass /dev/fuse in");
  }

  /** PASS from the given kernel version on, else WARN: sandbox4j falls back to something weaker. */
  private static Status feature(int major, int minor) {
    return Kernel.atLeast(major, minor) ? Status.PASS : Status.WARN;
  }

  private void memoryPeak(boolean v2) {
    if (v2) {
      add("memory.peak", feature(5, 19), Kernel.atLeast(5, 19) ? "the account has peak memory"
          : "before 5.19: the account has no peak memory", "Linux 5.19 or later");
      return;
    }
    if (memoryParent != null && Files.exists(memoryParent.resolve("memory.max_usage_in_bytes"))) {
      add("memory.peak", Status.PASS, "cgroup v1: memory.max_usage_in_bytes", "");
    } else {
      add("memory.peak", Status.WARN, "no usable v1 memory controller with memory.max_usage_in_bytes: the account"
          + " has no peak memory", "see cgroup memory");
    }
  }

  private void seccomp(HelperBinary helper) {
    String status = readOr(Path.of("/proc/self/status"), "");
    String mode = field(status, "Seccomp:");
    if (mode == null) {
      add("seccomp", Status.FAIL, "/proc/self/status has no Seccomp: line: this kernel has no seccomp",
          "a kernel with CONFIG_SECCOMP_FILTER, or Sandbox.Builder.withoutSeccomp() (CLI: --seccomp none)");
      return;
    }
    Set<String> actions = words(readOr(Path.of("/proc/sys/kernel/seccomp/actions_avail"), ""));
    String self = mode.equals("2") ? "; the JVM itself runs under " + field(status, "Seccomp_filters:")
        + " filter(s), e.g. a container's profile" : "";
    if (actions.contains("user_notif")) {
      add("seccomp", Status.PASS, "actions_avail has user_notif" + self, "");
    } else {
      add("seccomp", Status.WARN, "actions_avail " + actions + " has no user_notif: kill rules end the program with"
          + " SIGSYS" + self, "Linux 5.0 or later (user_notif); 5.6 to name the syscall");
    }
    if (helper != null) {
      Probe filtered = probe(Sandbox.builder().build(), helper, null);
      if (filtered.ok()) {
        add("seccomp filter", Status.PASS, "the strict default policy was installed and " + PROBE_PROGRAM + " ran"
            + (PlanCodec.NOTIFY ? "; kill rules notify the supervisor" : "; kill rules end with SIGSYS"), "");
      } else {
        add("seccomp filter", Status.FAIL, filtered.why(),
            "Sandbox.Builder.withoutSeccomp() (CLI: --seccomp none) runs without a filter");
      }
    }
  }

  private void memfd(HelperBinary helper, SandboxLaunchException helperFailure) {
    Optional<String> noexec = sysctl("vm/memfd_noexec");
    if (noexec.isEmpty()) {
      add("memfd exec", Status.PASS, "no vm.memfd_noexec (before 6.3): memfds are executable", "");
    } else if (noexec.get().equals("2")) {
      add("memfd exec", Status.WARN, "vm.memfd_noexec=2 forbids executable memfds: the helper runs from a"
          + " verified copy on disk", "sysctl vm.memfd_noexec=0 (or 1)");
    } else {
      add("memfd exec", Status.PASS, "vm.memfd_noexec=" + noexec.get() + ": the helper may run from a sealed memfd",
          "");
    }
    if (helper != null) {
      add("helper", Status.INFO, helper.describe(), "");
    } else {
      add("helper", Status.FAIL, helperFailure.getMessage(), helperRemedy());
    }
  }

  private static String helperRemedy() {
    return "build sandbox-linux with gcc and a static libc, or install the helper and set -D" + HelperBinary.PROPERTY;
  }

  // ---------- restrictions ----------

  private void restrictions() {
    Optional<String> apparmor = sysctl("kernel/apparmor_restrict_unprivileged_userns");
    if (apparmor.isEmpty()) {
      add("AppArmor userns restriction", Status.PASS, "none (no kernel.apparmor_restrict_unprivileged_userns)", "");
    } else if (apparmor.get().equals("1") && !root) {
      add("AppArmor userns restriction", Status.FAIL, "kernel.apparmor_restrict_unprivileged_userns=1: unconfined"
          + " programs get no capabilities in a user namespace, so sandboxes cannot set up",
          "sysctl kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile for java with \"userns,\"");
    } else {
      add("AppArmor userns restriction", Status.PASS, "kernel.apparmor_restrict_unprivileged_userns="
          + apparmor.get() + (root ? " (applies only to unprivileged users)" : ""), "");
    }

    Optional<String> max = sysctl("user/max_user_namespaces");
    if (max.isEmpty()) {
      add("user.max_user_namespaces", Status.FAIL, "absent: this kernel has no user namespaces",
          "a kernel built with CONFIG_USER_NS");
    } else if (max.get().equals("0")) {
      add("user.max_user_namespaces", Status.FAIL, "0: no user namespace can be created, not even by root",
          "sysctl user.max_user_namespaces=15000");
    } else {
      add("user.max_user_namespaces", Status.PASS, max.get(), "");
    }

    Optional<String> clone = sysctl("kernel/unprivileged_userns_clone");
    if (clone.isEmpty()) {
      add("kernel.unprivileged_userns_clone", Status.PASS, "absent (only Debian-patched kernels have it)", "");
    } else if (clone.get().equals("0") && !root) {
      add("kernel.unprivileged_userns_clone", Status.FAIL, "0: users other than root cannot create user namespaces",
          "sysctl kernel.unprivileged_userns_clone=1");
    } else {
      add("kernel.unprivileged_userns_clone", Status.PASS, clone.get()
          + (clone.get().equals("0") ? " (applies only to unprivileged users)" : ""), "");
    }

    // The helper runs from /proc/self/fd/N and the pipes' streams are reopened there.
    Path fds = Path.of("/proc/self/fd");
    String[] listed = fds.toFile().list();
    if (listed != null) {
      add("/proc/self/fd", Status.PASS, listed.length + " open file descriptors listed", "");
    } else {
      add("/proc/self/fd", Status.FAIL, "cannot be listed: the JVM's /proc is missing",
          "mount /proc in the JVM's mount namespace (sandbox4j needs /proc/self/fd)");
    }
  }

  // ---------- probes and host files ----------

  /** What one probe sandbox did: its result, or why it did not run. */
  private static final class Probe {
    final SandboxResult result;
    final String failure;

    Probe(SandboxResult result, String failure) {
      this.result = result;
      this.failure = failure;
    }

    boolean ok() {
      return failure == null && result.termination() == Termination.EXITED && result.exitCode() == 0;
    }

    String why() {
      return failure != null ? failure : PROBE_PROGRAM + " ended " + result.termination() + " (exit "
          + result.exitCode() + ", signal " + result.signal() + ")";
    }
  }

  /** Runs {@value #PROBE_PROGRAM} under {@code sandbox} with the real helper; in a run cgroup when {@code driver}. */
  private Probe probe(Sandbox sandbox, HelperBinary helper, CgroupDriver driver) {
    try {
      LaunchPlan plan = Planner.plan(sandbox, sandbox.command(PROBE_PROGRAM), euid, egid);
      HelperProcess process = HelperProcess.start(plan, helper.execPath(), driver);
      try {
        return new Probe(process.result().get(PROBE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), null);
      } finally {
        process.close(); // after a timeout: kills the probe and waits for it
      }
    } catch (SandboxLaunchException e) {
      return new Probe(null, e.getMessage());
    } catch (TimeoutException e) {
      return new Probe(null, "no answer within " + PROBE_TIMEOUT_MILLIS + " ms");
    } catch (ExecutionException e) {
      return new Probe(null, String.valueOf(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Probe(null, "interrupted");
    } catch (IOException e) {
      return new Probe(null, e.toString());
    }
  }

  /** A /proc/sys value, trimmed; empty when this kernel has no such knob. */
  private static Optional<String> sysctl(String name) {
    try {
      return Optional.of(read(Path.of("/proc/sys", name)).trim());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static String readOr(Path file, String fallback) {
    try {
      return read(file);
    } catch (IOException e) {
      return fallback;
    }
  }

  /**
   * A small /proc, /sys or cgroup file. Not {@code Files.readString}: for a file of size 0
   * it reads one byte first, and a numeric sysctl answers a read at offset 1 with EOF, so
   * {@code 96364} would read as {@code 9}. One large first read gets the whole value.
   */
  private static String read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return new String(in.readNBytes(1 << 16), StandardCharsets.UTF_8);
    }
  }

  private static Set<String> words(String text) {
    Set<String> words = new TreeSet<>(Arrays.asList(text.trim().split("\\s+")));
    words.remove("");
    return words;
  }

  /** The value of a {@code Key:\tvalue} line of a /proc status file, or null. */
  private static String field(String status, String key) {
    for (String line : status.split("\n")) {
      if (line.startsWith(key)) {
        return line.substring(key.length()).trim();
      }
    }
    return null;
  }
}
