package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxLaunchException;
import org.sandbox4j.SandboxProcess;
import org.sandbox4j.Termination;

/** A thousand runs with every kind of ending leave nothing behind. */
class LeakTest {

  @Test
  void aThousandMixedRunsLeakNoFdThreadMountOrProcess() throws Exception {
    Sandbox strict = Sandbox.builder().strict().build();
    Sandbox timed = Sandbox.builder().strict().wallTimeLimit(Duration.ofMillis(5)).build();
    Sandbox limited = Sandbox.builder().strict().memoryLimit(org.sandbox4j.DataSize.ofMebibytes(64)).pidsLimit(8)
        .cpuTimeLimit(Duration.ofMillis(5)).build();
    boolean cgroups = TestHost.cgroupsUsable();
    strict.command("/bin/true").run(); // warm: the helper memfd and the reactor are created once
    int fds = HostProcesses.openFileDescriptors();
    int threads = Thread.activeCount();
    List<String> mounts = HostProcesses.mounts();

    for (int i = 0; i < 1000; i++) {
      switch (i % 6) {
        case 0:
          assertThat(strict.command("/bin/true").run().result().succeeded()).isTrue();
          break;
        case 1:
          assertThat(strict.command("/bin/sh", "-c", "echo out; exit 3").run().result().exitCode()).isEqualTo(3);
          break;
        case 2:
          assertThat(timed.command("/bin/sleep", "10").run().result().termination())
              .isEqualTo(Termination.WALL_TIME_LIMIT);
          break;
        case 3:
          try {
            strict.command("/no/such/program").start();
            throw new AssertionError("launch should fail");
          } catch (SandboxLaunchException expected) {
            assertThat(expected.stage()).isEqualTo("execve");
          }
          break;
        case 4:
          if (cgroups) {
            assertThat(limited.command("/bin/sh", "-c", "while :; do :; done").run().result().termination())
                .isEqualTo(Termination.CPU_TIME_LIMIT);
          } else {
            // An unprivileged user without a cgroup: the launch fails closed, and leaks nothing either.
            try {
              limited.command("/bin/sh", "-c", "while :; do :; done").start();
              throw new AssertionError("a launch with limits and no cgroup should fail");
            } catch (SandboxLaunchException expected) {
              assertThat(expected.stage()).isEqualTo("cgroup");
            }
          }
          break;
        default:
          try (SandboxProcess process = strict.command("/bin/sleep", "10").start()) {
            process.destroyForcibly();
            assertThat(process.waitForResult().termination()).isEqualTo(Termination.KILLED);
          }
      }
    }

    assertThat(HostProcesses.openFileDescriptors()).isEqualTo(fds);
    assertThat(Thread.activeCount()).isLessThanOrEqualTo(threads + 2); // the common pool may grow once
    assertThat(HostProcesses.mounts()).isEqualTo(mounts);
    assertThat(ProcessHandle.current().descendants().count()).isZero();
    assertThat(Reactor.get().watchedCount()).isZero();
    for (java.nio.file.Path parent : RunCgroups.parents()) {
      assertThat(RunCgroups.runsIn(parent)).as(parent.toString()).isEmpty();
    }
  }
}
