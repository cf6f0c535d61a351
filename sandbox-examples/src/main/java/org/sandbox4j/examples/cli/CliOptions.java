package org.sandbox4j.examples.cli;

import static java.util.Objects.requireNonNull;

import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.sandbox4j.Access;
import org.sandbox4j.Capability;
import org.sandbox4j.DataSize;
import org.sandbox4j.IoThrottle;
import org.sandbox4j.Mount;
import org.sandbox4j.Namespace;
import org.sandbox4j.ProcView;
import org.sandbox4j.RootFilesystem;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxCommand;
import org.sandbox4j.SeccompPolicy;

/**
 * The options of {@code sandbox4j run}, parsed and checked. Immutable.
 *
 * <p>{@link #parse} refuses every bad command line before anything is started: each value
 * is checked as it is read, by the very API call it maps to, so that the message people
 * see is the library's own, prefixed with the option and the value they typed. Checks
 * that involve several options (a bind mount over {@code /tmp}, say) are the builder's
 * {@code build()}, run once by {@code parse}. Nothing here needs a kernel: tests use it
 * as it is.
 */
public final class CliOptions {
  /** The size of a {@code --tmpfs DST} given without {@code :SIZE}. */
  public static final DataSize DEFAULT_TMPFS_SIZE = DataSize.ofMebibytes(64);

  /**
   * An unconfined policy, used only to check {@code --env} values with
   * {@link SandboxCommand#env}: the API checks names and sizes there and nowhere else.
   * Building it or a command of it starts nothing.
   */
  private static final Sandbox ENV_CHECK = Sandbox.builder().build();

  private final Path rootfs;
  private final boolean rootfsWritable;
  private final List<Mount> mounts;
  private final String hostname;
  private final boolean shareNetwork;
  private final boolean allowUnenforcedLimits;
  private final String workingDirectory;
  private final Map<String, String> environment;
  private final Duration wallTimeLimit;
  private final DataSize tmpSize;
  private final Long uid;
  private final Long gid;
  private final DataSize memoryLimit;
  private final DataSize memorySoftLimit;
  private final DataSize swapLimit;
  private final Duration cpuQuota;
  private final Duration cpuPeriod;
  private final Double cpus;
  private final String cpuset;
  private final String memoryNodes;
  private final Integer pidsLimit;
  private final Duration cpuTimeLimit;
  private final DataSize outputLimit;
  private final List<IoThrottle> ioThrottles;
  private final List<RlimitSetting> rlimits;
  private final SeccompPolicy seccomp;
  private final Set<Capability> keptCapabilities;
  private final ProcView procView;
  private final Path resultJson;
  private final boolean printPlan;
  private final boolean describe;
  private final boolean helpRequested;
  private final List<String> command;

  private CliOptions(Parser p) {
    this.rootfs = p.rootfs;
    this.rootfsWritable = p.rootfsWritable;
    this.mounts = List.copyOf(p.mounts);
    this.hostname = p.hostname;
    this.shareNetwork = p.shareNetwork;
    this.allowUnenforcedLimits = p.allowUnenforcedLimits;
    this.workingDirectory = p.workingDirectory;
    this.environment = Collections.unmodifiableMap(new LinkedHashMap<>(p.environment));
    this.wallTimeLimit = p.wallTimeLimit;
    this.tmpSize = p.tmpSize;
    this.uid = p.uid;
    this.gid = p.gid;
    this.memoryLimit = p.memoryLimit;
    this.memorySoftLimit = p.memorySoftLimit;
    this.swapLimit = p.swapLimit;
    this.cpuQuota = p.cpuQuota;
    this.cpuPeriod = p.cpuPeriod;
    this.cpus = p.cpus;
    this.cpuset = p.cpuset;
    this.memoryNodes = p.memoryNodes;
    this.pidsLimit = p.pidsLimit;
    this.cpuTimeLimit = p.cpuTimeLimit;
    this.outputLimit = p.outputLimit;
    this.ioThrottles = List.copyOf(p.ioThrottles);
    this.rlimits = List.copyOf(p.rlimits);
    this.seccomp = p.noSeccomp ? null : p.seccomp;
    this.keptCapabilities = Collections.unmodifiableSet(EnumSet.copyOf(p.keptCapabilities));
    this.procView = p.procView;
    this.resultJson = p.resultJson;
    this.printPlan = p.printPlan;
    this.describe = p.describe;
    this.helpRequested = p.helpRequested;
    this.command = List.copyOf(p.command);
  }

