package org.sandbox4j.linux;

import java.util.Locale;
import org.sandbox4j.LaunchPlan;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxCommand;
import org.sandbox4j.SandboxLaunchException;
import org.sandbox4j.spi.ProcessControl;
import org.sandbox4j.spi.SandboxProvider;

/** The Linux provider: namespaces, pivot_root and a supervising static helper. */
public final class LinuxSandboxProvider implements SandboxProvider {
  private volatile HelperBinary helper;

  /** Public for {@link java.util.ServiceLoader}. */
  public LinuxSandboxProvider() {}

  @Override
  public String name() {
    return "linux";
  }

  @Override
  public boolean isAvailable() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    return os.equals("linux") && (HelperBinary.bundled() || System.getProperty(HelperBinary.PROPERTY) != null);
  }

  @Override
  public LaunchPlan plan(Sandbox sandbox, SandboxCommand command) throws SandboxLaunchException {
    return Planner.plan(sandbox, command, LibC.INSTANCE.geteuid(), LibC.INSTANCE.getegid());
  }

  @Override
  public ProcessControl start(LaunchPlan plan) throws SandboxLaunchException {
    return HelperProcess.start(plan, helper().execPath());
  }

  private HelperBinary helper() throws SandboxLaunchException {
    HelperBinary h = helper;
    if (h == null) {
      synchronized (this) {
        h = helper;
        if (h == null) {
          h = HelperBinary.load();
          helper = h;
        }
      }
    }
    return h;
  }
}
