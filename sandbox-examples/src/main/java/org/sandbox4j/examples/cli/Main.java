package org.sandbox4j.examples.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.sandbox4j.HostReport;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxCommand;
import org.sandbox4j.SandboxLaunchException;
import org.sandbox4j.SandboxProcess;
import org.sandbox4j.SandboxResult;

/**
 * {@code sandbox4j}, the command-line front end: {@code sandbox4j run [options] -- COMMAND},
 * and {@code sandbox4j doctor [--json]}, which prints {@link Sandbox#doctor()}'s report.
 *
 * <p>A thin layer over the public API: {@link CliOptions} turns the arguments into one
 * {@link org.sandbox4j.Sandbox} and one {@link SandboxCommand}; this class starts it with
 * the CLI's own stdin, stdout and stderr, waits, and exits with the program's status. With
 * {@code --output-limit} the program's stdout and stderr are pipes, which this class copies
 * to {@link System#out} and {@link System#err} until they end.
 */
public final class Main {
  /** What {@code sandbox4j --help} prints. */
  public static final String HELP = """
      Usage: sandbox4j run [OPTIONS] [--] COMMAND [ARGS...]
             sandbox4j doctor [--json]
             sandbox4j --help | help
             sandbox4j --version

      Runs COMMAND in a Linux sandbox. Without options the strict preset applies:
      every namespace (PID, mount, UTS, IPC, network, user, cgroup), so only a
      loopback network; a read-only root derived from the host (/usr, /bin, /sbin,
      /lib*, a minimal /etc, nothing of /home or /root); a fresh /proc, a minimal
      /dev and a 128 MiB tmpfs at /tmp. COMMAND uses sandbox4j's own stdin, stdout
      and stderr. Its environment holds only the --env variables; without PATH,
      COMMAND is looked up in /usr/local/bin:/usr/bin:/bin.

      Options (each at most once, unless repeatable):
        --rootfs DIR          use host directory DIR as the root, read-only
                              (instead of the host-derived root)
        --rootfs-rw           make the --rootfs directory writable
        --ro-bind SRC:DST     mount host path SRC at DST, read-only (repeatable)
        --bind SRC:DST        mount host path SRC at DST, read-write (repeatable)
        --tmpfs DST[:SIZE]    a writable tmpfs at DST of SIZE, default 64m
                              (repeatable)
        --tmp-size SIZE       size of the tmpfs at /tmp (default 128m)
        --hostname NAME       the hostname COMMAND sees
        --share-net           share the host's network: no network namespace
        --workdir DIR         working directory inside the sandbox (default /)
        --env NAME=VALUE      set an environment variable (repeatable)
        --wall-time DURATION  kill the sandbox after DURATION: 500ms, 2s, 1.5s,
                              1m, 100us (units ns, us, ms, s, m, h)
        --uid N --gid N       run COMMAND as uid N and gid N inside (give both)
        --seccomp POLICY      filter COMMAND's syscalls: default (the strict
                              built-in policy, also without this option), none
                              (no filter: every syscall is open), or FILE, a
                              policy file as described below
        --keep-cap NAME       let COMMAND keep capability NAME (inside its user
                              namespace), e.g. NET_BIND_SERVICE or
                              CAP_NET_BIND_SERVICE; it has none otherwise
                              (repeatable)
        --proc-view VIEW      what COMMAND reads in /proc/meminfo, cpuinfo, stat,
                              uptime, loadavg, swaps and /sys/devices/system/cpu:
                              live (its own limits and use, served over FUSE),
                              static (its limits, written at launch) or off
                              (the host's); default: live when a memory or CPU
                              limit is set (static where FUSE is missing)
        --result-json FILE    write the result to FILE as one line of JSON
        --describe            print what the sandbox isolates and what not to
                              stdout, then exit without running COMMAND
        --print-plan          print the launch plan to stderr, then exit without
                              running COMMAND
        -h, --help            print this help

      Limits:
        --memory SIZE         memory of all of COMMAND's processes together, at
                              least 1m; beyond it the kernel's OOM killer acts
                              inside the sandbox only
        --memory-soft SIZE    memory the kernel reclaims first when the host
                              runs short
        --swap SIZE           swap besides --memory (default 0: no swap)
        --cpu-quota DURATION  CPU time per period over all CPUs: 20ms is 20% of
                              one CPU with the default period
        --cpu-period DURATION period of --cpu-quota or --cpus, 1ms to 1s
                              (default 100ms)
        --cpus N              CPU bandwidth as a number of CPUs, e.g. 0.5 or
                              1.5 (instead of --cpu-quota)
        --cpuset LIST         the CPUs COMMAND may run on, e.g. 0-3,8
        --mems LIST           the memory nodes COMMAND may allocate on, e.g. 0
        --pids N              most processes and threads alive at once
        --cpu-time DURATION   kill the sandbox once its processes together used
                              DURATION of CPU time
        --output-limit SIZE   kill the sandbox once COMMAND wrote more than SIZE
                              to stdout and stderr together; sandbox4j copies
                              them to its own, at most SIZE in all
        --io-read-bps DEV:RATE
                              cap reads from block device DEV to RATE, a SIZE
                              per second, e.g. /dev/vda:1m (repeatable)
        --io-write-bps DEV:RATE
                              cap writes to DEV to RATE per second (repeatable)
        --io-read-iops DEV:N  cap read operations on DEV to N per second
                              (repeatable)
        --io-write-iops DEV:N cap write operations on DEV to N per second
                              (repeatable)
        --rlimit NAME=VALUE   a per-process limit, soft and hard alike; NAME is
                              fsize, nofile, stack, core or as; VALUE a number,
                              a SIZE (not for nofile) or unlimited, e.g.
                              nofile=256 or fsize=10m; NAME=SOFT:HARD sets
                              them apart, e.g. nofile=256:1024 (repeatable)
      All limits but --output-limit and --rlimit need a cgroup sandbox4j can
      create; without one the launch fails (127) rather than run unlimited.
        --allow-unenforced-limits
                              run without the limits this host cannot enforce
                              instead of failing; --result-json then lists
                              them under unenforcedLimits

      Seccomp policy FILE: one directive per line, '#' starts a comment, blank
      lines are ignored. Rules are checked in file order; for each syscall the
      first whose conditions all hold decides.
        default ACTION        exactly once, first: what a syscall no rule
                              decides gets; ACTION is allow, kill, log, trap
                              or errno N
        allow NAME [NAME...]  run these syscalls
        allow NAME COND...    run syscall NAME when every COND holds
        errno N NAME [COND...]
                              fail NAME with errno N, 1..4095 (1 is EPERM)
        kill NAME [COND...]   kill the whole sandbox (SECCOMP_VIOLATION)
        log NAME [COND...]    run NAME and log it to the kernel's audit log
        trap NAME [COND...]   send SIGSYS to the calling thread
      NAME is the kernel's syscall name (openat, getppid). COND is one word:
      argI==V, argI!=V, argI<V, argI<=V, argI>V, argI>=V or argI&MASK==V, with
      I 0..5 and V, MASK unsigned 64-bit numbers, decimal or 0x hex. Example:
        default allow
        kill ptrace
        errno 1 ioctl arg1&0xFFFFFFFF==0x5412
      A file named default or none is given as ./default or ./none.

      An option's value is the next argument or follows '=' (--hostname=box).
      SIZE is 4096, 512k, 64m or 1g (binary units); DURATION is as for
      --wall-time. Host paths (DIR of --rootfs, SRC, DEV, FILE) may be relative
      to the current directory; paths inside the sandbox (DST, --workdir) must
      be absolute.

      Host check: sandbox4j doctor checks what this host offers sandboxes, for
      this user, now: each namespace (by starting a real sandbox), the cgroup
      version and mode, the controllers run cgroups can use, kernel features
      and restrictions (AppArmor, sysctls). It prints one line per check, PASS,
      WARN, FAIL or INFO, with the remedy under each WARN and FAIL, then
        doctor: N checks, F failed (in X ms)
      --json prints a JSON array of {"name","status","detail","remedy"} objects
      instead. It exits 0 when no check failed, else 1.

      Exit status:
        N     COMMAND's own exit status
        128+S signal S ended COMMAND, e.g. 137 (SIGKILL) when --wall-time,
              --cpu-time or --output-limit ran out, --memory was exceeded or
              a seccomp kill rule matched; on SIGINT or SIGTERM sandbox4j
              kills the sandbox and exits 130 or 143
        0     --help, --version, --describe, --print-plan; doctor: no check
              failed
        1     doctor: a check failed
        2     a bad command line; the message names the option and the value
        125   sandbox4j itself failed, e.g. the --result-json FILE could not be
              written
        127   the sandbox could not be launched, so COMMAND never ran, as with a
              shell's "command not found"; the message names the failed stage,
              the path inside the sandbox and the errno, e.g.
              sandbox4j: launch failed: execve nope: ENOENT (...)

      --result-json FILE holds one JSON object with keys in this order:
        {"termination":"EXITED","exitCode":0,"signal":0,"wallTimeMicros":1843}
      termination is EXITED, SIGNALED, WALL_TIME_LIMIT, CPU_TIME_LIMIT,
      MEMORY_LIMIT, OUTPUT_LIMIT, SECCOMP_VIOLATION, KILLED or SETUP_FAILED.
      SECCOMP_VIOLATION adds the syscall right after wallTimeMicros, e.g.
      "seccompViolation":"ptrace".
      SETUP_FAILED (exitCode 127) adds "stage", "path", "errno" and "detail".
      When the sandbox had a cgroup, what it used follows: "cpuUserMicros",
      "cpuSystemMicros", "peakMemoryBytes", "oomKills", "pidsPeak",
      "pidsLimitHits", "ioReadBytes", "ioWriteBytes"; peakMemoryBytes and
      pidsPeak are null where the kernel keeps no peak. A run that went
      without limits (--allow-unenforced-limits) then lists them, each with the
      reason, as "unenforcedLimits". Last (not after a launch failure),
      "procView" says which /proc view COMMAND had: "LIVE", "STATIC" or "OFF".
      """;

