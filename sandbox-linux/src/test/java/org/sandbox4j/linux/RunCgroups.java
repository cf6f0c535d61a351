package org.sandbox4j.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The run cgroups on this host, for leak checks, and a v2 driver on the empty unified hierarchy. */
final class RunCgroups {
  private static final String UNIFIED = "/sys/fs/cgroup/unified";
  private static final String TEST_PARENT = "/sandbox4j-test";

  private RunCgroups() {}

  /** The parents of run cgroups in every v1 hierarchy this JVM uses. */
  static List<Path> parents() throws IOException {
    CgroupLayout layout = CgroupLayout.parse(Files.readAllLines(Path.of("/proc/self/mountinfo")),
        Files.readAllLines(Path.of("/proc/self/cgroup")));
    List<Path> parents = new ArrayList<>();
    for (CgroupLayout.Hierarchy h : new java.util.HashSet<>(layout.v1.values())) {
      parents.add(Path.of(h.mountPoint + (h.ownPath.equals("/") ? "" : h.ownPath) + "/" + CgroupDriver.PARENT_NAME));
    }
    return parents;
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
