package org.sandbox4j.examples.cli;

import org.sandbox4j.HostReport;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxLaunchException;

/**
 * What this test JVM may do on this host: the suite runs as root and as an unprivileged user
 * (.ci/run), and an unprivileged user gets cgroups for limits only from a delegated subtree.
 */
final class TestHost {
  private static volatile HostReport.Check cgroupDriver;

  private TestHost() {}

  /** The doctor's check of the cgroup driver: PASS where limits can be enforced for this user. */
  static HostReport.Check cgroupDriver() {
    HostReport.Check check = cgroupDriver;
    if (check == null) {
      try {
        check = Sandbox.doctor().checks().stream().filter(c -> c.name().equals("cgroup driver")).findFirst()
            .orElseThrow(() -> new AssertionError("the doctor has no cgroup driver check"));
      } catch (SandboxLaunchException e) {
        throw new AssertionError("no sandbox provider here", e);
      }
      cgroupDriver = check;
    }
    return check;
  }

  static boolean cgroupsUsable() {
    return cgroupDriver().status() == HostReport.Status.PASS;
  }
}
