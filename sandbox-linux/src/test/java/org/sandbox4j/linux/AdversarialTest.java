package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sandbox4j.Access;
import org.sandbox4j.DataSize;
import org.sandbox4j.IdMapping;
import org.sandbox4j.ResourceUsage;
import org.sandbox4j.Rlimit;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxCommand;
import org.sandbox4j.SandboxLaunchException;
import org.sandbox4j.SandboxProcess;
import org.sandbox4j.SandboxResult;
import org.sandbox4j.Termination;

/**
 * Attacks from inside a strict sandbox. Each is a small C program under
 * {@code src/test/resources/attacks} (one file per family, the attack chosen by a mode
 * argument), compiled once and bound read-only at {@code /attacks}. An attack prints
 * {@code ESCAPED: <what>} and exits 42 when it worked, {@code blocked: <why>} and exits 0
 * when it did not.
 *
 * <p>Every test asserts two things: the attack did not work, and the host is as it was
 * before ({@link HostSnapshot}: sensitive files, the helper binary, the JVM's mounts, no
 * process with the run's marker, no run cgroup, no key left behind). A run the strict
 * seccomp policy ends ({@link Termination#SECCOMP_VIOLATION}) is a blocked attack too.
 */
class AdversarialTest {
  private static final Duration WALL = Duration.ofSeconds(10);
  private static final Consumer<SandboxCommand> AS_IS = command -> {};
  private static final Pattern COUNT = Pattern.compile("count=(\\d+)");
  /** Output readers: not the common pool, which the provider itself needs to complete results. */
  private static final ExecutorService READERS = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "adversarial-output-reader");
    t.setDaemon(true);
    return t;
  });

  @TempDir static Path work;
  private static Path attacks;
  private static Path sentinel;
  private static String hostHostname;

  @BeforeAll
  static void compileTheAttacksAndPlantASentinel() throws Exception {
    attacks = AttackPrograms.compile(work.resolve("attacks"));
    sentinel = Files.writeString(Files.createDirectories(work.resolve("host")).resolve("sentinel"),
        "host secret " + newMarker() + "\n");
    hostHostname = Files.readString(Path.of("/etc/hostname")).trim();
  }

  // ---------------------------------------------------------------- escaping the root

  @Test
  void nestedChrootAndDotDotDoNotLeaveTheRoot() throws Exception {
    assertBlocked(strict(), "escape", "nested-chroot", sentinel.toString(), hostHostname);
  }

  @Test
  void dotDotFromTheRootStaysInTheRoot() throws Exception {
    assertBlocked(strict(), "escape", "dotdot", sentinel.toString(), hostHostname);
  }

  @Test
  void aDirectoryFdKeptAcrossChrootThenFchdirDoesNotLeaveTheRoot() throws Exception {
    assertBlocked(strict(), "escape", "fchdir", sentinel.toString(), hostHostname);
  }

  @Test
  void procRootMagicLinksLeadOnlyToTheSandboxRoot() throws Exception {
    assertBlocked(strict(), "escape", "proc-root", sentinel.toString(), hostHostname);
  }

  @Test
  void noRouteThroughProcFdsOrOldRootsReachesTheHostsFiles() throws Exception {
    assertBlocked(strict(), "escape", "every-route", sentinel.toString(), hostHostname);
  }

  // ---------------------------------------------------------------- reading host data

  @Test
  void etcShadowIsNotReadable() throws Exception {
    assertBlocked(strict(), "readhost", "shadow");
  }

  @Test
  void rootAndHomeAreNotListable() throws Exception {
    assertBlocked(strict(), "readhost", "root-and-home");
  }

  @Test
  void theHostsSentinelFileIsNotReadable() throws Exception {
    assertBlocked(strict(), "readhost", "sentinel", sentinel.toString());
  }

  @Test
  void initsEnvironmentAndCommandLineRevealNothingOfTheHost() throws Exception {
    assertBlocked(strict(), "readhost", "init-environ", System.getProperty("user.dir"),
        System.getProperty("java.home"), sentinel.getParent().toString());
  }

  @Test
  void sysIsAbsentOrReadOnly() throws Exception {
    assertBlocked(strict(), "readhost", "sys");
  }

  // ---------------------------------------------------------------- host processes

  @Test
  void procListsOnlyTheSandboxsOwnProcesses() throws Exception {
    assertBlocked(strict(), "procs", "count");
  }

  @Test
  void killMinusOneDoesNotReachAHostProcess() throws Exception {
    String victimMarker = newMarker();
    Process victim = new ProcessBuilder("sleep", "600." + victimMarker).start();
    try {
      assertBlocked(strict(), "procs", "kill-all", Long.toString(victim.pid()), victimMarker);
      assertThat(victim.isAlive()).as("the host's process survived kill(-1, SIGKILL) in the sandbox").isTrue();
    } finally {
      victim.destroyForcibly().waitFor();
    }
  }

  @Test
  void ptraceAndProcessVmReadvOfInitAndTheParentAreRefused() throws Exception {
    assertBlocked(strict(), "procs", "ptrace-init");
  }

  @Test
  void aSecondSandboxsProcessesAndTheJvmAreUnreachableByTheirHostPids() throws Exception {
    String marker = newMarker();
    String otherMarker = newMarker();
    HostSnapshot before = HostSnapshot.take(marker, sentinel);
    Outcome attack;
    try (Running other = start(strict().build(), otherMarker, AS_IS, "procs", "idle")) {
      other.awaitReady();
      // The other sandbox's program, its init and its supervisor (the helper), and the JVM:
      // the JVM's descendants only, never a host process beyond (such as the host's init).
      Set<Long> descendants = ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(Collectors.toSet());
      Set<Long> pids = new LinkedHashSet<>();
      for (long program : HostProcesses.withCommandLineContaining(otherMarker)) {
        Optional<ProcessHandle> p = ProcessHandle.of(program);
        for (; p.isPresent() && descendants.contains(p.get().pid()); p = p.get().parent()) {
          pids.add(p.get().pid());
        }
      }
      pids.add(ProcessHandle.current().pid());
      assertThat(pids).as("the other sandbox's processes and the JVM, on the host").hasSizeGreaterThanOrEqualTo(4);
      attack = run(strict().build(), marker, "procs", "foreign",
          pids.stream().map(String::valueOf).toArray(String[]::new));
      other.finish();
    }
    assertBlockedAndHostUnchanged(attack, before);
    assertThat(HostProcesses.withCommandLineContaining(otherMarker)).as("the other sandbox's processes").isEmpty();
  }

  // ---------------------------------------------------------------- the helper and inherited state

  @Test
  void theHelperAndOtherBinariesCannotBeOpenedForWritingThroughProcExe() throws Exception {
    assertBlocked(strict(), "overwrite", "proc-exe");
  }

  @Test
  void initsMemoryCannotBeOpenedThroughProcMem() throws Exception {
    assertBlocked(strict(), "overwrite", "proc-mem");
  }

  @Test
  void onlyStdinStdoutAndStderrAreInherited() throws Exception {
    assertBlocked(strict(), "procs", "fds");
  }

  /**
   * The caller's terminal, emulated by a pseudo-terminal no session owns given as stdin:
   * TIOCSTI would push keystrokes into it for the caller's shell to run. The strict policy
   * refuses TIOCSTI and TIOCLINUX with EPERM whatever the high bits of the request.
   */
  @Test
  void tiocstiAndTioclinuxCannotInjectIntoTheCallersTerminal() throws Exception {
    String marker = newMarker();
    HostSnapshot before = HostSnapshot.take(marker, sentinel);
    try (TestTerminal terminal = TestTerminal.open()) {
      Outcome outcome;
      try (Running attack = start(strict().build(), marker,
          command -> command.redirectInput(Redirect.from(terminal.slave().toFile())), "tty", "inject")) {
        outcome = attack.finish();
      }
      SoftAssertions soft = new SoftAssertions();
      checkBlocked(soft, outcome, before);
      soft.assertThat(terminal.echoedInput()).as("input injected into the terminal").isEmpty();
      soft.assertThat(outcome.stdout()).as("the refusals").contains("blocked: TIOCSTI: EPERM",
          "blocked: TIOCSTI with high bits: EPERM", "blocked: TIOCLINUX: EPERM",
          "blocked: TIOCLINUX with high bits: EPERM");
      soft.assertAll();
    }
  }

  // ---------------------------------------------------------------- mounts and namespaces

  @Test
  void mountIsRefused() throws Exception {
    assertBlocked(strict(), "ns", "mount");
  }

  @Test
  void umountIsRefused() throws Exception {
    assertBlocked(strict(), "ns", "umount");
  }

  @Test
  void pivotRootIsRefused() throws Exception {
    assertBlocked(strict(), "ns", "pivot-root");
  }

  @Test
  void unshareOfAUserNamespaceIsRefused() throws Exception {
    assertBlocked(strict(), "ns", "unshare-user");
  }

  @Test
  void unshareOfAMountNamespaceIsRefused() throws Exception {
    assertBlocked(strict(), "ns", "unshare-mount");
  }

  @Test
  void cloneWithANewUserNamespaceIsRefused() throws Exception {
    assertBlocked(strict(), "ns", "clone-user");
  }

  @Test
  void setnsIsRefused() throws Exception {
    assertBlocked(strict(), "ns", "setns");
  }

  // ---------------------------------------------------------------- kernel interfaces

  @Test
  void addKeyAndKeyctlAreRefused() throws Exception {
    assertBlocked(strict(), "kern", "keyrings");
  }

  @Test
  void userfaultfdIsRefused() throws Exception {
    assertBlocked(strict(), "kern", "userfaultfd");
  }

  @Test
  void ioUringSetupIsRefused() throws Exception {
    assertBlocked(strict(), "kern", "io-uring");
  }

  @Test
  void bpfIsRefused() throws Exception {
    assertBlocked(strict(), "kern", "bpf");
  }

  @Test
  void perfEventOpenIsRefused() throws Exception {
    assertBlocked(strict(), "kern", "perf");
  }

  @Test
  void openByHandleAtIsRefused() throws Exception {
    assertBlocked(strict(), "kern", "open-by-handle");
  }

  @Test
  void kexecAndModuleLoadingAreRefused() throws Exception {
    assertBlocked(strict(), "kern", "kexec-and-modules");
  }

  @Test
  void settingTheClockIsRefused() throws Exception {
    assertBlocked(strict(), "kern", "settimeofday");
  }

  @Test
  void rebootIsRefused() throws Exception {
    assertBlocked(strict(), "kern", "reboot");
  }

  // ---------------------------------------------------------------- host-wide files of /proc

  @Test
  void corePatternIsNotWritable() throws Exception {
    assertBlocked(strict(), "procfs", "core-pattern");
  }

  @Test
  void sysrqTriggerIsNotWritable() throws Exception {
    assertBlocked(strict(), "procfs", "sysrq");
  }

  @Test
  void procKcoreReadsNothing() throws Exception {
    assertBlocked(strict(), "procfs", "kcore");
  }

  @Test
  void procKeysReadsNothing() throws Exception {
    assertBlocked(strict(), "procfs", "keys");
  }

  @Test
  void procTimerListReadsNothing() throws Exception {
    assertBlocked(strict(), "procfs", "timer-list");
  }

  // ---------------------------------------------------------------- setuid

  /** Default mapping: uid 1000 inside is the caller; the file's owner, root, is uid 1000 inside too. */
  @Test
  void aSetuidRootBinaryGivesNoEuidZero() throws Exception {
    Path dir = setuidRootCopyOfIdentity();
    assertBlocked(strict().runAs(1000, 1000).bindMount(dir, "/suid"), "/suid/identity", "euid");
  }

  /**
   * The host's root is uid 0 inside as well, so the set-user-ID bit would really give uid 0:
   * only nosuid and no_new_privs stand in the way.
   */
  @Test
  void aSetuidRootBinaryGivesNoEuidZeroEvenWithRootMappedInside() throws Exception {
    Path dir = setuidRootCopyOfIdentity();
    Sandbox.Builder sandbox = strict().runAs(1000, 1000).bindMount(dir, "/suid")
        .uidMapping(IdMapping.of(0, 0, 1)).uidMapping(IdMapping.of(1000, 1000, 1))
        .gidMapping(IdMapping.of(0, 0, 1)).gidMapping(IdMapping.of(1000, 1000, 1));
    assertBlocked(sandbox, "/suid/identity", "euid");
  }

  // ---------------------------------------------------------------- outliving the run

  @Test
  void aDoubleForkedSetsidDaemonDoesNotOutliveTheRun() throws Exception {
    assertBlocked(strict(), "persist", "daemon");
  }

  @Test
  void aProcessIgnoringSigtermDoesNotOutliveTheRun() throws Exception {
    String marker = newMarker();
    HostSnapshot before = HostSnapshot.take(marker, sentinel);
    Outcome outcome;
    try (Running attack = start(strict(Duration.ofSeconds(1)).build(), marker, AS_IS, "persist", "ignore-term")) {
      attack.awaitReady();
      attack.process.destroy(); // SIGTERM, forwarded to the program, which ignores it
      outcome = attack.finish();
    }
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(outcome.result().termination()).as("%s", outcome)
        .isIn(Termination.WALL_TIME_LIMIT, Termination.KILLED);
    soft.assertThat(outcome.escaped()).as("the attack worked:%n%s", outcome).isFalse();
    soft.assertThat(before.changes()).as("the host changed").isEmpty();
    soft.assertAll();
  }

  // ---------------------------------------------------------------- exhausting resources

  @Test
  void aForkBombEndsAtItsPidsLimitAndTheHostStaysResponsive() throws Exception {
    TestHost.assumeCgroups(); // without one the pids limit fails closed (LimitsTest)
    String marker = newMarker();
    HostSnapshot before = HostSnapshot.take(marker, sentinel);
    Outcome outcome;
    long hostSpawnMillis;
    try (Running bomb = start(strict(Duration.ofSeconds(2)).pidsLimit(64).build(), marker, AS_IS, "bombs", "fork")) {
      Thread.sleep(1000); // the bomb is at its limit by now
      hostSpawnMillis = millisToRunOnTheHost("/bin/true");
      outcome = bomb.finish();
    }
    ResourceUsage usage = outcome.result().usage().orElseThrow(() -> new AssertionError("no account: " + outcome));
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(outcome.result().termination()).as("%s", outcome).isEqualTo(Termination.WALL_TIME_LIMIT);
    soft.assertThat(usage.pidsLimitHits()).as("forks the pids limit refused").isPositive();
    usage.pidsPeak().ifPresent(peak -> soft.assertThat(peak).as("pids peak").isLessThanOrEqualTo(64));
    soft.assertThat(hostSpawnMillis).as("ms to run /bin/true on the host during the bomb").isLessThan(2000);
    soft.assertThat(before.changes()).as("the host changed").isEmpty();
    soft.assertAll();
  }

  @Test
  void aMemoryBombEndsAtItsMemoryLimitAndTheHostStaysResponsive() throws Exception {
    TestHost.assumeCgroups(); // without one the memory limit fails closed (LimitsTest)
    String marker = newMarker();
    HostSnapshot before = HostSnapshot.take(marker, sentinel);
    Outcome outcome = run(strict().memoryLimit(DataSize.ofMebibytes(64)).build(), marker, "bombs", "memory");
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(outcome.result().termination()).as("%s", outcome).isEqualTo(Termination.MEMORY_LIMIT);
    soft.assertThat(outcome.escaped()).as("the attack worked:%n%s", outcome).isFalse();
    soft.assertThat(millisToRunOnTheHost("/bin/true")).as("ms to run /bin/true on the host after").isLessThan(2000);
    soft.assertThat(before.changes()).as("the host changed").isEmpty();
    soft.assertAll();
  }

  @Test
  void fillingTmpStopsAtItsSizeAndTheHostsDiskIsUntouched() throws Exception {
    assertDiskAttackBounded(strict(), "fill-tmp", Sandbox.DEFAULT_TMP_SIZE.toBytes());
  }

  @Test
  void creatingEmptyFilesStopsAtABoundedInodeLimit() throws Exception {
    assertDiskAttackBounded(strict(Duration.ofSeconds(30)), "inodes", 1_000_000 - 1);
  }

  @Test
  void rlimitFsizeBoundsAFileOnAWritableHostDirectory() throws Exception {
    Path out = Files.createDirectories(work.resolve("fsize-out"));
    assertDiskAttackBounded(strict().rlimit(Rlimit.FSIZE, 1 << 20).bindMount(out, "/out", Access.READ_WRITE),
        "fsize", 1 << 20, "/out/big");
    assertThat(Files.size(out.resolve("big"))).as("size of the file on the host").isLessThanOrEqualTo(1 << 20);
  }

  /**
   * A disk attack reports how much it wrote or created ("count=N"): at most {@code bound}
   * (for files: fewer than a million, where the attack gives up).
   * The host's disk is not where the sandbox's /tmp lives, so its free space and inodes do
   * not move either.
   */
  private static void assertDiskAttackBounded(Sandbox.Builder sandbox, String mode, long bound, String... args)
      throws Exception {
    String marker = newMarker();
    HostSnapshot before = HostSnapshot.take(marker, sentinel);
    long[] diskBefore = HostSnapshot.freeSpaceAndInodes(work);
    Outcome outcome = run(sandbox.build(), marker, "disk", mode, args);
    long[] diskAfter = HostSnapshot.freeSpaceAndInodes(work);
    SoftAssertions soft = new SoftAssertions();
    checkBlocked(soft, outcome, before);
    Matcher count = COUNT.matcher(outcome.stdout());
    if (count.find()) {
      soft.assertThat(Long.parseLong(count.group(1))).as("what the attack wrote or created").isLessThanOrEqualTo(bound);
    } else {
      soft.fail("the attack reported no count:%n%s", outcome);
    }
    // Other builds share the host's disk: a margin far below what the attacks write (128 MiB, a million files).
    soft.assertThat(diskBefore[0] - diskAfter[0]).as("bytes of the host's disk used during the run")
        .isLessThan(64L << 20);
    soft.assertThat(diskBefore[1] - diskAfter[1]).as("inodes of the host's disk used during the run")
        .isLessThan(10_000);
    soft.assertAll();
  }

  @Test
  void floodingStdoutEndsAtTheOutputLimit() throws Exception {
    String marker = newMarker();
    HostSnapshot before = HostSnapshot.take(marker, sentinel);
    Outcome outcome = run(strict().outputLimit(DataSize.ofMebibytes(1)).build(), marker, "/usr/bin/yes", "flood");
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(outcome.result().termination()).as("%s", outcome.result()).isEqualTo(Termination.OUTPUT_LIMIT);
    soft.assertThat(outcome.stdout().length()).as("bytes the JVM received").isEqualTo(1 << 20);
    soft.assertThat(before.changes()).as("the host changed").isEmpty();
    soft.assertAll();
  }

  // ---------------------------------------------------------------- network

  @Test
  void aListenerOnTheHostsLoopbackIsUnreachable() throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertBlocked(strict(), "net", "host-loopback", Integer.toString(listener.getLocalPort()));
      listener.setSoTimeout(1);
      assertThatThrownBy(listener::accept).as("a connection reached the host's listener")
          .isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void onlyLoopbackExists() throws Exception {
    assertBlocked(strict(), "net", "interfaces");
  }

  @Test
  void thereIsNoRouteOut() throws Exception {
    assertBlocked(strict(), "net", "route");
  }

  @Test
  void vsockWhichNoNetworkNamespaceIsolatesIsRefused() throws Exception {
    assertBlocked(strict(), "net", "vsock");
  }

  // ---------------------------------------------------------------- channels between two sandboxes

  @Test
  void anAbstractUnixSocketDoesNotConnectTwoSandboxes() throws Exception {
    assertNoChannelBetweenTwoSandboxes("abstract");
  }

  @Test
  void sysvSharedMemoryDoesNotConnectTwoSandboxes() throws Exception {
    assertNoChannelBetweenTwoSandboxes("sysv-shm");
  }

  @Test
  void posixSharedMemoryDoesNotConnectTwoSandboxes() throws Exception {
    assertNoChannelBetweenTwoSandboxes("posix-shm");
  }

  @Test
  void keyringsDoNotConnectTwoSandboxes() throws Exception {
    assertNoChannelBetweenTwoSandboxes("keyring");
  }

  @Test
  void flockOnASharedReadOnlyFileDoesNotConnectTwoSandboxes() throws Exception {
    assertNoChannelBetweenTwoSandboxes("flock");
  }

  @Test
  void fcntlLocksOnASharedReadOnlyFileDoNotConnectTwoSandboxes() throws Exception {
    assertNoChannelBetweenTwoSandboxes("fcntl-lock");
  }

  @Test
  void aLockASandboxHoldsOnASharedReadOnlyFileDoesNotBlockTheHost() throws Exception {
    try (Running holder = start(strict().build(), newMarker(), AS_IS, "channels", "hold-flock")) {
      holder.awaitReady();
      assertThat(hostFlock("/usr/lib/os-release")).as("flock -n -x /usr/lib/os-release on the host").isZero();
      Outcome outcome = holder.finish();
      assertThat(outcome.stdout()).as("the sandbox held its lock:%n%s", outcome)
          .contains("holding flock(LOCK_EX) on /usr/lib/os-release");
    }
  }

  @Test
  void aLockASandboxHoldsOnDevNullDoesNotBlockTheHost() throws Exception {
    assumeTrue(HostViewSupport.initialUserNamespaceRoot(),
        "device nodes of the sandbox's own need root of the initial user namespace; rootless sandboxes bind the "
            + "host's nodes (SECURITY.md)");
    SandboxCommand command = strict().build()
        .command("/usr/bin/flock", "-x", "/dev/null", "/bin/sh", "-c", "echo ready; read line; echo held");
    try (Running holder = new Running(command.start())) {
      holder.awaitReady();
      assertThat(hostFlock("/dev/null")).as("flock -n -x /dev/null on the host").isZero();
      Outcome outcome = holder.finish();
      assertThat(outcome.result().succeeded()).as("the sandbox held its lock:%n%s", outcome).isTrue();
      assertThat(outcome.stdout()).contains("held");
    }
  }

  /** The exit status of the host's flock(1) taking an exclusive lock on path without waiting. */
  private static int hostFlock(String path) throws Exception {
    Process flock = new ProcessBuilder("flock", "-n", "-x", path, "true").redirectErrorStream(true).start();
    assertThat(flock.waitFor(10, TimeUnit.SECONDS)).as("flock on the host ended").isTrue();
    return flock.exitValue();
  }

  /** Sandbox A holds the channel open while sandbox B, running at the same time, probes it. */
  private static void assertNoChannelBetweenTwoSandboxes(String channel) throws Exception {
    String marker = newMarker();
    HostSnapshot before = HostSnapshot.take(marker, sentinel);
    Sandbox sandbox = strict().build();
    Outcome holder;
    Outcome probe;
    try (Running a = start(sandbox, marker, AS_IS, "channels", "hold-" + channel)) {
      a.awaitReady();
      probe = run(sandbox, marker, "channels", "probe-" + channel);
      holder = a.finish();
    }
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(holder.escaped()).as("the holding sandbox:%n%s", holder).isFalse();
    soft.assertThat(holder.result().succeeded() || holder.result().termination() == Termination.SECCOMP_VIOLATION)
        .as("the holding sandbox ended well:%n%s", holder).isTrue();
    checkBlocked(soft, probe, before);
    soft.assertAll();
  }

  // ---------------------------------------------------------------- running attacks

  /** The strict preset with the attacks at /attacks and a wall-time limit, so no attack hangs the suite. */
  private static Sandbox.Builder strict() {
    return strict(WALL);
  }

  private static Sandbox.Builder strict(Duration wallTimeLimit) {
    return Sandbox.builder().strict().wallTimeLimit(wallTimeLimit).bindMount(attacks, "/attacks");
  }

  /** Runs an attack and asserts that it was blocked and the host is unchanged; returns how it ended. */
  private static Outcome assertBlocked(Sandbox.Builder sandbox, String program, String mode, String... args)
      throws Exception {
    String marker = newMarker();
    HostSnapshot before = HostSnapshot.take(marker, sentinel);
    Outcome outcome = run(sandbox.build(), marker, program, mode, args);
    assertBlockedAndHostUnchanged(outcome, before);
    return outcome;
  }

  private static void assertBlockedAndHostUnchanged(Outcome outcome, HostSnapshot before) throws IOException {
    SoftAssertions soft = new SoftAssertions();
    checkBlocked(soft, outcome, before);
    soft.assertAll();
  }

  /** The attack did not work, it did reach a verdict, and the host is as it was. */
  private static void checkBlocked(SoftAssertions soft, Outcome outcome, HostSnapshot before) throws IOException {
    if (outcome.escaped()) {
      soft.fail("the attack worked:%n%s", outcome);
    } else if (!outcome.reachedVerdict()) {
      soft.fail("the attack reached no verdict (crashed, timed out or could not start):%n%s", outcome);
    }
    soft.assertThat(before.changes()).as("the host changed; the attack:%n%s", outcome).isEmpty();
  }

  private static Outcome run(Sandbox sandbox, String marker, String program, String mode, String... args)
      throws Exception {
    try (Running attack = start(sandbox, marker, AS_IS, program, mode, args)) {
      return attack.finish();
    }
  }

  /** argv: the program (a name under /attacks, or an absolute path), the mode, the marker, the mode's arguments. */
  private static Running start(Sandbox sandbox, String marker, Consumer<SandboxCommand> setup, String program,
      String mode, String... args) throws SandboxLaunchException {
    List<String> argv = new ArrayList<>();
    argv.add(program.startsWith("/") ? program : "/attacks/" + program);
    argv.addAll(List.of(mode, marker));
    argv.addAll(List.of(args));
    SandboxCommand command = sandbox.command(argv);
    setup.accept(command);
    return new Running(command.start());
  }

  /** A unique number for a run's command lines and names, so that its leftovers can be found. */
  private static String newMarker() {
    return Long.toString(ThreadLocalRandom.current().nextLong(100_000_000_000L, 1_000_000_000_000L));
  }

  /** Copies the identity program as a set-user-ID file owned by the host's root. */
  private static Path setuidRootCopyOfIdentity() throws Exception {
    TestHost.assumeRoot("only root can create a setuid-root file");
    Path dir = Files.createDirectories(work.resolve("suid"));
    Path copy = Files.copy(attacks.resolve("identity"), dir.resolve("identity"), StandardCopyOption.REPLACE_EXISTING);
    assertThat(new ProcessBuilder("chmod", "4755", copy.toString()).start().waitFor()).isZero();
    assertThat((Integer) Files.getAttribute(copy, "unix:mode") & 04000).as("the set-user-ID bit").isNotZero();
    assertThat((Integer) Files.getAttribute(copy, "unix:uid")).as("the owner").isZero();
    return dir;
  }

  private static long millisToRunOnTheHost(String program) throws Exception {
    long start = System.nanoTime();
    Process process = new ProcessBuilder(program).start();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  /** How one attack's run ended, with everything it printed. */
  private record Outcome(SandboxResult result, String stdout, String stderr) {
    boolean escaped() {
      return stdout.contains("ESCAPED") || result.exitCode() == 42;
    }

    /** The attack ran to its own verdict, or seccomp ended the sandbox at one of its attempts. */
    boolean reachedVerdict() {
      return result.termination() == Termination.SECCOMP_VIOLATION
          || (result.succeeded() && stdout.contains("blocked: "));
    }

    @Override
    public String toString() {
      return result + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }

  /** An attack program started in a sandbox; its stdout and stderr are collected as they come. */
  private static final class Running implements AutoCloseable {
    final SandboxProcess process;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final CompletableFuture<String> stdout;
    private final CompletableFuture<String> stderr;

    Running(SandboxProcess process) {
      this.process = process;
      this.stdout = CompletableFuture.supplyAsync(() -> collect(process.getInputStream(), ready), READERS);
      this.stderr = CompletableFuture.supplyAsync(() -> collect(process.getErrorStream(), null), READERS);
    }

    /** Waits until the program printed "ready" (or ended). */
    void awaitReady() throws Exception {
      try {
        CompletableFuture.anyOf(ready, process.onExit()).get(WALL.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new AssertionError("the program never got ready", e);
      }
    }

    /** Closes the program's stdin and waits for its end. */
    Outcome finish() throws Exception {
      process.getOutputStream().close();
      SandboxResult result = process.waitForResult();
      return new Outcome(result, stdout.get(WALL.toMillis(), TimeUnit.MILLISECONDS),
          stderr.get(WALL.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Override
    public void close() {
      process.close();
    }

    private static String collect(InputStream in, CompletableFuture<Void> ready) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      try (in) {
        for (int n; (n = in.read(buf)) > 0; ) {
          bytes.write(buf, 0, n);
          if (ready != null && !ready.isDone() && bytes.size() < 65536
              && bytes.toString(StandardCharsets.UTF_8).contains("ready\n")) {
            ready.complete(null);
          }
        }
      } catch (IOException e) {
        bytes.writeBytes(("\n(reading failed: " + e + ")\n").getBytes(StandardCharsets.UTF_8));
      }
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }
}
