package org.sandbox4j;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.Sets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * An isolation policy: which namespaces, which file system, which limits. Immutable,
 * thread-safe and reusable: build it once, run many commands with it.
 *
 * <pre>{@code
 * Sandbox sandbox = Sandbox.builder()
 *     .strict()                                   // every namespace, read-only host root, /proc, /dev, /tmp
 *     .wallTimeLimit(Duration.ofSeconds(2))
 *     .build();
 * CompletedRun run = sandbox.command("python3", "-c", "print(6 * 7)").run();
 * }</pre>
 *
 * <p>Options that only work inside a namespace turn that namespace on: a root file system
 * or mount needs the mount namespace, a hostname the UTS namespace, a fresh {@code /proc}
 * the PID namespace. {@link #describe()} states, in words, what is and is not applied.
 */
public final class Sandbox {
  /** The hostname of a sandbox with a UTS namespace when {@link Builder#hostname} is not given. */
  public static final String DEFAULT_HOSTNAME = "sandbox";

  /** The size of {@code /tmp} when {@link Builder#mountTmp()} is given no size. */
  public static final DataSize DEFAULT_TMP_SIZE = DataSize.ofMebibytes(128);

  private final Set<Namespace> namespaces;
  private final RootFilesystem root;
  private final List<Mount> mounts;
  private final boolean proc;
  private final boolean dev;
  private final DataSize tmpSize;
  private final String hostname;
  private final String workingDirectory;
  private final Duration wallTimeLimit;
  private final List<IdMapping> uidMappings;
  private final List<IdMapping> gidMappings;
  private final Long runAsUid;
  private final Long runAsGid;
  private final ResourceLimits limits;
  private final SeccompPolicy seccomp;
  private final Set<Capability> keptCapabilities;
  private final Set<Namespace> sharedNamespaces;
  private final ProcView procView;

  private Sandbox(Builder b, Set<Namespace> namespaces, RootFilesystem root, boolean proc, boolean dev,
      DataSize tmpSize, String hostname) {
    this.namespaces = Sets.immutableEnumSet(namespaces);
    this.root = root;
    this.mounts = ImmutableList.copyOf(b.mounts);
    this.proc = proc;
    this.dev = dev;
    this.tmpSize = tmpSize;
    this.hostname = hostname;
    this.workingDirectory = b.workingDirectory == null ? "/" : b.workingDirectory;
    this.wallTimeLimit = b.wallTimeLimit;
    this.uidMappings = ImmutableList.copyOf(b.uidMappings);
    this.gidMappings = ImmutableList.copyOf(b.gidMappings);
    this.runAsUid = b.runAsUid;
    this.runAsGid = b.runAsGid;
    this.limits = b.limits.build();
    this.seccomp = b.noSeccomp ? null : b.seccomp != null ? b.seccomp : SeccompPolicy.strictDefault();
    this.keptCapabilities = Sets.immutableEnumSet(b.keptCapabilities);
    this.sharedNamespaces = Sets.immutableEnumSet(b.shared);
    this.procView = b.procView;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Checks what this host offers sandboxes, for the current user: each namespace, the
   * cgroup version, mode and controllers, kernel features and restrictions, each with
   * pass or fail and the remedy. Quick (well under a second): safe to call at startup.
   */
  public static HostReport doctor() throws SandboxLaunchException {
    return Providers.get().doctor();
  }

  /** A run of {@code command} (program and arguments) under this policy. */
  public SandboxCommand command(String... command) {
    return command(Arrays.asList(requireNonNull(command, "command")));
  }

  /** A run of {@code command} (program and arguments) under this policy. */
  public SandboxCommand command(List<String> command) {
    return new SandboxCommand(this, command);
  }

  /** The namespaces the program gets, implied ones included. */
  public Set<Namespace> namespaces() {
    return namespaces;
  }

  /** The namespaces the caller chose to leave shared with the host ({@link Builder#shareNamespace}). */
  public Set<Namespace> sharedNamespaces() {
    return sharedNamespaces;
  }

  /**
   * The {@code /proc} view the caller chose; empty means automatic: {@link ProcView#LIVE} (or
   * {@link ProcView#STATIC} where FUSE is missing) for a sandbox with its own {@code /proc}
   * and a memory or CPU limit, else {@link ProcView#OFF}.
   */
  public Optional<ProcView> procView() {
    return Optional.ofNullable(procView);
  }

  /** The root the program sees; empty means the host's own tree. */
  public Optional<RootFilesystem> rootFilesystem() {
    return Optional.ofNullable(root);
  }

  /** Extra mounts, in the order they are made. */
  public List<Mount> mounts() {
    return mounts;
  }

  /** Whether a fresh {@code /proc} of the sandbox's PID namespace is mounted. */
  public boolean mountsProc() {
    return proc;
  }

  /**
   * Whether a minimal {@code /dev} is mounted: {@code null}, {@code zero}, {@code full},
   * {@code random}, {@code urandom}, {@code tty}, the {@code fd} and std* links, {@code shm}.
   */
  public boolean mountsDev() {
    return dev;
  }

  /** The size of the tmpfs at {@code /tmp}; empty when none is mounted. */
  public Optional<DataSize> tmpSize() {
    return Optional.ofNullable(tmpSize);
  }

  public Optional<String> hostname() {
    return Optional.ofNullable(hostname);
  }

  /** The working directory inside the sandbox, unless a command overrides it; {@code /} by default. */
  public String workingDirectory() {
    return workingDirectory;
  }

  /** The wall-clock limit, enforced by the helper outside the sandbox. */
  public Optional<Duration> wallTimeLimit() {
    return Optional.ofNullable(wallTimeLimit);
  }

  /** Explicit uid mappings of the user namespace; empty means the default mapping. */
  public List<IdMapping> uidMappings() {
    return uidMappings;
  }

  /** Explicit gid mappings of the user namespace; empty means the default mapping. */
  public List<IdMapping> gidMappings() {
    return gidMappings;
  }

  /** The uid the program runs as (inside the user namespace when there is one). */
  public OptionalLong runAsUid() {
    return runAsUid == null ? OptionalLong.empty() : OptionalLong.of(runAsUid);
  }

  /** The gid the program runs as (inside the user namespace when there is one). */
  public OptionalLong runAsGid() {
    return runAsGid == null ? OptionalLong.empty() : OptionalLong.of(runAsGid);
  }

  /** The seccomp policy; empty only after {@link Builder#withoutSeccomp()}. */
  public Optional<SeccompPolicy> seccomp() {
    return Optional.ofNullable(seccomp);
  }

  /** Capabilities the program keeps; all others are dropped (bounding set included). */
  public Set<Capability> keptCapabilities() {
    return keptCapabilities;
  }

  /** Memory, CPU, pids, I/O, CPU-time, output and per-process limits. */
  public ResourceLimits limits() {
    return limits;
  }

  /**
   * What this sandbox isolates and what it does not, one line each, in words. Lines of
   * isolation that is not applied start with {@code [ ]} and say what the program can do.
   */
  public String describe() {
    StringBuilder s = new StringBuilder("sandbox4j isolation:\n");
    for (Namespace ns : Namespace.values()) {
      boolean on = namespaces.contains(ns);
      s.append(on ? "  [x] " : "  [ ] ").append(ns.title()).append(": ")
          .append(on ? ns.whenApplied() : ns.whenNotApplied()).append('\n');
    }
    s.append(root != null ? "  [x] root: " + root : "  [ ] root: the host's own file system tree").append('\n');
    if (root != null) {
      s.append(proc ? "  [x] /proc: fresh, of the sandbox's PID namespace" : "  [ ] /proc: not mounted")
          .append('\n');
      s.append(dev ? "  [x] /dev: minimal (null zero full random urandom tty, shm)" : "  [ ] /dev: not mounted")
          .append('\n');
      s.append(tmpSize != null ? "  [x] /tmp: tmpfs of " + tmpSize : "  [ ] /tmp: not mounted").append('\n');
    }
    boolean view = procView == null ? proc && limits.shapesMachine() : procView != ProcView.OFF;
    s.append(view ? "  [x] /proc view: " + (procView == null ? "automatic (live where FUSE is available, else static)"
        : procView.name().toLowerCase(java.util.Locale.ROOT)) + ": meminfo, cpuinfo, stat, uptime, loadavg show the"
        + " sandbox's limits and use"
        : "  [ ] /proc view: off" + (procView == null && proc ? " (no memory or CPU limit to show)" : "")
            + ": /proc shows the host's CPUs, memory, uptime and load").append('\n');
    for (Mount m : mounts) {
      s.append("  [x] mount: ").append(m).append('\n');
    }
    s.append(wallTimeLimit != null ? "  [x] wall-time limit: " + wallTimeLimit : "  [ ] wall-time limit: none")
        .append('\n');
    s.append(seccomp != null
        ? "  [x] seccomp: " + (seccomp.equals(SeccompPolicy.strictDefault()) ? "the strict default policy" : seccomp)
        : "  [ ] seccomp: off — every syscall the kernel offers is open to the program").append('\n');
    s.append(keptCapabilities.isEmpty() ? "  [x] capabilities: none; no new privileges (setuid binaries gain nothing)"
        : "  [x] capabilities: only " + keptCapabilities + "; no new privileges").append('\n');
    if (!limits.needsCgroup()) {
      s.append("  [ ] resource limits: none on memory, CPU, pids or I/O\n");
    }
    for (String limit : limits.describe()) {
      s.append("  [x] ").append(limit).append('\n');
    }
    if (hostname != null) {
      s.append("      hostname: ").append(hostname).append('\n');
    }
    s.append("      working directory: ").append(workingDirectory).append('\n');
    if (runAsUid != null) {
      s.append("      runs as uid ").append(runAsUid).append(", gid ").append(runAsGid)
          .append(namespaces.contains(Namespace.USER) ? " inside the user namespace" : " on the host").append('\n');
    }
    return s.toString();
  }

  @Override
  public String toString() {
    return "Sandbox" + namespaces + (root == null ? "" : " root=" + root.kind())
        + (mounts.isEmpty() ? "" : " mounts=" + mounts);
  }

  /**
   * Builds a {@link Sandbox}. Each option validates its value at once and may be set only
   * once; {@link #build()} checks the options against each other. Not thread-safe.
   */
  public static final class Builder {
    private final EnumSet<Namespace> namespaces = EnumSet.noneOf(Namespace.class);
    private final EnumSet<Namespace> shared = EnumSet.noneOf(Namespace.class);
    private boolean allNamespaces;
    private boolean strict;
    private RootFilesystem root;
    private final List<Mount> mounts = new ArrayList<>();
    private boolean proc;
    private boolean dev;
    private DataSize tmpSize;
    private String hostname;
    private String workingDirectory;
    private Duration wallTimeLimit;
    private final List<IdMapping> uidMappings = new ArrayList<>();
    private final List<IdMapping> gidMappings = new ArrayList<>();
    private Long runAsUid;
    private Long runAsGid;
    private final ResourceLimits.Builder limits = new ResourceLimits.Builder();
    private SeccompPolicy seccomp;
    private boolean noSeccomp;
    private final EnumSet<Capability> keptCapabilities = EnumSet.noneOf(Capability.class);
    private ProcView procView;

    private Builder() {}

    /**
     * What the program reads in {@code /proc/meminfo}, {@code cpuinfo}, {@code stat} and
     * friends: the sandbox's own limits ({@link ProcView#LIVE}, {@link ProcView#STATIC}) or
     * the host's ({@link ProcView#OFF}). Without this call the view is automatic (see
     * {@link ProcView}). A view needs the sandbox's own {@code /proc} ({@link #mountProc()}).
     */
    public Builder procView(ProcView view) {
      requireNonNull(view, "view");
      checkState(procView == null, "procView was already set to %s", procView);
      procView = view;
      return this;
    }

    /** Filters the program's syscalls with {@code policy} instead of {@link SeccompPolicy#strictDefault()}. */
    public Builder seccomp(SeccompPolicy policy) {
      requireNonNull(policy, "policy");
      checkState(seccomp == null && !noSeccomp, "the seccomp policy was already chosen");
      seccomp = policy;
      return this;
    }

    /**
     * Turns seccomp off: the program may make every syscall the kernel offers. Namespaces,
     * capabilities and no-new-privileges still apply; {@link Sandbox#describe()} says it.
     */
    public Builder withoutSeccomp() {
      checkState(seccomp == null && !noSeccomp, "the seccomp policy was already chosen");
      noSeccomp = true;
      return this;
    }

    /**
     * Lets the program keep these capabilities (inside its user namespace when it has one);
     * every other is dropped from all five sets, the bounding set included.
     */
    public Builder keepCapabilities(Capability... capabilities) {
      for (Capability c : capabilities) {
        checkState(keptCapabilities.add(requireNonNull(c, "capability")), "capability %s is already kept", c);
      }
      return this;
    }

    /**
     * The strict preset: every namespace (so no network), a fresh {@code /proc}, a minimal
     * {@code /dev}, a tmpfs {@code /tmp} of {@link #DEFAULT_TMP_SIZE} and the read-only root
     * derived from the host. These are defaults: {@link #rootfs}, {@link #mountTmp(DataSize)}
     * and {@link #shareNamespace} given before or after it take their place.
     */
    public Builder strict() {
      checkState(!strict, "strict() was already applied");
      strict = true;
      // The file system parts are defaults, filled in by build(): options given before or
      // after strict() (rootfs, mountTmp(size)) take their place.
      return allNamespaces();
    }

    /** Turns every namespace on: PID, mount, UTS, IPC, network, user, cgroup and time. */
    public Builder allNamespaces() {
      allNamespaces = true; // resolved in build(), after every shareNamespace(...)
      return this;
    }

    /** Turns {@code namespace} on. */
    public Builder namespace(Namespace namespace) {
      requireNonNull(namespace, "namespace");
      checkState(!shared.contains(namespace), "%s was set to be shared with the host", namespace);
      namespaces.add(namespace);
      return this;
    }

    /**
     * Leaves {@code namespace} shared with the host, even when {@link #strict()} or
     * {@link #allNamespaces()} turn every namespace on: {@code strict().shareNamespace(NETWORK)}
     * is the strict sandbox with the host's network. {@link #build()} refuses it when another
     * option needs that namespace.
     */
    public Builder shareNamespace(Namespace namespace) {
      requireNonNull(namespace, "namespace");
      checkState(!namespaces.contains(namespace), "%s was turned on explicitly; it cannot also be shared", namespace);
      checkState(shared.add(namespace), "shareNamespace(%s) was already set", namespace);
      return this;
    }

    public Builder pidNamespace() {
      return namespace(Namespace.PID);
    }

    public Builder mountNamespace() {
      return namespace(Namespace.MOUNT);
    }

    /** A UTS namespace: the hostname is {@link #DEFAULT_HOSTNAME} unless {@link #hostname} sets one. */
    public Builder utsNamespace() {
      return namespace(Namespace.UTS);
    }

    public Builder ipcNamespace() {
      return namespace(Namespace.IPC);
    }

    /** A network namespace with only the loopback interface, up. */
    public Builder networkNamespace() {
      return namespace(Namespace.NETWORK);
    }

    /**
     * A user namespace. Without explicit mappings, inside uid and gid 0 (or the ids given to
     * {@link #runAs}) map to the caller's effective uid and gid: the program's capabilities
     * hold only inside, and on the host it is the caller.
     */
    public Builder userNamespace() {
      return namespace(Namespace.USER);
    }

    public Builder cgroupNamespace() {
      return namespace(Namespace.CGROUP);
    }

    /** Pivots into the host directory {@code directory}, read-only. */
    public Builder rootfs(Path directory) {
      return rootfs(directory, Access.READ_ONLY);
    }

    /**
     * Pivots into the host directory {@code directory}. Mount points for the sandbox's own
     * mounts ({@code /proc}, {@code /dev}, {@code /tmp}, ...) must exist in it: the directory is
     * never modified.
     */
    public Builder rootfs(Path directory, Access access) {
      return root(RootFilesystem.directory(directory, access));
    }

    /**
     * A read-only root derived from the host: its {@code /usr}, {@code /bin}, {@code /sbin},
     * {@code /lib*} and a minimal {@code /etc}; nothing from {@code /root}, {@code /home} or
     * other host data.
     */
    public Builder hostRootfs() {
      return root(RootFilesystem.hostDerived());
    }

    private Builder root(RootFilesystem newRoot) {
      checkState(root == null, "the root file system was already set to %s", root);
      root = newRoot;
      return this;
    }

    /** Bind-mounts the host path {@code source} at {@code target}, read-only. */
    public Builder bindMount(Path source, String target) {
      return bindMount(source, target, Access.READ_ONLY);
    }

    /** Bind-mounts the host path {@code source} at {@code target}. */
    public Builder bindMount(Path source, String target, Access access) {
      return mount(Mount.bind(source, target, access));
    }

    /** A writable tmpfs at {@code target}, limited to {@code size}. */
    public Builder tmpfs(String target, DataSize size) {
      return mount(Mount.tmpfs(target, size));
    }

    /** Adds a mount, made after the root and the standard mounts, in call order. */
    public Builder mount(Mount mount) {
      requireNonNull(mount, "mount");
      for (Mount m : mounts) {
        checkArgument(!m.target().equals(mount.target()),
            "mount target %s is already used by %s", mount.target(), m);
      }
      mounts.add(mount);
      return this;
    }

    /** A fresh {@code /proc} showing only the sandbox's processes (turns the PID namespace on). */
    public Builder mountProc() {
      checkState(!proc, "mountProc() was already set");
      proc = true;
      return this;
    }

    /** A minimal {@code /dev}: null, zero, full, random, urandom, tty, fd links and a tmpfs shm. */
    public Builder mountDev() {
      checkState(!dev, "mountDev() was already set");
      dev = true;
      return this;
    }

    /** A tmpfs at {@code /tmp} of {@link #DEFAULT_TMP_SIZE}. */
    public Builder mountTmp() {
      return mountTmp(DEFAULT_TMP_SIZE);
    }

    /** A tmpfs at {@code /tmp}, limited to {@code size}. */
    public Builder mountTmp(DataSize size) {
      requireNonNull(size, "size");
      checkState(tmpSize == null, "mountTmp was already set to %s", tmpSize);
      checkArgument(size.toBytes() > 0, "mountTmp: size must be positive, was %s", size);
      tmpSize = size;
      return this;
    }

    /** The hostname the program sees (turns the UTS namespace on). 1 to 64 bytes. */
    public Builder hostname(String hostname) {
      requireNonNull(hostname, "hostname");
      checkState(this.hostname == null, "hostname was already set to \"%s\"", this.hostname);
      int bytes = hostname.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      checkArgument(bytes >= 1 && bytes <= 64,
          "hostname \"%s\" must be 1 to 64 bytes long, was %s", hostname, bytes);
      checkArgument(hostname.chars().allMatch(c -> c > ' ' && c < 127 && c != '/'),
          "hostname \"%s\" may hold only printable ASCII without spaces or /", hostname);
      this.hostname = hostname;
      return this;
    }

    /** The working directory as seen inside; {@code /} by default. */
    public Builder workingDirectory(String directory) {
      checkState(workingDirectory == null, "workingDirectory was already set to %s", workingDirectory);
      workingDirectory = InsidePath.check("workingDirectory", directory);
      return this;
    }

    /**
     * Kills the whole sandbox when the program has run this long (from its {@code execve}),
     * measured by the helper outside the sandbox; the result says {@link Termination#WALL_TIME_LIMIT}.
     */
    public Builder wallTimeLimit(Duration limit) {
      requireNonNull(limit, "limit");
      checkState(wallTimeLimit == null, "wallTimeLimit was already set to %s", wallTimeLimit);
      checkArgument(!limit.isNegative() && !limit.isZero(), "wallTimeLimit must be positive, was %s", limit);
      checkArgument(limit.toNanos() >= 1000, "wallTimeLimit must be at least 1 microsecond, was %s", limit);
      checkArgument(limit.compareTo(Duration.ofDays(365)) <= 0,
          "wallTimeLimit must be at most 365 days, was %s", limit);
      wallTimeLimit = limit;
      return this;
    }

    /** Runs the program as {@code uid}:{@code gid} (inside the user namespace when there is one). */
    public Builder runAs(long uid, long gid) {
      checkState(runAsUid == null, "runAs was already set to %s:%s", runAsUid, runAsGid);
      checkArgument(uid >= 0 && uid <= 0xFFFF_FFFEL, "runAs: uid %s out of range 0..4294967294", uid);
      checkArgument(gid >= 0 && gid <= 0xFFFF_FFFEL, "runAs: gid %s out of range 0..4294967294", gid);
      runAsUid = uid;
      runAsGid = gid;
      return this;
    }

    /** Adds a line to the user namespace's uid map (turns the user namespace on). At most 16. */
    public Builder uidMapping(IdMapping mapping) {
      addMapping("uidMapping", uidMappings, mapping);
      return this;
    }

    /** Adds a line to the user namespace's gid map (turns the user namespace on). At most 16. */
    public Builder gidMapping(IdMapping mapping) {
      addMapping("gidMapping", gidMappings, mapping);
      return this;
    }

    private static void addMapping(String option, List<IdMapping> list, IdMapping mapping) {
      requireNonNull(mapping, option);
      checkArgument(list.size() < 16, "%s: at most 16 mappings", option);
      for (IdMapping m : list) {
        boolean overlapInside = mapping.inside() < m.inside() + m.count() && m.inside() < mapping.inside() + mapping.count();
        boolean overlapOutside = mapping.outside() < m.outside() + m.count() && m.outside() < mapping.outside() + mapping.count();
        checkArgument(!overlapInside && !overlapOutside, "%s %s overlaps %s", option, mapping, m);
      }
      list.add(mapping);
    }

    /**
     * Limits the memory of all the sandbox's processes together (cgroup); at least 1 MiB.
     * The OOM killer then acts inside the sandbox only, and the result says
     * {@link Termination#MEMORY_LIMIT}. Swap is off unless {@link #swapLimit} allows it.
     */
    public Builder memoryLimit(DataSize limit) {
      limits.memory(limit);
      return this;
    }

    /**
     * Lets the sandbox run where this host cannot enforce one of its limits (e.g. an
     * unprivileged user without a delegated cgroup: no memory, CPU, cpuset, pids, I/O or
     * CPU-time limit), instead of failing the launch: the run then goes without those limits,
     * and {@link SandboxResult#unenforcedLimits()} names each one and why. Off by default:
     * a limit that cannot be enforced is a launch error.
     */
    public Builder allowUnenforcedLimits() {
      limits.allowUnenforced();
      return this;
    }

    /** Memory the kernel reclaims from the sandbox first when the host runs short. */
    public Builder memorySoftLimit(DataSize limit) {
      limits.memorySoft(limit);
      return this;
    }

    /** Swap the sandbox may use besides {@link #memoryLimit}; 0 by default. */
    public Builder swapLimit(DataSize limit) {
      limits.swap(limit);
      return this;
    }

    /**
     * CPU bandwidth: {@code quota} of CPU time per {@link #cpuPeriod} (100 ms by default),
     * over all CPUs, e.g. 20 ms per 100 ms is 20% of one CPU.
     */
    public Builder cpuQuota(Duration quota) {
      limits.cpuQuota(quota);
      return this;
    }

    /** The period of {@link #cpuQuota} or {@link #cpus}, 1 ms to 1 s. */
    public Builder cpuPeriod(Duration period) {
      limits.cpuPeriod(period);
      return this;
    }

    /** CPU bandwidth as a number of CPUs, e.g. 0.5 or 1.5: the quota is that many periods. */
    public Builder cpus(double cpus) {
      limits.cpus(cpus);
      return this;
    }

    /** The CPUs the sandbox may run on, in the kernel's list format, e.g. {@code 0} or {@code 0-3,8}. */
    public Builder cpuset(String cpus) {
      limits.cpuset(cpus);
      return this;
    }

    /** The memory nodes the sandbox may allocate on, e.g. {@code 0}. */
    public Builder memoryNodes(String nodes) {
      limits.memoryNodes(nodes);
      return this;
    }

    /** Most processes and threads alive at once: a fork bomb ends as a result, not a hung host. */
    public Builder pidsLimit(int pids) {
      limits.pids(pids);
      return this;
    }

    /** Caps block I/O to one device. */
    public Builder ioThrottle(IoThrottle throttle) {
      limits.io(throttle);
      return this;
    }

    /** Caps the bytes per second the sandbox reads from the block device {@code device}. */
    public Builder ioReadBandwidth(Path device, DataSize perSecond) {
      return ioThrottle(IoThrottle.of(device, IoThrottle.Kind.READ_BYTES_PER_SECOND, perSecond.toBytes()));
    }

    /** Caps the bytes per second the sandbox writes to the block device {@code device}. */
    public Builder ioWriteBandwidth(Path device, DataSize perSecond) {
      return ioThrottle(IoThrottle.of(device, IoThrottle.Kind.WRITE_BYTES_PER_SECOND, perSecond.toBytes()));
    }

    /** Caps the read operations per second on the block device {@code device}. */
    public Builder ioReadIops(Path device, long perSecond) {
      return ioThrottle(IoThrottle.of(device, IoThrottle.Kind.READ_IOPS, perSecond));
    }

    /** Caps the write operations per second on the block device {@code device}. */
    public Builder ioWriteIops(Path device, long perSecond) {
      return ioThrottle(IoThrottle.of(device, IoThrottle.Kind.WRITE_IOPS, perSecond));
    }

    /**
     * Kills the sandbox when all its processes together have used this much CPU time; the
     * helper checks the cgroup's own counter at the earliest moment the limit could be
     * reached. The result says {@link Termination#CPU_TIME_LIMIT}.
     */
    public Builder cpuTimeLimit(Duration limit) {
      limits.cpuTime(limit);
      return this;
    }

    /**
     * Stops the program once it has written this much to its stdout and stderr pipes
     * together; the result says {@link Termination#OUTPUT_LIMIT}. Needs stdout and stderr
     * as pipes (the default); use {@link Rlimit#FSIZE} for output to files.
     */
    public Builder outputLimit(DataSize limit) {
      limits.output(limit);
      return this;
    }

    /** A per-process limit, soft and hard the same; {@link Rlimit#UNLIMITED} for none. */
    public Builder rlimit(Rlimit resource, long value) {
      return rlimit(resource, value, value);
    }

    /** A per-process limit; {@link Rlimit#UNLIMITED} for none. */
    public Builder rlimit(Rlimit resource, long soft, long hard) {
      limits.rlimit(resource, soft, hard);
      return this;
    }

    /**
     * Checks the options against each other and returns the immutable policy.
     *
     * @throws IllegalStateException when options conflict, naming them
     */
    public Sandbox build() {
      EnumSet<Namespace> effective = EnumSet.copyOf(namespaces);
      if (allNamespaces) {
        effective.addAll(EnumSet.complementOf(shared));
      }
      RootFilesystem effectiveRoot = root;
      boolean proc = this.proc;
      boolean dev = this.dev;
      DataSize tmpSize = this.tmpSize;
      if (strict) {
        effectiveRoot = effectiveRoot == null ? RootFilesystem.hostDerived() : effectiveRoot;
        proc = !shared.contains(Namespace.PID);
        dev = true;
        tmpSize = tmpSize == null ? DEFAULT_TMP_SIZE : tmpSize;
      }
      boolean needsRoot = proc || dev || tmpSize != null || !mounts.isEmpty();
      if (needsRoot) {
        checkState(effectiveRoot != null,
            "mounts (%s) need a root file system to be made in: add rootfs(dir) or hostRootfs()",
            describeMountOptions());
      }
      imply(effective, Namespace.MOUNT, effectiveRoot != null, "a root file system");
      imply(effective, Namespace.PID, proc, "mountProc()");
      imply(effective, Namespace.UTS, hostname != null, "hostname(\"" + hostname + "\")");
      imply(effective, Namespace.USER, !uidMappings.isEmpty() || !gidMappings.isEmpty(), "id mappings");
      if (procView != null && procView != ProcView.OFF) {
        checkState(proc, "procView(%s) shows the sandbox's limits in its own /proc: add mountProc() (or strict())",
            procView);
        // The view's /sys/fs/cgroup is the run's cgroup as the root of a cgroup namespace.
        imply(effective, Namespace.CGROUP, true, "procView(" + procView + ")");
      }
      for (Mount m : mounts) {
        for (String reserved : List.of("/proc", "/dev", "/tmp")) {
          boolean standard = reserved.equals("/proc") ? proc : reserved.equals("/dev") ? dev : tmpSize != null;
          checkState(!(standard && (m.target().equals(reserved) || m.target().startsWith(reserved + "/"))),
              "%s conflicts with the standard %s mount; drop one of them", m, reserved);
        }
      }
      if (!uidMappings.isEmpty() || !gidMappings.isEmpty()) {
        checkState(!uidMappings.isEmpty() && !gidMappings.isEmpty(),
            "uidMapping and gidMapping go together: give both or neither");
        if (runAsUid != null) {
          checkState(uidMappings.stream().anyMatch(m -> m.contains(runAsUid)),
              "runAs uid %s is not mapped by the uid mappings %s", runAsUid, uidMappings);
          checkState(gidMappings.stream().anyMatch(m -> m.contains(runAsGid)),
              "runAs gid %s is not mapped by the gid mappings %s", runAsGid, gidMappings);
        }
      }
      // A UTS namespace starts as a copy of the host's names: without a chosen hostname
      // the program would still read the host's. It gets a neutral one instead.
      String effectiveHostname = hostname == null && effective.contains(Namespace.UTS) ? DEFAULT_HOSTNAME : hostname;
      Sandbox sandbox = new Sandbox(this, effective, effectiveRoot, proc, dev, tmpSize, effectiveHostname);
      Providers.validate(sandbox); // host facts, e.g. that the cpuset's CPUs exist
      return sandbox;
    }

    /** An option that needs a namespace turns it on, unless the caller chose to share it. */
    private void imply(Set<Namespace> effective, Namespace namespace, boolean needed, String option) {
      if (needed) {
        checkState(!shared.contains(namespace),
            "%s needs the %s, but shareNamespace(%s) shares it with the host", option, namespace.title(), namespace);
        effective.add(namespace);
      }
    }

    private String describeMountOptions() {
      List<String> names = new ArrayList<>();
      if (proc) {
        names.add("mountProc()");
      }
      if (dev) {
        names.add("mountDev()");
      }
      if (tmpSize != null) {
        names.add("mountTmp()");
      }
      mounts.forEach(m -> names.add(m.toString()));
      return String.join(", ", names);
    }
  }
}
