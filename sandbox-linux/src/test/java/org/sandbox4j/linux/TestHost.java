package org.sandbox4j.linux;

import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxLaunchException;

/**
 * What this test JVM may do on this host: the suite runs as root and as an unprivileged user
 * (.ci/run), so tests that need root or a cgroup say so, and tests whose point holds for
 * every user get a user namespace when they are not root.
 */
final class TestHost {
  private static volatile Object cgroups;

  private TestHost() {}

  /** Whether this JVM runs as root (effective uid 0). */
  static boolean root() {
    return LibC.INSTANCE.geteuid() == 0;
  }

  /**
   * {@code Sandbox.builder()}, with a user namespace when this JVM is not root: without one
   * only root may create the other namespaces (the kernel says EPERM).
   */
  static Sandbox.Builder builder() {
    return root() ? Sandbox.builder() : Sandbox.builder().userNamespace();
  }

  /**
   * Whether this JVM has a cgroup driver, as the provider detects it: root, or an unprivileged
   * user in a delegated cgroup v2 subtree. Limits and the account need one.
   */
  static boolean cgroupsUsable() {
    return !(cgroups() instanceof SandboxLaunchException);
  }

  /** Why this JVM has no cgroup driver; only when {@link #cgroupsUsable()} is false. */
  static SandboxLaunchException noCgroups() {
    return (SandboxLaunchException) cgroups();
  }

  /** The driver of this JVM; only when {@link #cgroupsUsable()}. */
  static CgroupDriver driver() {
    return (CgroupDriver) cgroups();
  }

  static void assumeCgroups() {
    assumeTrue(cgroupsUsable(), () -> "needs a cgroup: runs as root or in a delegated cgroup v2 subtree ("
        + noCgroups().getMessage() + ")");
  }

  static void assumeNoCgroups() {
    assumeFalse(cgroupsUsable(), "this user has a cgroup here: the fail-closed path needs a user without one");
  }

  static void assumeRoot(String why) {
    assumeTrue(root(), () -> "needs root: " + why);
  }

  static void assumeNotRoot(String why) {
    assumeFalse(root(), () -> "needs an unprivileged user: " + why);
  }

  private static Object cgroups() {
    Object state = cgroups;
    if (state == null) {
      synchronized (TestHost.class) {
        state = cgroups;
        if (state == null) {
          try {
            state = CgroupDriver.detect();
          } catch (SandboxLaunchException e) {
            state = e;
          }
          cgroups = state;
        }
      }
    }
    return state;
  }
}
