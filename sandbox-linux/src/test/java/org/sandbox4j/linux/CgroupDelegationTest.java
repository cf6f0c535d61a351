package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sandbox4j.DataSize;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxLaunchException;
import org.sandbox4j.SandboxProcess;
import org.sandbox4j.Termination;

/**
 * An unprivileged JVM started alone in a cgroup v2 subtree delegated to its user (what
 * systemd's Delegate=yes does: the directory and its cgroup.procs, cgroup.subtree_control and
 * cgroup.threads belong to the user). The JVM's cgroup must give controllers to the sandboxes'
 * cgroups, and cgroup v2 lets only a cgroup without processes do that, so the driver moves the
 * JVM into a leaf of its own. Runs in the VM's unprivileged pass (.ci/vm); the pure parts run
 * everywhere.
 */
class CgroupDelegationTest {
  private static final Path MOUNT = Path.of("/sys/fs/cgroup");

  /** This JVM's cgroup v2 path, from /proc/self/cgroup. */
  private static String ownPath() throws Exception {
    return Files.readAllLines(Path.of("/proc/self/cgroup")).stream().filter(l -> l.startsWith("0::"))
        .map(l -> l.substring(3)).findFirst().orElseThrow();
  }

  private static void assumeDelegatedV2() throws Exception {
    assumeTrue(!RunCgroups.hostUsesV1(), "needs a pure cgroup v2 host (the VM)");
    TestHost.assumeNotRoot("delegation is what an unprivileged user gets");
    TestHost.assumeCgroups();
  }

  @Test
  void theHomeOfAJvmInItsOwnLeafIsTheCgroupItWasStartedIn() {
    String leaf = CgroupV2Driver.jvmLeafName();
    assertThat(leaf).isEqualTo("sandbox4j-jvm-" + CgroupDriver.JVM_TAG);
    assertThat(CgroupV2Driver.home("/user.slice/app.scope/" + leaf)).isEqualTo("/user.slice/app.scope");
    assertThat(CgroupV2Driver.home("/" + leaf)).isEqualTo("/");
    assertThat(CgroupV2Driver.home("/user.slice/app.scope")).isEqualTo("/user.slice/app.scope");
    // Another JVM's leaf is that JVM's own cgroup, not this one's to leave.
    assertThat(CgroupV2Driver.home("/app.scope/sandbox4j-jvm-1-2")).isEqualTo("/app.scope/sandbox4j-jvm-1-2");
  }

  @Test
  void theJvmMovedIntoALeafAndItsDelegatedCgroupGivesTheControllersToTheSandboxes() throws Exception {
    assumeDelegatedV2();
    String own = ownPath();
    String leaf = "/" + CgroupV2Driver.jvmLeafName();
    assertThat(own).as("this JVM's cgroup").endsWith(leaf);
    Path home = MOUNT.resolve(CgroupV2Driver.home(own).substring(1));
    assertThat(Files.getOwner(home).getName()).as("the delegated cgroup belongs to this user")
        .isEqualTo(System.getProperty("user.name"));
    assertThat(CgroupFiles.read(home.resolve("cgroup.procs"))).as("no process left in " + home).isEmpty();
    assertThat(Set.of(CgroupFiles.read(home.resolve("cgroup.subtree_control")).split(" ")))
        .contains("memory", "pids", "cpu");
    Path parent = home.resolve(CgroupDriver.PARENT_NAME);
    assertThat(TestHost.driver().parents()).containsExactly(parent);
    assertThat(TestHost.driver().describe()).contains("this JVM moved into " + CgroupV2Driver.jvmLeafName());

    // A sandbox's cgroup is inside the delegated one, under its limits, never beside it.
    try (SandboxProcess process = Sandbox.builder().strict().memoryLimit(DataSize.ofMebibytes(64)).pidsLimit(8)
        .build().command("/bin/sh", "-c", "echo ready; exec sleep 30").start()) {
      assertThat(new BufferedReader(new InputStreamReader(process.getInputStream())).readLine()).isEqualTo("ready");
      List<Path> runs = RunCgroups.runsIn(parent);
      assertThat(runs).hasSize(1);
      assertThat(CgroupFiles.read(runs.get(0).resolve("cgroup.procs"))).isEqualTo(Long.toString(process.pid()));
      assertThat(CgroupFiles.read(runs.get(0).resolve("memory.max"))).isEqualTo(Long.toString(64L << 20));
      assertThat(CgroupFiles.read(runs.get(0).resolve("pids.max"))).isEqualTo("8");
      process.destroyForcibly();
      assertThat(process.waitForResult().termination()).isEqualTo(Termination.KILLED);
    }
    assertThat(RunCgroups.runsIn(parent)).isEmpty();
  }

  @Test
  void aDelegatedCgroupThatAlsoHoldsAnotherProcessFailsNamingItAndTheRemedy() throws Exception {
    assumeDelegatedV2();
    Path home = MOUNT.resolve(CgroupV2Driver.home(ownPath()).substring(1));
    // A cgroup of this user's, with a process in it that this JVM did not start (an orphan,
    // no longer its descendant): the driver may not move that one, and moving the JVM alone
    // would not empty the cgroup.
    Path other = home.resolve("other-" + ProcessHandle.current().pid());
    Files.createDirectory(other);
    String marker = HostProcesses.marker();
    Process shell = new ProcessBuilder("/bin/sh", "-c", "sleep " + marker + " > /dev/null 2>&1 & echo $!").start();
    long orphan = Long.parseLong(new String(shell.getInputStream().readAllBytes()).trim());
    shell.waitFor();
    try {
      assertThat(ProcessHandle.current().descendants().map(ProcessHandle::pid)).doesNotContain(orphan);
      CgroupFiles.write(other.resolve("cgroup.procs"), Long.toString(orphan), "");
      String otherPath = "/" + MOUNT.relativize(other);
      assertThatThrownBy(() -> new CgroupV2Driver(MOUNT.toString(), otherPath, null))
          .isInstanceOfSatisfying(SandboxLaunchException.class, e -> {
            assertThat(e.stage()).isEqualTo("cgroup");
            assertThat(e.errnoName()).isEqualTo("EBUSY");
            assertThat(e.path()).isEqualTo(other.toString());
            assertThat(e.detail()).contains("also holds the processes [" + orphan + "], which this JVM did not start")
                .contains("no-internal-process rule").contains("start the JVM alone in its delegated cgroup");
          });
      assertThat(Files.exists(other.resolve(CgroupV2Driver.jvmLeafName()))).as("nothing was moved").isFalse();
      assertThat(ownPath()).endsWith("/" + CgroupV2Driver.jvmLeafName());
    } finally {
      ProcessHandle.of(orphan).ifPresent(ProcessHandle::destroyForcibly);
      assertThat(HostProcesses.awaitNoneContaining("sleep " + marker, 5000)).isEmpty();
      CgroupFiles.remove(other);
    }
    assertThat(Files.exists(other)).isFalse();
  }
}
