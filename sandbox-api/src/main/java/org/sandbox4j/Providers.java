package org.sandbox4j;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.sandbox4j.spi.SandboxProvider;

/** Finds the provider for this host once. */
final class Providers {
  private static volatile SandboxProvider cached;

  private Providers() {}

  /** Lets the host's provider check a new policy; without a provider there is nothing to check against. */
  static void validate(Sandbox sandbox) {
    SandboxProvider provider;
    try {
      provider = get();
    } catch (SandboxLaunchException noProvider) {
      return; // start() reports it
    }
    provider.validate(sandbox);
  }

  static SandboxProvider get() throws SandboxLaunchException {
    SandboxProvider provider = cached;
    if (provider != null) {
      return provider;
    }
    List<String> unavailable = new ArrayList<>();
    for (SandboxProvider candidate : ServiceLoader.load(SandboxProvider.class, Sandbox.class.getClassLoader())) {
      if (candidate.isAvailable()) {
        cached = candidate;
        return candidate;
      }
      unavailable.add(candidate.name());
    }
    throw new SandboxLaunchException("provider", "", 0, "",
        unavailable.isEmpty()
            ? "no sandbox provider on the class path: add the org.sandbox4j:sandbox-linux dependency"
            : "no provider works on " + System.getProperty("os.name") + "/" + System.getProperty("os.arch")
                + " (found: " + String.join(", ", unavailable) + ")");
  }
}