  private static final String PREFIX = "sandbox4j: ";
  /** {@code doctor}: a check failed. 1, as a linter's "found problems": distinct from 2, a bad command line. */
  private static final int UNHEALTHY = 1;

  private Main() {}

  public static void main(String[] args) {
    int status = execute(args, System.out, System.err);
    System.out.flush();
    System.exit(status);
  }

  /**
   * Does what the command line says and returns the exit status; never calls
   * {@link System#exit}, so tests can call it. A run's program still uses the process's
   * real stdin, stdout and stderr, not {@code out} and {@code err} (with {@code --output-limit}:
   * its output is copied to {@link System#out} and {@link System#err}).
   */
  public static int execute(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      err.println(PREFIX + "no command: sandbox4j run [options] -- COMMAND [ARGS...] (see sandbox4j --help)");
      return ExitCodes.USAGE;
    }
    switch (args[0]) {
      case "help":
      case "--help":
      case "-h":
        out.print(HELP);
        return ExitCodes.OK;
      case "--version":
        out.println("sandbox4j " + version());
        return ExitCodes.OK;
      case "run":
        return run(Arrays.copyOfRange(args, 1, args.length), out, err);
      case "doctor":
        return doctor(Arrays.copyOfRange(args, 1, args.length), out, err);
      default:
        err.println(PREFIX + "unknown command \"" + args[0] + "\" (see sandbox4j --help)");
        return ExitCodes.USAGE;
    }
  }

  /**
   * {@code doctor [--json]}: the host's report, as text with a summary line or as a JSON
   * array; 0 when healthy, {@link #UNHEALTHY} when a check failed or there is no provider.
   */
  private static int doctor(String[] args, PrintStream out, PrintStream err) {
    boolean json = false;
    for (String arg : args) {
      if (arg.equals("--json") && !json) {
        json = true;
      } else if (arg.equals("--help") || arg.equals("-h")) {
        out.print(HELP);
        return ExitCodes.OK;
      } else {
        err.println(PREFIX + "doctor: " + (arg.equals("--json") ? "--json was given twice" : "unknown option " + arg)
            + " (sandbox4j doctor [--json])");
        return ExitCodes.USAGE;
      }
    }
    long start = System.nanoTime();
    HostReport report;
    try {
      report = Sandbox.doctor();
    } catch (SandboxLaunchException e) {
      err.println(PREFIX + "doctor: " + e.getMessage());
      return UNHEALTHY;
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    if (json) {
      out.print(doctorJson(report));
    } else {
      long failed = report.checks().stream().filter(c -> c.status() == HostReport.Status.FAIL).count();
      out.print(report);
      out.println("doctor: " + report.checks().size() + " checks, " + failed + " failed (in " + millis + " ms)");
    }
    return report.healthy() ? ExitCodes.OK : UNHEALTHY;
  }

  /** The checks as a JSON array, one object per line, keys in the order of {@link HostReport.Check}'s accessors. */
  static String doctorJson(HostReport report) {
    StringBuilder json = new StringBuilder("[");
    List<HostReport.Check> checks = report.checks();
    for (int i = 0; i < checks.size(); i++) {
      HostReport.Check c = checks.get(i);
      json.append(i == 0 ? "\n  " : ",\n  ")
          .append("{\"name\":").append(ResultJson.quote(c.name()))
          .append(",\"status\":").append(ResultJson.quote(c.status().name()))
          .append(",\"detail\":").append(ResultJson.quote(c.detail()))
          .append(",\"remedy\":").append(ResultJson.quote(c.remedy())).append('}');
    }
    return json.append("\n]\n").toString();
  }

  private static int run(String[] args, PrintStream out, PrintStream err) {
    CliOptions options;
    try {
      options = CliOptions.parse(args);
    } catch (CliUsageException e) {
      err.println(PREFIX + e.getMessage());
      return ExitCodes.USAGE;
    }
    if (options.helpRequested()) {
      out.print(HELP);
      return ExitCodes.OK;
    }
    if (options.describe() || options.printPlan()) {
      return inspect(options, out, err);
    }
    SandboxResult result;
    try {
      result = runToEnd(options.newCommand());
    } catch (SandboxLaunchException e) {
      return launchFailed(e, options, err);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println(PREFIX + "interrupted while waiting for the sandbox");
      return ExitCodes.CLI_FAILURE;
    } catch (UncheckedIOException | IllegalStateException e) {
      // The provider lost track of the run (e.g. its helper's status pipe broke).
      err.println(PREFIX + e.getMessage() + (e.getCause() != null ? ": " + e.getCause() : ""));
      return ExitCodes.CLI_FAILURE;
    }
    if (!writeResultJson(options.resultJson(), ResultJson.of(result), err)) {
      return ExitCodes.CLI_FAILURE;
    }
    return result.exitCode();
  }

  /** {@code --describe} and {@code --print-plan}: say what would happen, start nothing. */
  private static int inspect(CliOptions options, PrintStream out, PrintStream err) {
    if (options.describe()) {
      out.print(options.toSandbox().describe());
    }
    if (options.printPlan()) {
      try {
        err.print(options.newCommand().plan());
      } catch (SandboxLaunchException e) {
        return launchFailed(e, options, err);
      }
    }
    return ExitCodes.OK;
  }

  /**
   * Starts the command and waits for the end of the run. A shutdown hook kills the sandbox
   * when the CLI itself is asked to end (SIGINT, SIGTERM): the library would kill it anyway
   * once the JVM is gone, but this way the kill happens before the CLI exits, not after.
   */
  private static SandboxResult runToEnd(SandboxCommand command)
      throws SandboxLaunchException, InterruptedException {
    try (SandboxProcess process = command.start()) {
      List<OutputCopier> copiers = copyOutput(command, process);
      Thread killer = new Thread(() -> killAndRelease(process), "sandbox4j-cli-shutdown");
      boolean hooked = addShutdownHook(killer);
      try {
        SandboxResult result = process.waitForResult();
        // The run can be over while its last output still waits in the pipes.
        for (OutputCopier copier : copiers) {
          copier.join();
        }
        return result;
      } finally {
        if (hooked) {
          removeShutdownHook(killer);
        }
      }
    }
  }

  /**
   * Copies the program's stdout and stderr where they are pipes ({@code --output-limit}) to
   * the process's own, where they would have gone had the program inherited them.
   */
  private static List<OutputCopier> copyOutput(SandboxCommand command, SandboxProcess process) {
    List<OutputCopier> copiers = new ArrayList<>(2);
    if (command.stdout().type() == Redirect.Type.PIPE) {
      copiers.add(OutputCopier.start("sandbox4j-cli-stdout", process.getInputStream(), System.out));
    }
    if (command.stderr().type() == Redirect.Type.PIPE) {
      copiers.add(OutputCopier.start("sandbox4j-cli-stderr", process.getErrorStream(), System.err));
    }
    return copiers;
  }

  /** Kills at once, then waits until the sandbox is gone and its pipes are released. */
  private static void killAndRelease(SandboxProcess process) {
    process.destroyForcibly();
    process.close();
  }

  /** False when the JVM is already shutting down: then the library's own guarantee has to do. */
  private static boolean addShutdownHook(Thread hook) {
    try {
      Runtime.getRuntime().addShutdownHook(hook);
      return true;
    } catch (IllegalStateException shutdownInProgress) {
      return false;
    }
  }

  private static void removeShutdownHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shutdownInProgress) {
      // The hook is running or has run; it kills and closes, which is what we want now.
    }
  }

  /** The launch failed: the program never ran. The exit status is 127 even when the JSON cannot be written. */
  private static int launchFailed(SandboxLaunchException failure, CliOptions options, PrintStream err) {
    err.println(PREFIX + "launch failed: " + failure.getMessage());
    writeResultJson(options.resultJson(), ResultJson.ofLaunchFailure(failure), err);
    return ExitCodes.LAUNCH_FAILED;
  }

  /** Writes one line of JSON to the {@code --result-json} file, if given; false after a failure. */
  private static boolean writeResultJson(Optional<Path> file, String json, PrintStream err) {
    if (file.isEmpty()) {
      return true;
    }
    try {
      Files.writeString(file.get(), json + "\n", UTF_8);
      return true;
    } catch (IOException e) {
      err.println(PREFIX + "--result-json " + file.get() + ": cannot write: " + e);
      return false;
    }
  }

  /** The version Maven filtered into the resources; "unknown" when run from unfiltered classes. */
  static String version() {
    Properties properties = new Properties();
    try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      return "unknown";
    }
    return properties.getProperty("version", "unknown");
  }
}
