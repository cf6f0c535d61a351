package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sandbox4j.IdMapping;
import org.sandbox4j.LaunchPlan;
import org.sandbox4j.MountStep;
import org.sandbox4j.MountStep.Flag;
import org.sandbox4j.MountStep.Op;
import org.sandbox4j.Namespace;
import org.sandbox4j.SandboxLaunchException;

/**
 * The helper does not trust its plan: hand-made plans the planner would never produce
 * must still be refused by the C side.
 */
class HelperGuardTest {

  private static LaunchPlan.Builder basePlan(Path root) {
    LaunchPlan.Builder plan = LaunchPlan.builder().namespaces(EnumSet.of(Namespace.MOUNT, Namespace.PID));
    if (!TestHost.root()) {
      // Only root may create the other namespaces without a user namespace; map us to root inside.
      plan.namespaces(EnumSet.of(Namespace.USER, Namespace.MOUNT, Namespace.PID))
          .uidMapping(IdMapping.of(0, Integer.toUnsignedLong(LibC.INSTANCE.geteuid()), 1))
          .gidMapping(IdMapping.of(0, Integer.toUnsignedLong(LibC.INSTANCE.getegid()), 1));
    }
    return plan.mountStep(MountStep.of(Op.ROOT_BIND, root.toString(), "/", EnumSet.noneOf(Flag.class), 0, 0))
        .command(List.of("/bin/true"));
  }

  @Test
  void nothingIsEverCreatedInsideACallersRootEvenWhenThePlanAsks(@TempDir Path dir) throws Exception {
    Path rootfs = BusyboxRootfs.create(dir.resolve("rootfs"));
    for (MountStep step : List.of(
        MountStep.of(Op.DIR, "", "/planted", EnumSet.of(Flag.CREATE_TARGET), 0755, 0),
        MountStep.of(Op.FILE, "x", "/etc/planted", EnumSet.of(Flag.CREATE_TARGET), 0644, 0),
        MountStep.of(Op.SYMLINK, "/", "/planted", EnumSet.of(Flag.CREATE_TARGET), 0, 0),
        MountStep.of(Op.TMPFS, "", "/deep/planted", EnumSet.of(Flag.CREATE_TARGET), 0755, 4096))) {
      LaunchPlan plan = basePlan(rootfs).mountStep(step).build();
      assertThatThrownBy(() -> HelperProcess.start(plan, HelperBinary.load().execPath()).close())
          .as(step.toString()).isInstanceOf(SandboxLaunchException.class)
          .hasMessageContaining("refusing to create it outside a tmpfs the plan made");
    }
    assertThat(rootfs.resolve("planted")).doesNotExist();
    assertThat(rootfs.resolve("etc/planted")).doesNotExist();
    assertThat(rootfs.resolve("deep")).doesNotExist();
  }
}
