package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sandbox4j.IdMapping;
import org.sandbox4j.LaunchPlan;
import org.sandbox4j.MountStep;
import org.sandbox4j.MountStep.Flag;
import org.sandbox4j.MountStep.Op;
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
    assertThat(root.op()).isEqualTo(Op.ROOT_BIND);
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
}
