package org.sandbox4j.linux;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.Optional;
import java.util.SortedSet;
import org.sandbox4j.HostReport;
import org.sandbox4j.LaunchPlan;
import org.sandbox4j.ProcView;
import org.sandbox4j.ResourceLimits;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxCommand;
import org.sandbox4j.SandboxLaunchException;
import org.sandbox4j.spi.ProcessControl;
import org.sandbox4j.spi.SandboxProvider;

/** The Linux provider: namespaces, pivot_root and a supervising static helper. */
public final class LinuxSandboxProvider implements SandboxProvider {
  private volatile HelperBinary helper;
  /** The cgroup driver, or the reason there is none; detected once. */
  private volatile Object cgroups;
  /** Why a live view cannot be mounted, by whether the sandbox has a user namespace; tried once each. */
  private final Map<Boolean, Optional<String>> liveMountFailures = new ConcurrentHashMap<>();
  private static final long LIVE_PROBE_SECONDS = 10;
  /** Why sandboxes cannot get inodes of their own, by whether they have a user namespace; tried once each. */
  private final Map<Boolean, Optional<String>> privateInodesFailures = new ConcurrentHashMap<>();

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
    Object state = cgroups();
    Optional<String> noCgroup = state instanceof CgroupDriver ? Optional.empty()
        : Optional.of(((SandboxLaunchException) state).detail());
    return Planner.plan(sandbox, command, LibC.INSTANCE.geteuid(), LibC.INSTANCE.getegid(),
        HostViewSupport.of(noCgroup, userNamespace -> liveMountFailures.computeIfAbsent(userNamespace,
            this::tryLiveView), this::privateInodesFailure));
  }

  /**
   * Launches {@code /bin/true} once with a live view (in a user namespace or not, as the
   * sandboxes that ask): where /dev/fuse opens but the kernel or a security policy refuses
   * the FUSE mount (in a user namespace before Linux 4.18, an LSM, a nested container),
   * automatic views fall back to static ones instead of failing every launch.
   */
  private Optional<String> tryLiveView(boolean userNamespace) {
    try {
      Sandbox.Builder builder = Sandbox.builder().hostRootfs().mountProc().procView(ProcView.LIVE).withoutSeccomp();
      if (userNamespace) {
        builder.userNamespace();
      }
      Sandbox probe = builder.build();
      LaunchPlan plan = Planner.plan(probe, probe.command("/bin/true"), LibC.INSTANCE.geteuid(),
          LibC.INSTANCE.getegid(), HostViewSupport.withoutPrivateInodes(Optional.empty(), "not part of this probe"));
      HelperProcess process = HelperProcess.start(plan, helper().execPath(), cgroupDriver());
      try {
        process.result().get(LIVE_PROBE_SECONDS, TimeUnit.SECONDS);
      } finally {
        process.close();
      }
      return Optional.empty();
    } catch (SandboxLaunchException e) {
      return Optional.of("a live view could not be mounted here (" + e.getMessage() + ")");
    } catch (ExecutionException | TimeoutException e) {
      return Optional.of("a sandbox with a live view did not finish (" + e + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while trying a live view");
    }
  }

  /**
   * Why sandboxes (with a user namespace or without) cannot get inodes of their own for the
   * host files they share read-only; tried once each by launching {@code /bin/true} in a
   * host-derived root with overlays (and, as root, device nodes of its own). Where the
   * kernel refuses (no overlay module, a user namespace before Linux 5.11), sandboxes fall
   * back to binds of the host's files, and the doctor says that locks on them are shared.
   */
  Optional<String> privateInodesFailure(boolean userNamespace) {
    return privateInodesFailures.computeIfAbsent(userNamespace, this::tryPrivateInodes);
  }

  private Optional<String> tryPrivateInodes(boolean userNamespace) {
    try {
      Sandbox.Builder builder = Sandbox.builder().hostRootfs().mountDev().withoutSeccomp();
      if (userNamespace) {
        builder.userNamespace();
      }
      Sandbox probe = builder.build();
      LaunchPlan plan = Planner.plan(probe, probe.command("/bin/true"), LibC.INSTANCE.geteuid(),
          LibC.INSTANCE.getegid(), HostViewSupport.of(Optional.empty()));
      HelperProcess process = HelperProcess.start(plan, helper().execPath(), null); // no cgroup needed (nor there, rootless)
      try {
        org.sandbox4j.SandboxResult result = process.result().get(LIVE_PROBE_SECONDS, TimeUnit.SECONDS);
        if (!result.succeeded()) {
          return Optional.of("/bin/true with read-only overlays ended " + result.termination());
        }
      } finally {
        process.close();
      }
      return Optional.empty();
    } catch (SandboxLaunchException e) {
      return Optional.of("read-only overlays could not be mounted here (" + e.getMessage() + ")");
    } catch (ExecutionException | TimeoutException e) {
      return Optional.of("a sandbox with read-only overlays did not finish (" + e + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while trying read-only overlays");
    }
  }

  @Override
  public ProcessControl start(LaunchPlan plan) throws SandboxLaunchException {
    Object state = cgroups();
    CgroupDriver driver = state instanceof CgroupDriver ? (CgroupDriver) state : null;
    if (driver == null && plan.limits().needsCgroup()) {
      SandboxLaunchException reason = (SandboxLaunchException) state;
      List<String> limits = cgroupLimits(plan.limits());
      if (!plan.limits().unenforcedAllowed()) {
        // Fail closed: a limit that cannot be enforced is an error, never a silently weaker sandbox.
        throw new SandboxLaunchException(reason.stage(), reason.path(), reason.errno(), reason.errnoName(),
            String.join(", ", limits) + " cannot be enforced without a cgroup, and this JVM has none: "
                + reason.detail(), reason);
      }
      // The caller allowed it: the run goes without them, and its result names each one.
      List<String> unenforced = new ArrayList<>();
      limits.forEach(limit -> unenforced.add(limit + ": not enforced, this JVM has no cgroup (" + reason.getMessage()
          + ")"));
      return HelperProcess.start(plan.withLimits(plan.limits().withoutCgroupLimits()), helper().execPath(), null,
          unenforced);
    }
    return HelperProcess.start(plan, helper().execPath(), driver);
  }

  /** The limits in {@code limits} that need a cgroup, each as its builder option with its value. */
  static List<String> cgroupLimits(ResourceLimits limits) {
    List<String> names = new ArrayList<>();
    limits.memory().ifPresent(m -> names.add("memoryLimit(" + m + ")"));
    limits.memorySoft().ifPresent(m -> names.add("memorySoftLimit(" + m + ")"));
    limits.cpuQuota().ifPresent(q -> names.add("cpuQuota(" + q.toNanos() / 1000 + " us per "
        + limits.cpuPeriod().get().toNanos() / 1000 + " us)"));
    limits.cpus().ifPresent(c -> names.add("cpuset(" + OnlineCpus.format(c) + ")"));
    limits.memoryNodes().ifPresent(n -> names.add("memoryNodes(" + OnlineCpus.format(n) + ")"));
    limits.pids().ifPresent(p -> names.add("pidsLimit(" + p + ")"));
    limits.io().forEach(t -> names.add("ioThrottle(" + t + ")"));
    limits.cpuTime().ifPresent(t -> names.add("cpuTimeLimit(" + t + ")"));
    return names;
  }

  /**
   * Checks this host with what this provider uses: its helper and its cgroup driver (or the
   * reason it has none), so the report says what a launch here would meet.
   */
  @Override
  public HostReport doctor() {
    return new HostDoctor(this::helper, this::cgroupDriver).report();
  }

  @Override
  public void validate(Sandbox sandbox) {
    try {
      if (sandbox.limits().cpus().isPresent()) {
        checkSubset("cpuset", sandbox.limits().cpus().get(), OnlineCpus.cpus(), "CPU");
      }
      if (sandbox.limits().memoryNodes().isPresent()) {
        checkSubset("memoryNodes", sandbox.limits().memoryNodes().get(), OnlineCpus.memoryNodes(), "memory node");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the host's CPUs and memory nodes: " + e, e);
    }
    sandbox.seccomp().ifPresent(policy -> {
      java.util.Set<String> unknown = SeccompCompiler.unknownNames(policy);
      if (!unknown.isEmpty()) {
        throw new IllegalArgumentException("seccomp: unknown syscall names " + unknown
            + " (names as in the kernel's syscall tables, e.g. openat)");
      }
      // The helper calls write, read and execve after installing the filter: a policy that
      // refuses them could never start a program.
      SeccompCompiler.requireExecPath(policy, SyscallTable.forHost());
    });
  }

  private static void checkSubset(String option, SortedSet<Integer> wanted, SortedSet<Integer> host, String what) {
    for (int id : wanted) {
      if (!host.contains(id)) {
        throw new IllegalArgumentException(option + ": " + what + " " + id + " is not online on this host (online: "
            + OnlineCpus.format(host) + ")");
      }
    }
  }

  /** The cgroup driver, or the SandboxLaunchException saying why this host has none for us. */
  private Object cgroups() {
    Object state = cgroups;
    if (state == null) {
      synchronized (this) {
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

  private CgroupDriver cgroupDriver() throws SandboxLaunchException {
    Object state = cgroups();
    if (state instanceof CgroupDriver) {
      return (CgroupDriver) state;
    }
    throw (SandboxLaunchException) state;
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
