package org.sandbox4j.linux;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.sandbox4j.ResourceUsage;

/**
 * The cgroup of one run: created with its limits before launch, removed after the run. It is
 * also where the run's {@code /proc} view reads its live numbers from.
 */
interface RunCgroup extends ProcViewReadings.Source {
  /** 1 or 2: how the helper joins the program to {@link #directories()}. */
  int version();

  /** The directories the program joins: one per v1 hierarchy, or the one v2 cgroup. */
  List<Path> directories();

  /**
   * Each of {@link #directories()}'s hierarchy, by the name of its directory under the
   * host's cgroup mount root, in the same order: v1 e.g. {@code memory}, {@code cpu,cpuacct};
   * v2 the one unified hierarchy, {@code ""}.
   */
  List<String> hierarchyNames();

  /** The file the helper reads the CPU usage from, for a CPU-time limit. */
  Path cpuUsageFile();

  /** 1: nanoseconds as one number (v1 {@code cpuacct.usage}); 2: {@code usage_usec} in v2 {@code cpu.stat}. */
  int cpuUsageFormat();

  /** What the run's processes used, read now. */
  ResourceUsage usage() throws IOException;

  /** What the run's {@code /proc} view shows, read now: memory, swap, CPU time (not the tasks). */
  @Override
  ProcViewReadings viewReadings() throws IOException;

  /** The run's tasks, each with its state, for the view's stat and load average. */
  @Override
  ProcViewReadings.Tasks viewTasks() throws IOException;

  /** Kills every process still in the cgroup, so that none escapes, then removes the cgroup. */
  void destroy() throws IOException, InterruptedException;

  /** {@link #destroy()} on a path that cannot report a failure: it is logged instead. */
  default void destroyQuietly() {
    try {
      destroy();
    } catch (IOException e) {
      java.util.logging.Logger.getLogger(RunCgroup.class.getName()).warning(e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