  /**
   * Parses the arguments that follow {@code run}: options, then {@code --} (or the first
   * argument that is not an option), then the command and its arguments.
   *
   * @throws CliUsageException naming the option and value at fault
   */
  public static CliOptions parse(String... args) throws CliUsageException {
    Parser parser = new Parser(Arrays.asList(requireNonNull(args, "args")));
    parser.parseAll();
    CliOptions options = new CliOptions(parser);
    if (!options.helpRequested) {
      options.checkCombination();
    }
    return options;
  }

  /** The host directory given by {@code --rootfs}, made absolute; empty for the host-derived root. */
  public Optional<Path> rootfs() {
    return Optional.ofNullable(rootfs);
  }

  /** How the {@code --rootfs} directory is mounted: read-write only with {@code --rootfs-rw}. */
  public Access rootfsAccess() {
    return rootfsWritable ? Access.READ_WRITE : Access.READ_ONLY;
  }

  /** The {@code --ro-bind}, {@code --bind} and {@code --tmpfs} mounts, in command-line order. */
  public List<Mount> mounts() {
    return mounts;
  }

  public Optional<String> hostname() {
    return Optional.ofNullable(hostname);
  }

  /** {@code --share-net}: no network namespace, the program uses the host's network. */
  public boolean sharesNetwork() {
    return shareNetwork;
  }

  /** {@code --workdir}, a path inside the sandbox. */
  public Optional<String> workingDirectory() {
    return Optional.ofNullable(workingDirectory);
  }

  /** The {@code --env} variables in command-line order; a later one of the same name wins. */
  public Map<String, String> environment() {
    return environment;
  }

  public Optional<Duration> wallTimeLimit() {
    return Optional.ofNullable(wallTimeLimit);
  }

  /** {@code --tmp-size}; empty means the library's default size of {@code /tmp}. */
  public Optional<DataSize> tmpSize() {
    return Optional.ofNullable(tmpSize);
  }

  /** {@code --uid}; present exactly when {@link #gid()} is. */
  public OptionalLong uid() {
    return uid == null ? OptionalLong.empty() : OptionalLong.of(uid);
  }

  /** {@code --gid}; present exactly when {@link #uid()} is. */
  public OptionalLong gid() {
    return gid == null ? OptionalLong.empty() : OptionalLong.of(gid);
  }

  /** {@code --memory}: the memory of all the sandbox's processes together. */
  public Optional<DataSize> memoryLimit() {
    return Optional.ofNullable(memoryLimit);
  }

  /** {@code --memory-soft}. */
  public Optional<DataSize> memorySoftLimit() {
    return Optional.ofNullable(memorySoftLimit);
  }

  /** {@code --swap}; only with {@link #memoryLimit()}. */
  public Optional<DataSize> swapLimit() {
    return Optional.ofNullable(swapLimit);
  }

  /** {@code --cpu-quota}; never together with {@link #cpus()}. */
  public Optional<Duration> cpuQuota() {
    return Optional.ofNullable(cpuQuota);
  }

  /** {@code --cpu-period}; only with {@link #cpuQuota()} or {@link #cpus()}. */
  public Optional<Duration> cpuPeriod() {
    return Optional.ofNullable(cpuPeriod);
  }

