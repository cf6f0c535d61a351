package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.util.Optional;
import org.sandbox4j.DataSize;
import org.sandbox4j.IdMapping;
import org.sandbox4j.LaunchPlan;
import org.sandbox4j.MountStep;
import org.sandbox4j.MountStep.Flag;
import org.sandbox4j.MountStep.Op;
import org.sandbox4j.Namespace;
import org.sandbox4j.ProcView;
import org.sandbox4j.ResourceLimits;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxLaunchException;

class PlannerTest {

  private static LaunchPlan plan(Sandbox sandbox) throws SandboxLaunchException {
    return Planner.plan(sandbox, sandbox.command("true"), 1000, 1001);
  }

  @Test
  void hostDerivedRootHoldsSystemDirectoriesButNoHostData() throws Exception {
    LaunchPlan plan = plan(Sandbox.builder().strict().build());
    List<String> targets = plan.mountSteps().stream().map(MountStep::target).collect(Collectors.toList());
    assertThat(plan.mountSteps().get(0).op()).isEqualTo(Op.ROOT_TMPFS);
    assertThat(plan.mountSteps().get(0).flags()).contains(Flag.READ_ONLY);
    assertThat(targets).contains("/usr", "/etc/passwd", "/proc", "/dev/null", "/dev/shm", "/tmp");
    assertThat(targets).noneMatch(t -> t.startsWith("/root") || t.startsWith("/home") || t.startsWith("/var")
        || t.startsWith("/work") || t.equals("/etc/shadow"));
    // /bin is a link on merged-/usr hosts: it stays a link and is not bound twice.
    if (Files.isSymbolicLink(Path.of("/bin"))) {
      assertThat(plan.mountSteps()).anyMatch(s -> s.op() == Op.SYMLINK && s.target().equals("/bin"));
    }
  }

  @Test
  void everythingUnderThePlannedTmpfsMayCreateItsMountPoint() throws Exception {
    LaunchPlan plan = plan(Sandbox.builder().strict().build());
    // MASK and READONLY_PATH act on what exists (in /proc) and create nothing.
    assertThat(plan.mountSteps().subList(1, plan.mountSteps().size()))
        .filteredOn(s -> s.op() != Op.MASK && s.op() != Op.READONLY_PATH)
        .allMatch(s -> s.flags().contains(Flag.CREATE_TARGET));
    assertThat(plan.mountSteps()).filteredOn(s -> s.op() == Op.MASK || s.op() == Op.READONLY_PATH)
        .allMatch(s -> s.flags().isEmpty() && s.target().startsWith("/proc/"));
  }

  @Test
  void aCallersRootIsNeverWrittenTo(@TempDir Path rootfs) throws Exception {
    LaunchPlan plan = plan(Sandbox.builder().rootfs(rootfs).mountProc().mountDev().mountTmp().build());
    MountStep root = plan.mountSteps().get(0);
    // Read-only: an overlay of the directory where the host can make one (else a bind).
    assertThat(root.op()).isIn(Op.ROOT_OVERLAY, Op.ROOT_BIND);
    assertThat(root.source()).isEqualTo(rootfs.toString());
    assertThat(root.flags()).contains(Flag.READ_ONLY, Flag.NOSUID, Flag.NODEV);
    for (MountStep step : plan.mountSteps()) {
      boolean directlyInRoot = step.target().chars().filter(c -> c == '/').count() == 1;
      if (directlyInRoot) {
        assertThat(step.flags()).as(step.toString()).doesNotContain(Flag.CREATE_TARGET);
      }
    }
    // Inside the planned /dev tmpfs, mount points may be created.
    assertThat(plan.mountSteps()).filteredOn(s -> s.target().equals("/dev/null"))
        .allMatch(s -> s.flags().contains(Flag.CREATE_TARGET));
  }

  @Test
  void userNamespaceMapsTheProgramsIdToTheCaller() throws Exception {
    LaunchPlan plan = plan(Sandbox.builder().userNamespace().runAs(1000, 100).build());
    assertThat(plan.uidMappings()).containsExactly(IdMapping.of(1000, 1000, 1));
    assertThat(plan.gidMappings()).containsExactly(IdMapping.of(100, 1001, 1));
    LaunchPlan asRoot = plan(Sandbox.builder().userNamespace().build());
    assertThat(asRoot.uidMappings()).containsExactly(IdMapping.of(0, 1000, 1));
  }

  @Test
  void missingHostSourcesFailBeforeLaunchNamingTheMount(@TempDir Path dir) {
    Sandbox sandbox = Sandbox.builder().hostRootfs().bindMount(dir.resolve("absent"), "/data").build();
    assertThatThrownBy(() -> plan(sandbox)).isInstanceOf(SandboxLaunchException.class)
        .hasMessageContaining("bind /data: ENOENT").hasMessageContaining("does not exist on the host");
  }

