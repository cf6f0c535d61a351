package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sandbox4j.CompletedRun;
import org.sandbox4j.DataSize;
import org.sandbox4j.ProcView;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxProcess;
import org.sandbox4j.SandboxResult;
import org.sandbox4j.Termination;

/**
 * This JVM inside a container: its own cgroup namespace and mount namespace, cgroup2 mounted
 * afresh so that the hierarchy's root is the container's cgroup, with the container's limits
 * on that cgroup, which the container may not change. Runs in the VM's container pass, whose
 * surefire JVM .ci/vm/container-jvm starts that way and names the container's cgroup (its
 * host path) in {@value #ENV}; skipped everywhere else.
 */
class ContainerTest {
  private static final String ENV = "SANDBOX4J_TEST_CONTAINER";
  private static final Path MOUNT = Path.of("/sys/fs/cgroup");
  private static final long MIB = 1 << 20;

  @BeforeEach
  void inTheContainer() {
    assumeTrue(System.getenv(ENV) != null, ENV + " names the container's cgroup in the VM's container pass");
    TestHost.assumeCgroups();
  }

  private static String ownPath() throws Exception {
    return Files.readAllLines(Path.of("/proc/self/cgroup")).stream().filter(l -> l.startsWith("0::"))
        .map(l -> l.substring(3)).findFirst().orElseThrow();
  }

  /** The container's memory.max, as the operator set it on the namespace's root. */
  private static long containerMemory() throws Exception {
    return Long.parseLong(CgroupFiles.read(MOUNT.resolve("memory.max")));
  }

  @Test
  void theJvmSeesOnlyItsContainersCgroupAndMovedIntoALeafOfIt() throws Exception {
    String host = System.getenv(ENV);
    // The namespace's root is the container's cgroup: the JVM's path is relative to it, not the
    // host's, and the host's root lies above it (a process outside shows as "/..").
    assertThat(ownPath()).isEqualTo("/" + CgroupV2Driver.jvmLeafName());
    assertThat(Files.exists(MOUNT.resolve(host.substring(1)))).as("the host's path is not visible").isFalse();
    assertThat(Files.readAllLines(Path.of("/proc/1/cgroup"))).as("the VM's init, in the host's root cgroup")
        .containsExactly("0::/..");
    // The root of this hierarchy holds processes unless the JVM moved out of it: it did, and
    // gives the controllers to its children.
    assertThat(CgroupFiles.read(MOUNT.resolve("cgroup.procs"))).as("no process left in the container's root").isEmpty();
    assertThat(Set.of(CgroupFiles.read(MOUNT.resolve("cgroup.subtree_control")).split(" ")))
        .contains("cpu", "cpuset", "io", "memory", "pids");
    assertThat(TestHost.driver().parents()).containsExactly(MOUNT.resolve(CgroupDriver.PARENT_NAME));
    assertThat(TestHost.driver().describe()).contains("this JVM moved into " + CgroupV2Driver.jvmLeafName());
    // The container's own limits are the operator's: not writable from inside, even by root.
    assertThat(CgroupFiles.tryWrite(MOUNT.resolve("memory.max"), "max")).as("EPERM").isEqualTo(1);
    assertThat(containerMemory()).isEqualTo(1536 * MIB);
  }

  @Test
  void aSandboxsCgroupIsInsideTheContainersUnderItsLimits() throws Exception {
    try (SandboxProcess process = Sandbox.builder().strict().memoryLimit(DataSize.ofMebibytes(64)).pidsLimit(8)
        .build().command("/bin/sh", "-c", "echo ready; exec sleep 30").start()) {
      assertThat(new BufferedReader(new InputStreamReader(process.getInputStream())).readLine()).isEqualTo("ready");
      List<Path> runs = RunCgroups.runsIn(MOUNT.resolve(CgroupDriver.PARENT_NAME));
      assertThat(runs).hasSize(1);
      Path run = runs.get(0);
      // As this JVM sees it (relative to the container's root), so below the container on the host.
      assertThat(Files.readAllLines(Path.of("/proc/" + process.pid() + "/cgroup")))
          .containsExactly("0::/" + CgroupDriver.PARENT_NAME + "/" + run.getFileName());
      assertThat(CgroupFiles.read(run.resolve("memory.max"))).isEqualTo(Long.toString(64 * MIB));
      assertThat(CgroupFiles.read(run.resolve("pids.max"))).isEqualTo("8");
      process.destroyForcibly();
      assertThat(process.waitForResult().termination()).isEqualTo(Termination.KILLED);
    }
    assertThat(RunCgroups.runsIn(MOUNT.resolve(CgroupDriver.PARENT_NAME))).isEmpty();
  }

  /**
   * A sandbox may ask for more than the container has: the container's limit still holds. The
   * OOM kill comes from the container's memory.max, an ancestor's, and the kernel counts it in
   * the victim's own cgroup's memory.events (oom_kill is hierarchical and charged to the
   * killed task's cgroup), so the verdict is MEMORY_LIMIT as for the sandbox's own limit.
   */
  @Test
  void aSandboxAskingForMoreMemoryThanTheContainerHasIsKilledAtTheContainersLimit() throws Exception {
    long container = containerMemory();
    String program = String.join("\n",
        "import sys",
        "a = []",
        "for i in range(32):",
        "    a.append(b'\\x01' * (64 << 20))",
        "    print(len(a) * 64, flush=True)");
    CompletedRun run = Sandbox.builder().strict().memoryLimit(DataSize.ofGibibytes(4)).build()
        .command("/usr/bin/python3", "-c", program).run();
    SandboxResult result = run.result();
    List<String> lines = run.stdout().lines().toList();
    long reached = lines.isEmpty() ? 0 : Long.parseLong(lines.get(lines.size() - 1));
    assertThat(reached).as("MiB the program held: %s", result).isLessThan(2048).isLessThan(container / MIB);
    assertThat(result.termination()).as("%s\nstderr: %s", result, run.stderr()).isEqualTo(Termination.MEMORY_LIMIT);
    assertThat(result.usage().orElseThrow().oomKills()).isPositive();
    assertThat(result.usage().orElseThrow().peakMemoryBytes().orElseThrow()).isLessThanOrEqualTo(container);
    // The JVM, in the same container, lives on and can run the next sandbox.
    assertThat(Sandbox.builder().strict().build().command("/bin/true").run().result().succeeded()).isTrue();
  }

  /** The /proc view's MemTotal is the lowest limit up to the container's root: the container's. */
  @Test
  void theProcViewShowsTheContainersMemoryWhenTheSandboxAsksForMore() throws Exception {
    CompletedRun run = Sandbox.builder().strict().memoryLimit(DataSize.ofGibibytes(4)).procView(ProcView.LIVE).build()
        .command("/bin/sh", "-c", "head -1 /proc/meminfo").run();
    assertThat(run.result().succeeded()).as("%s\nstderr: %s", run.result(), run.stderr()).isTrue();
    assertThat(run.stdout().trim()).matches("MemTotal:\\s+" + containerMemory() / 1024 + " kB");
  }
}
