package org.sandbox4j.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The run cgroups on this host, for leak checks, and a v2 driver on the empty unified hierarchy. */
final class RunCgroups {
  private static final String UNIFIED = "/sys/fs/cgroup/unified";
  private static final String TEST_PARENT = "/sandbox4j-test";

  private RunCgroups() {}

  private static CgroupLayout layout() throws IOException {
    return CgroupLayout.parse(Files.readAllLines(Path.of("/proc/self/mountinfo")),
        Files.readAllLines(Path.of("/proc/self/cgroup")));
  }

  /** Whether the driver is v1 here (v1 and hybrid hosts), as CgroupDriver.detect decides. */
  static boolean hostUsesV1() throws IOException {
    return layout().v1.containsKey("memory");
  }

  /**
   * The parents of run cgroups this JVM uses, as its driver has them: one per v1 hierarchy, or
   * the v2 one; none where this user has no cgroups (then no run cgroup can be made either).
   */
  static List<Path> parents() {
    return TestHost.cgroupsUsable() ? TestHost.driver().parents() : List.of();
  }

  static List<Path> runsIn(Path parent) throws IOException {
    if (!Files.isDirectory(parent)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(parent)) {
      return children.filter(p -> p.getFileName().toString().startsWith("run-")).collect(Collectors.toList());
    }
  }

  static Path unifiedParent() {
    return Path.of(UNIFIED + TEST_PARENT);
  }

  /** A v2 driver on this hybrid host's controller-less unified hierarchy, or null where there is none. */
  static CgroupDriver unifiedDriverOrNull() {
    if (!Files.isRegularFile(Path.of(UNIFIED, "cgroup.controllers"))) {
      return null;
    }
    try {
      return new CgroupV2Driver(UNIFIED, "/", TEST_PARENT);
    } catch (org.sandbox4j.SandboxLaunchException e) {
      throw new IllegalStateException(e);
    }
  }
}
