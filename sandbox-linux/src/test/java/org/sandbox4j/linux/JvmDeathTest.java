package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A JVM killed with SIGKILL leaves no sandbox process behind: the helper sees fd 3 close. */
class JvmDeathTest {

  @ParameterizedTest(name = "pid namespace: {0}")
  @ValueSource(booleans = {true, false})
  void killingTheJvmKillsEverySandboxProcessWithinASecond(boolean pidNamespace) throws Exception {
    String marker = HostProcesses.marker();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
        System.getProperty("java.class.path"),
        JvmDeathChild.class.getName(), marker, Boolean.toString(pidNamespace))
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      String line = new BufferedReader(new InputStreamReader(child.getInputStream())).readLine();
      assertThat(line).startsWith("started ");
      // the shell, its sleep and the setsid daemon: the daemon forks a moment after "started"
      java.util.List<Long> running = HostProcesses.withCommandLineContaining("sleep " + marker);
      for (int i = 0; i < 100 && running.size() < 3; i++) {
        Thread.sleep(20);
        running = HostProcesses.withCommandLineContaining("sleep " + marker);
      }
      assertThat(running).hasSizeGreaterThanOrEqualTo(2);
      child.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no close()
      assertThat(HostProcesses.awaitNoneContaining("sleep " + marker, 1000)).isEmpty();
      assertThat(HostProcesses.awaitNoneContaining("sandbox4j-helper", 1000)
          .stream().filter(pid -> isDescendantOf(pid, child.pid())).count()).isZero();
      // Nobody is left to remove the run cgroups: the helper does, once the tree is dead.
      for (Path parent : RunCgroups.parents()) {
        assertThat(awaitNoRunsOf(parent, child.pid())).as(parent.toString()).isEmpty();
      }
    } finally {
      child.destroyForcibly();
    }
  }

  private static java.util.List<Path> awaitNoRunsOf(Path parent, long jvmPid) throws Exception {
    java.util.List<Path> left = java.util.List.of();
    for (int i = 0; i < 100; i++) {
      left = RunCgroups.runsIn(parent).stream()
          .filter(p -> p.getFileName().toString().startsWith("run-" + jvmPid + "-"))
          .collect(java.util.stream.Collectors.toList());
      if (left.isEmpty()) {
        break;
      }
      Thread.sleep(10);
    }
    return left;
  }

  private static boolean isDescendantOf(long pid, long ancestor) {
    return ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(p -> p.pid() == ancestor).orElse(false);
  }
}
