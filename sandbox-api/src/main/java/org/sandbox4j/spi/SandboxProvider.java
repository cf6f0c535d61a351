package org.sandbox4j.spi;

import org.sandbox4j.LaunchPlan;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxCommand;
import org.sandbox4j.SandboxLaunchException;

/**
 * Carries out sandboxes on one kind of operating system. Found through
 * {@link java.util.ServiceLoader}; {@code sandbox-linux} is the Linux provider. Not for
 * application code: applications use {@link Sandbox}.
 */
public interface SandboxProvider {
  /** A short name, e.g. {@code linux}. */
  String name();

  /** Whether this provider can work on this operating system and architecture at all. */
  boolean isAvailable();

  /**
   * Turns a policy and one command into the complete plan: derived mounts, default id
   * mappings and the like filled in, host paths checked.
   */
  LaunchPlan plan(Sandbox sandbox, SandboxCommand command) throws SandboxLaunchException;

  /**
   * Checks a policy against this host when it is built, e.g. that a cpuset names CPUs the
   * host has; throws {@link IllegalArgumentException} naming the option and the value.
   */
  default void validate(Sandbox sandbox) {}

  /** Checks what this host offers sandboxes, for this user; see {@link org.sandbox4j.Sandbox#doctor()}. */
  org.sandbox4j.HostReport doctor();

  /** Launches a plan; returns once the program runs, or throws naming the failed stage. */
  ProcessControl start(LaunchPlan plan) throws SandboxLaunchException;
}