  /** {@code --cpus}: CPU bandwidth as a number of CPUs. */
  public OptionalDouble cpus() {
    return cpus == null ? OptionalDouble.empty() : OptionalDouble.of(cpus);
  }

  /** {@code --cpuset}, as typed. */
  public Optional<String> cpuset() {
    return Optional.ofNullable(cpuset);
  }

  /** {@code --mems}, as typed. */
  public Optional<String> memoryNodes() {
    return Optional.ofNullable(memoryNodes);
  }

  /** {@code --pids}. */
  public OptionalInt pidsLimit() {
    return pidsLimit == null ? OptionalInt.empty() : OptionalInt.of(pidsLimit);
  }

  /** {@code --cpu-time}. */
  public Optional<Duration> cpuTimeLimit() {
    return Optional.ofNullable(cpuTimeLimit);
  }

  /** {@code --output-limit}: when present, COMMAND's stdout and stderr are pipes the CLI copies. */
  public Optional<DataSize> outputLimit() {
    return Optional.ofNullable(outputLimit);
  }

  /** The caps of {@code --io-read-bps}, {@code --io-write-bps}, {@code --io-read-iops}, {@code --io-write-iops}. */
  public List<IoThrottle> ioThrottles() {
    return ioThrottles;
  }

  /** The {@code --rlimit} settings, in command-line order, one per resource. */
  public List<RlimitSetting> rlimits() {
    return rlimits;
  }

  /**
   * The seccomp policy of {@code --seccomp}: {@link SeccompPolicy#strictDefault()} without the
   * option or with {@code --seccomp default}, the file's policy with {@code --seccomp FILE},
   * empty with {@code --seccomp none}.
   */
  public Optional<SeccompPolicy> seccomp() {
    return Optional.ofNullable(seccomp);
  }

  /** The {@code --proc-view} choice; empty means automatic (live with limits, where FUSE is available). */
  public Optional<ProcView> procView() {
    return Optional.ofNullable(procView);
  }

  /** The {@code --keep-cap} capabilities; empty means the program keeps none. */
  public Set<Capability> keptCapabilities() {
    return keptCapabilities;
  }

  /** Where {@code --result-json} writes the result, made absolute. */
  public Optional<Path> resultJson() {
    return Optional.ofNullable(resultJson);
  }

  public boolean printPlan() {
    return printPlan;
  }

  public boolean describe() {
    return describe;
  }

  /** {@code run --help}: print the help; nothing else was checked. */
  public boolean helpRequested() {
    return helpRequested;
  }

  /** The program and its arguments; empty only with {@code --describe} or {@code --help}. */
  public List<String> command() {
    return command;
  }

  /**
   * The policy these options describe. Without {@code --share-net} it is the strict preset
   * ({@link Sandbox.Builder#strict()}); with it, the same preset composed by hand without
   * the network namespace, because {@code strict()} turns every namespace on and the builder
   * has no way to turn one off again. Both go through this one method, so every other
   * option means the same thing either way.
   *
   * <p>Cannot fail for options that {@link #parse} returned: it ran this once to check them.
   */
  public Sandbox toSandbox() {
    // The strict preset; its file system parts are defaults the options below replace.
    Sandbox.Builder builder = Sandbox.builder().strict();
    if (shareNetwork) {
      builder.shareNamespace(Namespace.NETWORK);
    }
    if (allowUnenforcedLimits) {
      builder.allowUnenforcedLimits();
    }
    if (tmpSize != null) {
      builder.mountTmp(tmpSize);
    }
    if (rootfs != null) {
      builder.rootfs(rootfs, rootfsAccess());
    }
    mounts.forEach(builder::mount);
    if (hostname != null) {
      builder.hostname(hostname);
    }
    if (workingDirectory != null) {
      builder.workingDirectory(workingDirectory);
    }
    if (wallTimeLimit != null) {
      builder.wallTimeLimit(wallTimeLimit);
    }
    if (uid != null) {
      builder.runAs(uid, gid);
    }
    if (seccomp != null) {
      builder.seccomp(seccomp);
    } else {
      builder.withoutSeccomp();
    }
    builder.keepCapabilities(keptCapabilities.toArray(new Capability[0]));
    if (procView != null) {
      builder.procView(procView);
    }
    applyLimits(builder);
    return builder.build();
  }