  /** A host for the view decision with the given answers; snapshots name their file. */
  private static Planner.ViewHost viewHost(String liveUnavailable, String mountFailure, boolean timeNamespaces) {
    return new Planner.ViewHost() {
      @Override
      public Optional<String> liveUnavailableReason() {
        return Optional.ofNullable(liveUnavailable);
      }

      @Override
      public Optional<String> liveMountFailure(boolean userNamespace) {
        return Optional.ofNullable(mountFailure);
      }

      @Override
      public boolean timeNamespaces() {
        return timeNamespaces;
      }

      @Override
      public String snapshot(String name, ResourceLimits limits) {
        return "snapshot of " + name + "\n";
      }
    };
  }

  @Test
  void filesSharedReadOnlyGetInodesOfTheirOwnWhereTheHostAllows(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("data.txt"), "x");
    Path writable = Files.createDirectory(dir.resolve("out"));
    Sandbox sandbox = Sandbox.builder().strict().bindMount(dir, "/data").bindMount(file, "/file.txt")
        .bindMount(writable, "/out", org.sandbox4j.Access.READ_WRITE).build();
    LaunchPlan plan = plan(sandbox, inodes(Optional.empty(), true));
    assertThat(step(plan, "/usr").op()).isEqualTo(Op.OVERLAY);
    assertThat(step(plan, "/etc/ld.so.cache").op()).isEqualTo(Op.OVERLAY);
    assertThat(step(plan, "/data").op()).isEqualTo(Op.OVERLAY);
    assertThat(step(plan, "/file.txt").op()).isEqualTo(Op.OVERLAY);
    assertThat(step(plan, "/out").op()).as("a writable bind stays a bind").isEqualTo(Op.BIND);
    assertThat(step(plan, "/dev/null").op()).isEqualTo(Op.DEVICE);
    assertThat(step(plan, "/dev/null").source()).isEqualTo("/dev/null");

    LaunchPlan rootless = plan(sandbox, inodes(Optional.empty(), false));
    assertThat(step(rootless, "/usr").op()).isEqualTo(Op.OVERLAY);
    assertThat(step(rootless, "/dev/null").op()).as("no device nodes without root").isEqualTo(Op.BIND);

