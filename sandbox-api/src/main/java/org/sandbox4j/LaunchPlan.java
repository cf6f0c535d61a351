package org.sandbox4j;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.Sets;
import java.lang.ProcessBuilder.Redirect;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The whole truth of one launch: every namespace, id mapping, file system step, the
 * argument vector, the environment, the stdio redirects and the limits, after all defaults
 * and derived steps were filled in. Immutable; {@link #toString()} prints it for people, and
 * the provider encodes it, as it is, for the helper.
 */
public final class LaunchPlan {
  private final Set<Namespace> namespaces;
  private final List<IdMapping> uidMappings;
  private final List<IdMapping> gidMappings;
  private final Long runAsUid;
  private final Long runAsGid;
  private final String hostname;
  private final List<MountStep> mountSteps;
  private final String workingDirectory;
  private final List<String> command;
  private final List<String> environment;
  private final Redirect stdin;
  private final Redirect stdout;
  private final Redirect stderr;
  private final boolean redirectErrorStream;
  private final Duration wallTimeLimit;
  private final ResourceLimits limits;
  private final SeccompPolicy seccomp;
  private final Set<Capability> keptCapabilities;
  private final ProcView procView;

  private LaunchPlan(Builder b) {
    this.namespaces = Sets.immutableEnumSet(b.namespaces);
    this.uidMappings = ImmutableList.copyOf(b.uidMappings);
    this.gidMappings = ImmutableList.copyOf(b.gidMappings);
    this.runAsUid = b.runAsUid;
    this.runAsGid = b.runAsGid;
    this.hostname = b.hostname;
    this.mountSteps = ImmutableList.copyOf(b.mountSteps);
    this.workingDirectory = b.workingDirectory;
    this.command = ImmutableList.copyOf(b.command);
    this.environment = ImmutableList.copyOf(b.environment);
    this.stdin = b.stdin;
    this.stdout = b.stdout;
    this.stderr = b.stderr;
    this.redirectErrorStream = b.redirectErrorStream;
    this.wallTimeLimit = b.wallTimeLimit;
    this.limits = b.limits;
    this.seccomp = b.seccomp;
    this.keptCapabilities = Sets.immutableEnumSet(b.keptCapabilities);
    this.procView = b.procView;
  }

  /** Copies {@code p} with other limits. */
  private LaunchPlan(LaunchPlan p, ResourceLimits limits) {
    this.namespaces = p.namespaces;
    this.uidMappings = p.uidMappings;
    this.gidMappings = p.gidMappings;
    this.runAsUid = p.runAsUid;
    this.runAsGid = p.runAsGid;
    this.hostname = p.hostname;
    this.mountSteps = p.mountSteps;
    this.workingDirectory = p.workingDirectory;
    this.command = p.command;
    this.environment = p.environment;
    this.stdin = p.stdin;
    this.stdout = p.stdout;
    this.stderr = p.stderr;
    this.redirectErrorStream = p.redirectErrorStream;
    this.wallTimeLimit = p.wallTimeLimit;
    this.limits = requireNonNull(limits);
    this.seccomp = p.seccomp;
    this.keptCapabilities = p.keptCapabilities;
    this.procView = p.procView;
  }

  /** For providers: this plan with {@code limits} instead, e.g. without the limits a host cannot enforce. */
  public LaunchPlan withLimits(ResourceLimits limits) {
    return new LaunchPlan(this, limits);
  }

  /** For providers: assembles a plan. */
  public static Builder builder() {
    return new Builder();
  }

  public Set<Namespace> namespaces() {
    return namespaces;
  }

  /** The uid map written for the user namespace (defaults filled in); empty without one. */
  public List<IdMapping> uidMappings() {
    return uidMappings;
  }

  /** The gid map written for the user namespace (defaults filled in); empty without one. */
  public List<IdMapping> gidMappings() {
    return gidMappings;
  }

  public OptionalLong runAsUid() {
    return runAsUid == null ? OptionalLong.empty() : OptionalLong.of(runAsUid);
  }

  public OptionalLong runAsGid() {
    return runAsGid == null ? OptionalLong.empty() : OptionalLong.of(runAsGid);
  }

  public Optional<String> hostname() {
    return Optional.ofNullable(hostname);
  }

  /** File system steps in the order the helper carries them out; empty keeps the host's tree. */
  public List<MountStep> mountSteps() {
    return mountSteps;
  }

  public String workingDirectory() {
    return workingDirectory;
  }

  /** The argument vector; the first element is the program. */
  public List<String> command() {
    return command;
  }

  /** The environment, exactly: {@code NAME=VALUE} entries, nothing inherited. */
  public List<String> environment() {
    return environment;
  }

  public Redirect stdin() {
    return stdin;
  }

  public Redirect stdout() {
    return stdout;
  }

  public Redirect stderr() {
    return stderr;
  }

  /** Whether stderr goes where stdout goes. */
  public boolean redirectErrorStream() {
    return redirectErrorStream;
  }

  public Optional<Duration> wallTimeLimit() {
    return Optional.ofNullable(wallTimeLimit);
  }

  /** The seccomp policy the program runs under; empty when seccomp is off. */
  public Optional<SeccompPolicy> seccomp() {
    return Optional.ofNullable(seccomp);
  }

  /** The capabilities the program keeps; all others are dropped. */
  public Set<Capability> keptCapabilities() {
    return keptCapabilities;
  }

  /** The {@code /proc} view this plan applies; its files are among the {@link #mountSteps()}. */
  public ProcView procView() {
    return procView;
  }

  /** Resource limits; the run's cgroup is created for them at launch. */
  public ResourceLimits limits() {
    return limits;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof LaunchPlan)) {
      return false;
    }
    LaunchPlan p = (LaunchPlan) o;
    return namespaces.equals(p.namespaces) && uidMappings.equals(p.uidMappings)
        && gidMappings.equals(p.gidMappings) && Objects.equals(runAsUid, p.runAsUid)
        && Objects.equals(runAsGid, p.runAsGid) && Objects.equals(hostname, p.hostname)
        && mountSteps.equals(p.mountSteps) && workingDirectory.equals(p.workingDirectory)
        && command.equals(p.command) && environment.equals(p.environment)
        && stdin.equals(p.stdin) && stdout.equals(p.stdout) && stderr.equals(p.stderr)
        && redirectErrorStream == p.redirectErrorStream && Objects.equals(wallTimeLimit, p.wallTimeLimit)
        && limits.equals(p.limits) && Objects.equals(seccomp, p.seccomp)
        && keptCapabilities.equals(p.keptCapabilities) && procView == p.procView;
  }

  @Override
  public int hashCode() {
    return Objects.hash(namespaces, uidMappings, gidMappings, runAsUid, runAsGid, hostname, mountSteps,
        workingDirectory, command, environment, stdin, stdout, stderr, redirectErrorStream, wallTimeLimit, limits, seccomp, keptCapabilities,
        procView);
  }

  /** The plan for people, one fact per line. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("LaunchPlan\n");
    s.append("  namespaces: ").append(namespaces.isEmpty() ? "none" : namespaces).append('\n');
    if (!uidMappings.isEmpty()) {
      s.append("  uid map: ").append(uidMappings).append("  gid map: ").append(gidMappings).append('\n');
    }
    if (runAsUid != null) {
      s.append("  run as: ").append(runAsUid).append(':').append(runAsGid).append('\n');
    }
    if (hostname != null) {
      s.append("  hostname: ").append(hostname).append('\n');
    }
    if (mountSteps.isEmpty()) {
      s.append("  file system: the host's tree\n");
    }
    for (MountStep step : mountSteps) {
      s.append("  fs: ").append(step).append('\n');
    }
    s.append("  working directory: ").append(workingDirectory).append('\n');
    s.append("  command: ").append(command).append('\n');
    s.append("  environment: ").append(environment).append('\n');
    s.append("  stdin: ").append(stdin).append(", stdout: ").append(stdout).append(", stderr: ")
        .append(redirectErrorStream ? "to stdout" : stderr).append('\n');
    s.append("  wall-time limit: ").append(wallTimeLimit == null ? "none" : wallTimeLimit).append('\n');
    for (String limit : limits.describe()) {
      s.append("  limit: ").append(limit).append('\n');
    }
    s.append("  seccomp: ").append(seccomp == null ? "off" : seccomp).append('\n');
    s.append("  capabilities kept: ").append(keptCapabilities.isEmpty() ? "none" : keptCapabilities)
        .append(", no new privileges\n");
    s.append("  /proc view: ").append(procView.name().toLowerCase(java.util.Locale.ROOT)).append('\n');
    return s.toString();
  }

  /** Assembles a {@link LaunchPlan}; for providers. */
  public static final class Builder {
    private final EnumSet<Namespace> namespaces = EnumSet.noneOf(Namespace.class);
    private final List<IdMapping> uidMappings = new ArrayList<>();
    private final List<IdMapping> gidMappings = new ArrayList<>();
    private Long runAsUid;
    private Long runAsGid;
    private String hostname;
    private final List<MountStep> mountSteps = new ArrayList<>();
    private String workingDirectory = "/";
    private List<String> command = List.of();
    private final List<String> environment = new ArrayList<>();
    private Redirect stdin = Redirect.PIPE;
    private Redirect stdout = Redirect.PIPE;
    private Redirect stderr = Redirect.PIPE;
    private boolean redirectErrorStream;
    private Duration wallTimeLimit;
    private ResourceLimits limits = new ResourceLimits.Builder().build();
    private SeccompPolicy seccomp;
    private final EnumSet<Capability> keptCapabilities = EnumSet.noneOf(Capability.class);
    private ProcView procView = ProcView.OFF;

    private Builder() {}

    public Builder procView(ProcView value) {
      procView = requireNonNull(value);
      return this;
    }

    public Builder seccomp(SeccompPolicy value) {
      seccomp = value;
      return this;
    }

    public Builder keptCapabilities(Set<Capability> value) {
      keptCapabilities.addAll(value);
      return this;
    }

    public Builder namespaces(Set<Namespace> value) {
      namespaces.addAll(value);
      return this;
    }

    public Builder uidMapping(IdMapping mapping) {
      uidMappings.add(requireNonNull(mapping));
      return this;
    }

    public Builder gidMapping(IdMapping mapping) {
      gidMappings.add(requireNonNull(mapping));
      return this;
    }

    public Builder runAs(long uid, long gid) {
      runAsUid = uid;
      runAsGid = gid;
      return this;
    }

    public Builder hostname(String value) {
      hostname = value;
      return this;
    }

    public Builder mountStep(MountStep step) {
      mountSteps.add(requireNonNull(step));
      return this;
    }

    public Builder workingDirectory(String value) {
      workingDirectory = InsidePath.check("workingDirectory", value);
      return this;
    }

    public Builder command(List<String> value) {
      checkArgument(!value.isEmpty(), "command must not be empty");
      command = ImmutableList.copyOf(value);
      return this;
    }

    public Builder environmentEntry(String nameEqualsValue) {
      checkArgument(nameEqualsValue.indexOf('=') > 0, "environment entry needs NAME=VALUE: %s", nameEqualsValue);
      environment.add(nameEqualsValue);
      return this;
    }

    public Builder stdio(Redirect in, Redirect out, Redirect err, boolean errorToOutput) {
      stdin = requireNonNull(in);
      stdout = requireNonNull(out);
      stderr = requireNonNull(err);
      redirectErrorStream = errorToOutput;
      return this;
    }

    public Builder wallTimeLimit(Duration value) {
      wallTimeLimit = value;
      return this;
    }

    public Builder limits(ResourceLimits value) {
      limits = requireNonNull(value);
      return this;
    }

    public LaunchPlan build() {
      checkArgument(!command.isEmpty(), "a plan needs a command");
      return new LaunchPlan(this);
    }
  }
}