  /** The limit options, one builder call each. */
  private void applyLimits(Sandbox.Builder builder) {
    if (memoryLimit != null) {
      builder.memoryLimit(memoryLimit);
    }
    if (memorySoftLimit != null) {
      builder.memorySoftLimit(memorySoftLimit);
    }
    if (swapLimit != null) {
      builder.swapLimit(swapLimit);
    }
    if (cpuQuota != null) {
      builder.cpuQuota(cpuQuota);
    }
    if (cpuPeriod != null) {
      builder.cpuPeriod(cpuPeriod);
    }
    if (cpus != null) {
      builder.cpus(cpus);
    }
    if (cpuset != null) {
      builder.cpuset(cpuset);
    }
    if (memoryNodes != null) {
      builder.memoryNodes(memoryNodes);
    }
    if (pidsLimit != null) {
      builder.pidsLimit(pidsLimit);
    }
    if (cpuTimeLimit != null) {
      builder.cpuTimeLimit(cpuTimeLimit);
    }
    if (outputLimit != null) {
      builder.outputLimit(outputLimit);
    }
    // Each was made by ioReadBandwidth(...) and its kin while parsing; ioThrottle adds it as they do.
    ioThrottles.forEach(builder::ioThrottle);
    rlimits.forEach(rlimit -> rlimit.applyTo(builder));
  }

  /**
   * A fresh command of {@link #command()} under {@link #toSandbox()}, with the
   * {@code --env} variables and the CLI's own stdin, stdout and stderr. With
   * {@code --output-limit} stdout and stderr are pipes instead, for the library counts
   * output only as it reads it from pipes; the caller copies them to its own.
   *
   * @throws IllegalStateException when no command was given (only {@code --describe})
   */
  public SandboxCommand newCommand() {
    if (command.isEmpty()) {
      throw new IllegalStateException("no command was given");
    }
    Redirect output = outputLimit == null ? Redirect.INHERIT : Redirect.PIPE;
    return toSandbox().command(command)
        .environment(environment)
        .redirectInput(Redirect.INHERIT)
        .redirectOutput(output)
        .redirectError(output);
  }

  /**
   * Checks what only the options together can get wrong: pairs the CLI defines itself,
   * then whatever the builder's {@code build()} and {@code command(...)} refuse.
   */
  private void checkCombination() throws CliUsageException {
    if (rootfsWritable && rootfs == null) {
      throw new CliUsageException("--rootfs-rw needs --rootfs DIR: the host-derived root is always read-only");
    }
    if ((uid == null) != (gid == null)) {
      throw new CliUsageException("--uid and --gid go together: give both or neither");
    }
    // The builder refuses these too, but its messages name its methods, not the options.
    if (cpus != null && cpuQuota != null) {
      throw new CliUsageException("--cpus and --cpu-quota both set the CPU quota: give one of them");
    }
    if (cpuPeriod != null && cpus == null && cpuQuota == null) {
      throw new CliUsageException("--cpu-period needs --cpu-quota or --cpus: it is the period of the quota");
    }
    if (swapLimit != null && memoryLimit == null) {
      throw new CliUsageException("--swap needs --memory: swap is limited together with memory");
    }
    if (command.isEmpty() && !describe) {
      throw new CliUsageException("run needs a command: sandbox4j run [options] -- COMMAND [ARGS...]");
    }
    try {
      toSandbox();
      if (!command.isEmpty()) {
        newCommand();
      }
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new CliUsageException(e.getMessage());
    }
  }