    LaunchPlan old = plan(sandbox, inodes(Optional.of("no overlayfs"), true));
    assertThat(old.mountSteps()).noneMatch(s -> s.op() == Op.OVERLAY || s.op() == Op.DEVICE);
    assertThat(step(old, "/usr").op()).isEqualTo(Op.BIND);
    assertThat(step(old, "/dev/null").op()).isEqualTo(Op.BIND);
  }

  private static MountStep step(LaunchPlan plan, String target) {
    return plan.mountSteps().stream().filter(s -> s.target().equals(target)).findFirst().orElseThrow();
  }

  private static Planner.ViewHost inodes(Optional<String> failure, boolean deviceNodes) {
    return new Planner.ViewHost() {
      @Override
      public Optional<String> liveUnavailableReason() {
        return Optional.of("not in this test");
      }

      @Override
      public Optional<String> privateInodesFailure(boolean userNamespace) {
        return failure;
      }

      @Override
      public boolean privateDeviceNodes() {
        return deviceNodes;
      }

      @Override
      public boolean timeNamespaces() {
        return true;
      }

      @Override
      public String snapshot(String name, org.sandbox4j.ResourceLimits limits) {
        return "";
      }
    };
  }

  private static LaunchPlan plan(Sandbox sandbox, Planner.ViewHost host) throws SandboxLaunchException {
    return Planner.plan(sandbox, sandbox.command("true"), 1000, 1001, host);
  }

  private static final Sandbox LIMITED = Sandbox.builder().strict().memoryLimit(DataSize.ofMebibytes(64)).build();

  @Test
  void aLimitedSandboxGetsALiveViewOverEveryFileAndTheCpuLists() throws Exception {
    LaunchPlan plan = plan(LIMITED, viewHost(null, null, true));
    assertThat(plan.procView()).isEqualTo(ProcView.LIVE);
    assertThat(plan.namespaces()).contains(Namespace.CGROUP, Namespace.TIME);
    assertThat(plan.mountSteps()).filteredOn(s -> s.op() == Op.VIEW_LIVE)
        .extracting(s -> s.source() + " -> " + s.target())
        .containsExactly("meminfo -> /proc/meminfo", "cpuinfo -> /proc/cpuinfo", "stat -> /proc/stat",
            "uptime -> /proc/uptime", "loadavg -> /proc/loadavg", "swaps -> /proc/swaps",
            "cpus -> /sys/devices/system/cpu/online", "cpus -> /sys/devices/system/cpu/possible",
            "cpus -> /sys/devices/system/cpu/present");
    assertThat(plan.mountSteps()).filteredOn(s -> s.op() == Op.VIEW_LIVE)
        .allMatch(s -> s.flags().containsAll(List.of(Flag.READ_ONLY, Flag.NOSUID, Flag.NODEV, Flag.NOEXEC)));
    assertThat(plan.mountSteps()).anyMatch(s -> s.op() == Op.TMPFS && s.target().equals("/sys")
        && s.flags().contains(Flag.READ_ONLY));
    assertThat(plan.mountSteps()).anyMatch(s -> s.op() == Op.CGROUP_VIEW && s.target().equals("/sys/fs/cgroup"));
    // Every view comes after the /proc mount it covers.
    int proc = plan.mountSteps().indexOf(plan.mountSteps().stream().filter(s -> s.op() == Op.PROC).findFirst()
        .orElseThrow());
    assertThat(plan.mountSteps().subList(0, proc)).noneMatch(s -> s.op() == Op.VIEW_LIVE);
  }

  @Test
  void withoutFuseOrWhenTheMountFailsTheAutomaticViewIsStatic() throws Exception {
    for (Planner.ViewHost host : List.of(viewHost("no /dev/fuse", null, true), viewHost(null, "EPERM", true))) {
      LaunchPlan plan = plan(LIMITED, host);
      assertThat(plan.procView()).isEqualTo(ProcView.STATIC);
      assertThat(plan.mountSteps()).noneMatch(s -> s.op() == Op.VIEW_LIVE);
      assertThat(plan.mountSteps()).filteredOn(s -> s.op() == Op.VIEW_SNAPSHOT).extracting(MountStep::target)
          .contains("/proc/meminfo", "/proc/cpuinfo", "/sys/devices/system/cpu/online")
          // with a time namespace the kernel's own /proc/uptime is the sandbox's
          .doesNotContain("/proc/uptime");
    }
    LaunchPlan noTimeNamespaces = plan(Sandbox.builder().strict().shareNamespace(Namespace.TIME)
        .memoryLimit(DataSize.ofMebibytes(64)).build(), viewHost("no /dev/fuse", null, false));
    assertThat(noTimeNamespaces.namespaces()).doesNotContain(Namespace.TIME);
    assertThat(noTimeNamespaces.mountSteps()).filteredOn(s -> s.op() == Op.VIEW_SNAPSHOT)
        .extracting(MountStep::target).contains("/proc/uptime");
  }

  @Test
  void anExplicitLiveViewFailsWhereItCannotBeServed() {
    Sandbox live = Sandbox.builder().strict().procView(ProcView.LIVE).build();
    assertThatThrownBy(() -> plan(live, viewHost("/dev/fuse does not exist", null, true)))
        .isInstanceOf(SandboxLaunchException.class)
        .hasMessageContaining("proc view").hasMessageContaining("/dev/fuse does not exist")
        .hasMessageContaining("procView(ProcView.STATIC)");
  }

  @Test
  void noViewWithoutLimitsOrWhenTurnedOff() throws Exception {
    assertThat(plan(Sandbox.builder().strict().build(), viewHost(null, null, true)).procView())
        .isEqualTo(ProcView.OFF);
    LaunchPlan off = plan(Sandbox.builder().strict().memoryLimit(DataSize.ofMebibytes(64)).procView(ProcView.OFF)
        .build(), viewHost(null, null, true));
    assertThat(off.procView()).isEqualTo(ProcView.OFF);
    assertThat(off.mountSteps()).noneMatch(s -> s.op() == Op.VIEW_LIVE || s.op() == Op.VIEW_SNAPSHOT
        || s.target().startsWith("/sys"));
  }

  @Test
  void aTimeNamespaceTheKernelLacksFailsNamingTheRemedy() {
    assertThatThrownBy(() -> plan(Sandbox.builder().strict().build(), viewHost(null, null, false)))
        .isInstanceOf(SandboxLaunchException.class)
        .hasMessageContaining("time namespace").hasMessageContaining("shareNamespace(Namespace.TIME)");
  }

  @Test
  void aCallersRootWithoutSysGetsTheProcFilesOnly(@TempDir Path rootfs) throws Exception {
    Files.createDirectory(rootfs.resolve("proc"));
    Sandbox sandbox = Sandbox.builder().rootfs(rootfs).mountProc().memoryLimit(DataSize.ofMebibytes(64)).build();
    LaunchPlan plan = plan(sandbox, viewHost(null, null, true));
    assertThat(plan.mountSteps()).filteredOn(s -> s.op() == Op.VIEW_LIVE).extracting(MountStep::target)
        .allMatch(t -> t.startsWith("/proc/"));
    assertThat(plan.mountSteps()).noneMatch(s -> s.target().startsWith("/sys"));
    Files.createDirectory(rootfs.resolve("sys"));
    assertThat(plan(sandbox, viewHost(null, null, true)).mountSteps())
        .anyMatch(s -> s.op() == Op.TMPFS && s.target().equals("/sys"));
  }
}