  /** Reads the arguments once, front to back, into mutable fields. */
  private static final class Parser {
    private static final Set<String> FLAGS = Set.of("--rootfs-rw", "--share-net", "--print-plan", "--describe",
        "--allow-unenforced-limits");
    private static final Set<String> VALUED = Set.of("--rootfs", "--ro-bind", "--bind", "--tmpfs", "--tmp-size",
        "--hostname", "--workdir", "--env", "--wall-time", "--uid", "--gid", "--result-json",
        "--memory", "--memory-soft", "--swap", "--cpu-quota", "--cpu-period", "--cpus", "--cpuset", "--mems",
        "--pids", "--cpu-time", "--output-limit", "--io-read-bps", "--io-write-bps", "--io-read-iops",
        "--io-write-iops", "--rlimit", "--seccomp", "--keep-cap", "--proc-view");
    /**
     * What {@code --cpus} reads: {@link Double#parseDouble} alone would also take {@code NaN},
     * {@code Infinity}, hexadecimal and {@code 1.5f}, which no one means as a number of CPUs.
     */
    private static final Pattern DECIMAL = Pattern.compile("\\d+(\\.\\d*)?|\\.\\d+");

    private final List<String> args;
    private int next;
    private final Set<String> given = new HashSet<>();

    private Path rootfs;
    private boolean rootfsWritable;
    private final List<Mount> mounts = new ArrayList<>();
    private String hostname;
    private boolean shareNetwork;
    private boolean allowUnenforcedLimits;
    private String workingDirectory;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private Duration wallTimeLimit;
    private DataSize tmpSize;
    private Long uid;
    private Long gid;
    private DataSize memoryLimit;
    private DataSize memorySoftLimit;
    private DataSize swapLimit;
    private Duration cpuQuota;
    private Duration cpuPeriod;
    private Double cpus;
    private String cpuset;
    private String memoryNodes;
    private Integer pidsLimit;
    private Duration cpuTimeLimit;
    private DataSize outputLimit;
    private final List<IoThrottle> ioThrottles = new ArrayList<>();
    private final List<RlimitSetting> rlimits = new ArrayList<>();
    private SeccompPolicy seccomp = SeccompPolicy.strictDefault();
    private boolean noSeccomp;
    private final EnumSet<Capability> keptCapabilities = EnumSet.noneOf(Capability.class);
    private ProcView procView;
    private Path resultJson;
    private boolean printPlan;
    private boolean describe;
    private boolean helpRequested;
    private List<String> command = List.of();

    Parser(List<String> args) {
      this.args = args;
    }

    void parseAll() throws CliUsageException {
      while (next < args.size()) {
        String arg = args.get(next++);
        if (arg.equals("--")) {
          command = args.subList(next, args.size());
          return;
        }
        if (!arg.startsWith("-")) {
          // The first argument that is no option starts the command, as in env(1) and nice(1).
          command = args.subList(next - 1, args.size());
          return;
        }
        int equals = arg.indexOf('=');
        boolean inline = arg.startsWith("--") && equals > 0;
        String option = inline ? arg.substring(0, equals) : arg;
        String inlineValue = inline ? arg.substring(equals + 1) : null;
        if (option.equals("--help") || option.equals("-h")) {
          helpRequested = true;
          return;
        }
        if (FLAGS.contains(option)) {
          if (inline) {
            throw new CliUsageException(option + " takes no value, but was given \"" + inlineValue + "\"");
          }
          setFlag(option);
        } else if (VALUED.contains(option)) {
          readValued(option, inline ? inlineValue : value(option));
        } else {
          throw new CliUsageException("unknown option " + option + " (see sandbox4j --help)");
        }
      }
    }

    /** Flags are idempotent: giving one twice means what giving it once does. */
    private void setFlag(String option) {
      switch (option) {
        case "--rootfs-rw":
          rootfsWritable = true;
          break;
        case "--share-net":
          shareNetwork = true;
          break;
        case "--allow-unenforced-limits":
          allowUnenforcedLimits = true;
          break;
        case "--print-plan":
          printPlan = true;
          break;
        case "--describe":
          describe = true;
          break;
        default:
          throw new IllegalStateException(option + " is in FLAGS but has no case here");
      }
    }

    private void readValued(String option, String value) throws CliUsageException {
      switch (option) {
        case "--rootfs":
          once(option);
          rootfs = checked(option, value, () -> {
            Path directory = hostPath(value);
            RootFilesystem.directory(directory, Access.READ_ONLY);
            return directory;
          });
          break;
        case "--ro-bind":
          mounts.add(checked(option, value, () -> bind(value, Access.READ_ONLY)));
          break;
        case "--bind":
          mounts.add(checked(option, value, () -> bind(value, Access.READ_WRITE)));
          break;
        case "--tmpfs":
          mounts.add(checked(option, value, () -> tmpfs(value)));
          break;
        case "--tmp-size":
          once(option);
          tmpSize = checked(option, value, () -> {
            DataSize size = DataSize.parse(value);
            Sandbox.builder().mountTmp(size);
            return size;
          });
          break;
        case "--hostname":
          once(option);
          hostname = checked(option, value, () -> {
            Sandbox.builder().hostname(value);
            return value;
          });
          break;
        case "--workdir":
          once(option);
          workingDirectory = checked(option, value, () -> {
            Sandbox.builder().workingDirectory(value);
            return value;
          });
          break;
        case "--env":
          Map.Entry<String, String> variable = checked(option, value, () -> environmentVariable(value));
          environment.put(variable.getKey(), variable.getValue());
          break;
        case "--wall-time":
          once(option);
          wallTimeLimit = checked(option, value, () -> {
            Duration limit = DurationParser.parse(value);
            Sandbox.builder().wallTimeLimit(limit);
            return limit;
          });
          break;
        case "--uid":
          once(option);
          uid = checked(option, value, () -> {
            long id = number(value);
            Sandbox.builder().runAs(id, 0);
            return id;
          });
          break;
        case "--gid":
          once(option);
          gid = checked(option, value, () -> {
            long id = number(value);
            Sandbox.builder().runAs(0, id);
            return id;
          });
          break;
        case "--result-json":
          once(option);
          resultJson = checked(option, value, () -> hostPath(value));
          break;
        case "--seccomp":
          once(option);
          readSeccomp(option, value);
          break;
        case "--proc-view":
          once(option);
          procView = checked(option, value, () -> {
            switch (value) {
              case "live":
                return ProcView.LIVE;
              case "static":
                return ProcView.STATIC;
              case "off":
                return ProcView.OFF;
              default:
                throw new IllegalArgumentException("expected live, static or off");
            }
          });
          break;
        case "--keep-cap":
          Capability capability = checked(option, value, () -> {
            Capability parsed = Capability.parse(value);
            // Against the ones before, so that keeping one twice gets the builder's word.
            Sandbox.builder().keepCapabilities(keptCapabilities.toArray(new Capability[0]))
                .keepCapabilities(parsed);
            return parsed;
          });
          keptCapabilities.add(capability);
          break;
        default:
          readLimit(option, value);
      }
    }

    /**
     * {@code default}, {@code none} or a policy file. A file's policy is built into a sandbox
     * once here, so that what the provider refuses (a syscall no architecture has, a policy
     * that would stop the program from starting) is reported under this option and file.
     */
    private void readSeccomp(String option, String value) throws CliUsageException {
      switch (value) {
        case "default":
          seccomp = SeccompPolicy.strictDefault();
          break;
        case "none":
          noSeccomp = true;
          break;
        default:
          seccomp = checked(option, value, () -> {
            if (value.isEmpty()) {
              throw new IllegalArgumentException("expected default, none or a policy file");
            }
            SeccompPolicy policy = SeccompPolicyFile.read(Path.of(value));
            Sandbox.builder().seccomp(policy).build();
            return policy;
          });
      }
    }

    /** The limit options: each value is checked by the one builder call it maps to. */
    private void readLimit(String option, String value) throws CliUsageException {
      switch (option) {
        case "--memory":
          once(option);
          memoryLimit = size(option, value, Sandbox.Builder::memoryLimit);
          break;
        case "--memory-soft":
          once(option);
          memorySoftLimit = size(option, value, Sandbox.Builder::memorySoftLimit);
          break;
        case "--swap":
          once(option);
          swapLimit = size(option, value, Sandbox.Builder::swapLimit);
          break;
        case "--cpu-quota":
          once(option);
          cpuQuota = duration(option, value, Sandbox.Builder::cpuQuota);
          break;
        case "--cpu-period":
          once(option);
          cpuPeriod = duration(option, value, Sandbox.Builder::cpuPeriod);
          break;
        case "--cpus":
          once(option);
          cpus = checked(option, value, () -> {
            double count = cpuCount(value);
            Sandbox.builder().cpus(count);
            return count;
          });
          break;
        case "--cpuset":
          once(option);
          // build() asks the provider whether these CPUs are online on this host.
          cpuset = checked(option, value, () -> {
            Sandbox.builder().cpuset(value).build();
            return value;
          });
          break;
        case "--mems":
          once(option);
          memoryNodes = checked(option, value, () -> {
            Sandbox.builder().memoryNodes(value).build();
            return value;
          });
          break;
        case "--pids":
          once(option);
          pidsLimit = checked(option, value, () -> {
            int pids = intNumber(value);
            Sandbox.builder().pidsLimit(pids);
            return pids;
          });
          break;
        case "--cpu-time":
          once(option);
          cpuTimeLimit = duration(option, value, Sandbox.Builder::cpuTimeLimit);
          break;
        case "--output-limit":
          once(option);
          outputLimit = size(option, value, Sandbox.Builder::outputLimit);
          break;
        case "--io-read-bps":
          addThrottle(option, value, builder -> {
            DeviceRate rate = DeviceRate.parseBytesPerSecond(value);
            builder.ioReadBandwidth(rate.device(), DataSize.ofBytes(rate.perSecond()));
          });
          break;
        case "--io-write-bps":
          addThrottle(option, value, builder -> {
            DeviceRate rate = DeviceRate.parseBytesPerSecond(value);
            builder.ioWriteBandwidth(rate.device(), DataSize.ofBytes(rate.perSecond()));
          });
          break;
        case "--io-read-iops":
          addThrottle(option, value, builder -> {
            DeviceRate rate = DeviceRate.parseOperationsPerSecond(value);
            builder.ioReadIops(rate.device(), rate.perSecond());
          });
          break;
        case "--io-write-iops":
          addThrottle(option, value, builder -> {
            DeviceRate rate = DeviceRate.parseOperationsPerSecond(value);
            builder.ioWriteIops(rate.device(), rate.perSecond());
          });
          break;
        case "--rlimit":
          RlimitSetting rlimit = checked(option, value, () -> {
            RlimitSetting setting = RlimitSetting.parse(value);
            // Against the ones before, so that a second --rlimit for the same NAME gets the builder's word.
            Sandbox.Builder check = Sandbox.builder();
            rlimits.forEach(before -> before.applyTo(check));
            setting.applyTo(check);
            return setting;
          });
          rlimits.add(rlimit);
          break;
        default:
          throw new IllegalStateException(option + " is in VALUED but has no case here");
      }
    }

    /**
     * Makes the throttle with {@code call}, one of the builder's {@code io*} methods, after
     * those given before: the builder then refuses a second cap of the same kind on the
     * same device under this option and value.
     */
    private void addThrottle(String option, String value, Consumer<Sandbox.Builder> call) throws CliUsageException {
      IoThrottle throttle = checked(option, value, () -> {
        Sandbox.Builder check = Sandbox.builder();
        ioThrottles.forEach(check::ioThrottle);
        call.accept(check);
        List<IoThrottle> io = check.build().limits().io();
        return io.get(io.size() - 1);
      });
      ioThrottles.add(throttle);
    }

    /** A SIZE, checked by the builder call {@code option} maps to. */
    private static DataSize size(String option, String value, BiConsumer<Sandbox.Builder, DataSize> call)
        throws CliUsageException {
      return checked(option, value, () -> {
        DataSize size = DataSize.parse(value);
        call.accept(Sandbox.builder(), size);
        return size;
      });
    }

    /** A DURATION, checked by the builder call {@code option} maps to. */
    private static Duration duration(String option, String value, BiConsumer<Sandbox.Builder, Duration> call)
        throws CliUsageException {
      return checked(option, value, () -> {
        Duration duration = DurationParser.parse(value);
        call.accept(Sandbox.builder(), duration);
        return duration;
      });
    }

    /** The value after {@code option}; a missing one is an error, not the start of the command. */
    private String value(String option) throws CliUsageException {
      if (next >= args.size() || args.get(next).equals("--")) {
        throw new CliUsageException(option + " needs a value (see sandbox4j --help)");
      }
      return args.get(next++);
    }

    /** Options that set one thing may be given once: a second value is more likely a slip than a wish. */
    private void once(String option) throws CliUsageException {
      if (!given.add(option)) {
        throw new CliUsageException(option + " was given twice; give it once");
      }
    }

    /** Runs an API check; its message, prefixed with the option and value, becomes the usage error. */
    private static <T> T checked(String option, String value, Supplier<T> check) throws CliUsageException {
      try {
        return check.get();
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw CliUsageException.forOption(option, value, e.getMessage());
      }
    }

    /** A host path as typed, relative to the current directory like any command-line path. */
    private static Path hostPath(String text) {
      if (text.isEmpty()) {
        throw new IllegalArgumentException("needs a host path");
      }
      return Path.of(text).toAbsolutePath().normalize();
    }

    /** {@code SRC:DST}, split at the first colon: DST is a path inside and starts with {@code /}. */
    private static Mount bind(String text, Access access) {
      int colon = text.indexOf(':');
      if (colon <= 0 || colon == text.length() - 1) {
        throw new IllegalArgumentException("expected SRC:DST, e.g. /srv/data:/data");
      }
      return Mount.bind(hostPath(text.substring(0, colon)), text.substring(colon + 1), access);
    }

    /** {@code DST[:SIZE]}, split at the last colon: a size never holds one. */
    private static Mount tmpfs(String text) {
      int colon = text.lastIndexOf(':');
      return colon < 0
          ? Mount.tmpfs(text, DEFAULT_TMPFS_SIZE)
          : Mount.tmpfs(text.substring(0, colon), DataSize.parse(text.substring(colon + 1)));
    }

    /** {@code NAME=VALUE}, split at the first {@code =}: values may hold more of them. */
    private static Map.Entry<String, String> environmentVariable(String text) {
      int equals = text.indexOf('=');
      if (equals < 0) {
        throw new IllegalArgumentException("expected NAME=VALUE");
      }
      String name = text.substring(0, equals);
      String value = text.substring(equals + 1);
      ENV_CHECK.command("env-check").env(name, value);
      return Map.entry(name, value);
    }

    private static long number(String text) {
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a number");
      }
    }

    private static int intNumber(String text) {
      long number = number(text);
      if (number != (int) number) {
        throw new IllegalArgumentException("out of range, at most " + Integer.MAX_VALUE);
      }
      return (int) number;
    }

    private static double cpuCount(String text) {
      if (!DECIMAL.matcher(text).matches()) {
        throw new IllegalArgumentException("not a number of CPUs (expected e.g. 0.5, 1 or 1.5)");
      }
      return Double.parseDouble(text);
    }
  }
}
