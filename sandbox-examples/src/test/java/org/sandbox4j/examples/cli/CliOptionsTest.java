package org.sandbox4j.examples.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sandbox4j.Access;
import org.sandbox4j.Capability;
import org.sandbox4j.DataSize;
import org.sandbox4j.IoThrottle;
import org.sandbox4j.Mount;
import org.sandbox4j.Namespace;
import org.sandbox4j.ProcView;
import org.sandbox4j.ResourceLimits;
import org.sandbox4j.Rlimit;
import org.sandbox4j.RootFilesystem;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxCommand;
import org.sandbox4j.SeccompPolicy;

class CliOptionsTest {
  private static final Path CWD = Path.of("").toAbsolutePath();

  private static CliOptions parse(String... args) throws CliUsageException {
    return CliOptions.parse(args);
  }

  private static String error(String... args) {
    try {
      CliOptions.parse(args);
    } catch (CliUsageException e) {
      return e.getMessage();
    }
    throw new AssertionError("parse accepted " + List.of(args));
  }

  @Nested
  class Defaults {
    @Test
    void noOptionsIsTheStrictPreset() throws Exception {
      Sandbox sandbox = parse("--", "/bin/true").toSandbox();
      Sandbox strict = Sandbox.builder().strict().build();

      assertThat(sandbox.namespaces()).isEqualTo(EnumSet.allOf(Namespace.class));
      assertThat(sandbox.rootFilesystem()).contains(RootFilesystem.hostDerived());
      assertThat(sandbox.mountsProc()).isTrue();
      assertThat(sandbox.mountsDev()).isTrue();
      assertThat(sandbox.tmpSize()).contains(Sandbox.DEFAULT_TMP_SIZE);
      assertThat(sandbox.mounts()).isEmpty();
      assertThat(sandbox.describe()).isEqualTo(strict.describe());
    }

    @Test
    void noOptionsSetsNothingElse() throws Exception {
      CliOptions options = parse("--", "/bin/true");

      assertThat(options.rootfs()).isEmpty();
      assertThat(options.hostname()).isEmpty();
      assertThat(options.workingDirectory()).isEmpty();
      assertThat(options.environment()).isEmpty();
      assertThat(options.wallTimeLimit()).isEmpty();
      assertThat(options.tmpSize()).isEmpty();
      assertThat(options.uid()).isEmpty();
      assertThat(options.gid()).isEmpty();
      assertThat(options.resultJson()).isEmpty();
      assertThat(options.memoryLimit()).isEmpty();
      assertThat(options.memorySoftLimit()).isEmpty();
      assertThat(options.swapLimit()).isEmpty();
      assertThat(options.cpuQuota()).isEmpty();
      assertThat(options.cpuPeriod()).isEmpty();
      assertThat(options.cpus()).isEmpty();
      assertThat(options.cpuset()).isEmpty();
      assertThat(options.memoryNodes()).isEmpty();
      assertThat(options.pidsLimit()).isEmpty();
      assertThat(options.cpuTimeLimit()).isEmpty();
      assertThat(options.outputLimit()).isEmpty();
      assertThat(options.ioThrottles()).isEmpty();
      assertThat(options.rlimits()).isEmpty();
      assertThat(options.seccomp()).contains(SeccompPolicy.strictDefault());
      assertThat(options.keptCapabilities()).isEmpty();
      assertThat(options.sharesNetwork()).isFalse();
      assertThat(options.printPlan()).isFalse();
      assertThat(options.describe()).isFalse();
      assertThat(options.helpRequested()).isFalse();
      Sandbox sandbox = options.toSandbox();
      assertThat(sandbox.hostname()).contains(Sandbox.DEFAULT_HOSTNAME); // not the host's name
      assertThat(sandbox.workingDirectory()).isEqualTo("/");
      assertThat(sandbox.wallTimeLimit()).isEmpty();
      assertThat(sandbox.runAsUid()).isEmpty();
      assertThat(sandbox.limits()).isEqualTo(Sandbox.builder().build().limits());
      assertThat(sandbox.seccomp()).contains(SeccompPolicy.strictDefault());
      assertThat(sandbox.keptCapabilities()).isEmpty();
    }
  }

  @Nested
  class TheCommand {
    @Test
    void followsTheDoubleDash() throws Exception {
      assertThat(parse("--hostname", "box", "--", "sh", "-c", "exit 3").command())
          .containsExactly("sh", "-c", "exit 3");
    }

    @Test
    void startsAtTheFirstArgumentThatIsNoOption() throws Exception {
      assertThat(parse("--hostname", "box", "ls", "-l", "--", "--hostname").command())
          .containsExactly("ls", "-l", "--", "--hostname");
    }

    @Test
    void keepsOptionLikeArgumentsAfterTheDoubleDash() throws Exception {
      CliOptions options = parse("--", "--hostname", "x");

      assertThat(options.command()).containsExactly("--hostname", "x");
      assertThat(options.hostname()).isEmpty();
    }

    @Test
    void isRequired() {
      assertThat(error()).isEqualTo("run needs a command: sandbox4j run [options] -- COMMAND [ARGS...]");
      assertThat(error("--hostname", "box", "--")).startsWith("run needs a command");
    }

    @Test
    void mustNameAProgram() {
      assertThat(error("--", "")).isEqualTo("command: the program name must not be empty");
    }

    @Test
    void becomesACommandWithTheEnvironmentAndTheCliStdio() throws Exception {
      SandboxCommand command = parse("--env", "A=1", "--", "printenv", "A").newCommand();

      assertThat(command.command()).containsExactly("printenv", "A");
      assertThat(command.environment()).isEqualTo(Map.of("A", "1"));
      assertThat(command.stdin()).isEqualTo(Redirect.INHERIT);
      assertThat(command.stdout()).isEqualTo(Redirect.INHERIT);
      assertThat(command.stderr()).isEqualTo(Redirect.INHERIT);
      assertThat(command.redirectErrorStream()).isFalse();
      assertThat(command.directory()).isEmpty();
    }
  }

  @Nested
  class OptionSyntax {
    @Test
    void takesTheValueAfterAnEqualsSign() throws Exception {
      CliOptions options = parse("--hostname=box", "--env=A=b=c", "--", "true");

      assertThat(options.hostname()).contains("box");
      assertThat(options.environment()).containsExactly(Map.entry("A", "b=c"));
    }

    @Test
    void refusesAnUnknownOption() {
      assertThat(error("--network", "--", "true")).isEqualTo("unknown option --network (see sandbox4j --help)");
      assertThat(error("-x", "true")).isEqualTo("unknown option -x (see sandbox4j --help)");
    }

    @Test
    void refusesAMissingValue() {
      assertThat(error("--hostname")).isEqualTo("--hostname needs a value (see sandbox4j --help)");
      assertThat(error("--hostname", "--", "true")).isEqualTo("--hostname needs a value (see sandbox4j --help)");
    }

    @Test
    void refusesAValueForAFlag() {
      assertThat(error("--share-net=yes", "--", "true"))
          .isEqualTo("--share-net takes no value, but was given \"yes\"");
    }

    @Test
    void refusesASingleValuedOptionGivenTwice() {
      assertThat(error("--hostname", "a", "--hostname", "b", "--", "true"))
          .isEqualTo("--hostname was given twice; give it once");
    }

    @Test
    void acceptsAFlagGivenTwice() throws Exception {
      assertThat(parse("--share-net", "--share-net", "--", "true").sharesNetwork()).isTrue();
    }

    @Test
    void stopsAtHelp() throws Exception {
      CliOptions options = parse("--hostname", "box", "--help", "--no-such-option");

      assertThat(options.helpRequested()).isTrue();
      assertThat(parse("-h").helpRequested()).isTrue();
    }
  }

  @Nested
  class Rootfs {
    @Test
    void usesTheDirectoryReadOnlyInsteadOfTheHostDerivedRoot() throws Exception {
      CliOptions options = parse("--rootfs", "/srv/root", "--", "/bin/true");
      Sandbox sandbox = options.toSandbox();

      assertThat(options.rootfs()).contains(Path.of("/srv/root"));
      assertThat(options.rootfsAccess()).isEqualTo(Access.READ_ONLY);
      assertThat(sandbox.rootFilesystem()).contains(RootFilesystem.directory(Path.of("/srv/root"), Access.READ_ONLY));
    }

    @Test
    void keepsTheRestOfTheStrictPreset() throws Exception {
      Sandbox sandbox = parse("--rootfs", "/srv/root", "--", "/bin/true").toSandbox();

      assertThat(sandbox.namespaces()).isEqualTo(EnumSet.allOf(Namespace.class));
      assertThat(sandbox.mountsProc()).isTrue();
      assertThat(sandbox.mountsDev()).isTrue();
      assertThat(sandbox.tmpSize()).contains(Sandbox.DEFAULT_TMP_SIZE);
    }

    @Test
    void resolvesARelativeDirectoryAgainstTheCurrentOne() throws Exception {
      assertThat(parse("--rootfs", "images/../alpine", "--", "true").rootfs()).contains(CWD.resolve("alpine"));
    }

    @Test
    void isWritableWithRootfsRw() throws Exception {
      CliOptions options = parse("--rootfs-rw", "--rootfs", "/srv/root", "--", "true");

      assertThat(options.rootfsAccess()).isEqualTo(Access.READ_WRITE);
      assertThat(options.toSandbox().rootFilesystem())
          .contains(RootFilesystem.directory(Path.of("/srv/root"), Access.READ_WRITE));
    }

    @Test
    void rootfsRwNeedsRootfs() {
      assertThat(error("--rootfs-rw", "--", "true"))
          .isEqualTo("--rootfs-rw needs --rootfs DIR: the host-derived root is always read-only");
    }

    @Test
    void refusesAnEmptyDirectory() {
      assertThat(error("--rootfs=", "--", "true")).isEqualTo("--rootfs \"\": needs a host path");
    }
  }

  @Nested
  class BindMounts {
    @Test
    void roBindMountsReadOnlyAndBindReadWriteInCommandLineOrder() throws Exception {
      CliOptions options = parse("--ro-bind", "/srv/data:/data", "--bind", "/srv/out:/out", "--", "true");

      List<Mount> expected = List.of(
          Mount.bind(Path.of("/srv/data"), "/data", Access.READ_ONLY),
          Mount.bind(Path.of("/srv/out"), "/out", Access.READ_WRITE));
      assertThat(options.mounts()).isEqualTo(expected);
      assertThat(options.toSandbox().mounts()).isEqualTo(expected);
    }

    @Test
    void resolvesARelativeSourceAgainstTheCurrentDirectory() throws Exception {
      assertThat(parse("--ro-bind", "data:/data", "--", "true").mounts())
          .containsExactly(Mount.bind(CWD.resolve("data"), "/data", Access.READ_ONLY));
    }

    @Test
    void needsSourceAndTarget() {
      assertThat(error("--ro-bind", "/srv/data", "--", "true"))
          .isEqualTo("--ro-bind /srv/data: expected SRC:DST, e.g. /srv/data:/data");
      assertThat(error("--bind", ":/data", "--", "true"))
          .isEqualTo("--bind :/data: expected SRC:DST, e.g. /srv/data:/data");
      assertThat(error("--bind", "/srv:", "--", "true"))
          .isEqualTo("--bind /srv:: expected SRC:DST, e.g. /srv/data:/data");
    }

    @Test
    void reportsTheApisMessageForABadTarget() {
      assertThat(error("--ro-bind", "/srv/data:data", "--", "true")).isEqualTo(
          "--ro-bind /srv/data:data: bind target: \"data\" is not a valid path inside the sandbox: "
              + "must be absolute (start with /)");
      assertThat(error("--bind", "/srv/data:/", "--", "true")).isEqualTo(
          "--bind /srv/data:/: bind target: \"/\" is the root; use rootfs(...) or hostRootfs() to choose it");
    }

    @Test
    void reportsTheBuildersMessageForTargetsInConflict() {
      assertThat(error("--ro-bind", "/a:/data", "--bind", "/b:/data", "--", "true"))
          .isEqualTo("mount target /data is already used by bind /a -> /data (read-only)");
      assertThat(error("--bind", "/srv:/tmp/x", "--", "true"))
          .isEqualTo("bind /srv -> /tmp/x (read-write) conflicts with the standard /tmp mount; drop one of them");
    }
  }

  @Nested
  class Tmpfs {
    @Test
    void defaultsTo64MiB() throws Exception {
      assertThat(parse("--tmpfs", "/scratch", "--", "true").mounts())
          .containsExactly(Mount.tmpfs("/scratch", DataSize.ofMebibytes(64)));
      assertThat(CliOptions.DEFAULT_TMPFS_SIZE).isEqualTo(DataSize.parse("64m"));
    }

    @Test
    void takesASizeAfterTheLastColon() throws Exception {
      assertThat(parse("--tmpfs", "/scratch:16m", "--tmpfs", "/a:b:1g", "--", "true").mounts()).containsExactly(
          Mount.tmpfs("/scratch", DataSize.ofMebibytes(16)),
          Mount.tmpfs("/a:b", DataSize.ofGibibytes(1)));
    }

    @Test
    void reportsTheApisMessageForABadSize() {
      assertThat(error("--tmpfs", "/scratch:lots", "--", "true"))
          .isEqualTo("--tmpfs /scratch:lots: not a size: \"lots\" (expected e.g. 4096, 512k, 64m, 1g)");
      assertThat(error("--tmpfs", "/scratch:0", "--", "true"))
          .isEqualTo("--tmpfs /scratch:0: tmpfs /scratch: size must be positive, was 0 B");
    }

    @Test
    void reportsTheApisMessageForABadTarget() {
      assertThat(error("--tmpfs", "/a/../b", "--", "true")).isEqualTo("--tmpfs /a/../b: tmpfs target: \"/a/../b\" "
          + "is not a valid path inside the sandbox: has a \"..\" component (give the normalized path)");
    }
  }

  @Nested
  class TmpSize {
    @Test
    void sizesTmp() throws Exception {
      CliOptions options = parse("--tmp-size", "32m", "--", "true");

      assertThat(options.tmpSize()).contains(DataSize.ofMebibytes(32));
      assertThat(options.toSandbox().tmpSize()).contains(DataSize.ofMebibytes(32));
    }

    @Test
    void sizesTmpWithSharedNetworkToo() throws Exception {
      assertThat(parse("--share-net", "--tmp-size", "1g", "--", "true").toSandbox().tmpSize())
          .contains(DataSize.ofGibibytes(1));
    }

    @Test
    void reportsTheApisMessages() {
      assertThat(error("--tmp-size", "big", "--", "true"))
          .isEqualTo("--tmp-size big: not a size: \"big\" (expected e.g. 4096, 512k, 64m, 1g)");
      assertThat(error("--tmp-size", "0", "--", "true"))
          .isEqualTo("--tmp-size 0: mountTmp: size must be positive, was 0 B");
    }
  }

  @Nested
  class Hostname {
    @Test
    void setsTheHostname() throws Exception {
      assertThat(parse("--hostname", "box", "--", "true").toSandbox().hostname()).contains("box");
    }

    @Test
    void reportsTheBuildersMessage() {
      assertThat(error("--hostname", "a b", "--", "true")).isEqualTo(
          "--hostname \"a b\": hostname \"a b\" may hold only printable ASCII without spaces or /");
      assertThat(error("--hostname", "", "--", "true"))
          .isEqualTo("--hostname \"\": hostname \"\" must be 1 to 64 bytes long, was 0");
    }
  }

  @Nested
  class AllowUnenforcedLimits {
    @Test
    void isOffUnlessGivenAndThenReachesTheLimits() throws Exception {
      assertThat(parse("--memory", "64m", "--", "true").toSandbox().limits().unenforcedAllowed()).isFalse();
      Sandbox sandbox = parse("--memory", "64m", "--allow-unenforced-limits", "--", "true").toSandbox();

      assertThat(sandbox.limits().unenforcedAllowed()).isTrue();
      assertThat(sandbox.limits().memory()).contains(DataSize.ofMebibytes(64));
    }
  }

  @Nested
  class ShareNet {
    @Test
    void leavesOutOnlyTheNetworkNamespace() throws Exception {
      Sandbox sandbox = parse("--share-net", "--", "true").toSandbox();

      assertThat(sandbox.namespaces()).isEqualTo(EnumSet.complementOf(EnumSet.of(Namespace.NETWORK)));
    }

    @Test
    void keepsEverythingElseOfTheStrictPreset() throws Exception {
      Sandbox shared = parse("--share-net", "--", "true").toSandbox();
      Sandbox strict = parse("--", "true").toSandbox();

      assertThat(shared.rootFilesystem()).isEqualTo(strict.rootFilesystem());
      assertThat(shared.mountsProc()).isEqualTo(strict.mountsProc()).isTrue();
      assertThat(shared.mountsDev()).isEqualTo(strict.mountsDev()).isTrue();
      assertThat(shared.tmpSize()).isEqualTo(strict.tmpSize());
      assertThat(shared.mounts()).isEqualTo(strict.mounts());
      // describe() differs in exactly the network line.
      assertThat(shared.describe().replace(Namespace.NETWORK.whenNotApplied(), Namespace.NETWORK.whenApplied())
          .replace("  [ ] network", "  [x] network")).isEqualTo(strict.describe());
    }

    @Test
    void combinesWithEveryOtherOptionAsStrictDoes() throws Exception {
      String[] rest = {"--rootfs", "/srv/root", "--rootfs-rw", "--ro-bind", "/srv/data:/data",
          "--tmpfs", "/scratch:8m", "--tmp-size", "16m", "--hostname", "box", "--workdir", "/data",
          "--wall-time", "2s", "--uid", "1000", "--gid", "100", "--", "true"};
      Sandbox strict = parse(rest).toSandbox();
      String[] withShareNet = new String[rest.length + 1];
      withShareNet[0] = "--share-net";
      System.arraycopy(rest, 0, withShareNet, 1, rest.length);
      Sandbox shared = parse(withShareNet).toSandbox();

      assertThat(shared.namespaces()).doesNotContain(Namespace.NETWORK);
      assertThat(shared.rootFilesystem()).isEqualTo(strict.rootFilesystem())
          .contains(RootFilesystem.directory(Path.of("/srv/root"), Access.READ_WRITE));
      assertThat(shared.mounts()).isEqualTo(strict.mounts()).hasSize(2);
      assertThat(shared.tmpSize()).isEqualTo(strict.tmpSize()).contains(DataSize.ofMebibytes(16));
      assertThat(shared.hostname()).isEqualTo(strict.hostname()).contains("box");
      assertThat(shared.workingDirectory()).isEqualTo(strict.workingDirectory()).isEqualTo("/data");
      assertThat(shared.wallTimeLimit()).isEqualTo(strict.wallTimeLimit()).contains(Duration.ofSeconds(2));
      assertThat(shared.runAsUid()).isEqualTo(strict.runAsUid()).hasValue(1000);
      assertThat(shared.runAsGid()).isEqualTo(strict.runAsGid()).hasValue(100);
    }
  }

  @Nested
  class Workdir {
    @Test
    void setsTheWorkingDirectoryOfTheSandbox() throws Exception {
      CliOptions options = parse("--workdir", "/tmp", "--", "pwd");

      assertThat(options.workingDirectory()).contains("/tmp");
      assertThat(options.toSandbox().workingDirectory()).isEqualTo("/tmp");
    }

    @Test
    void reportsTheBuildersMessage() {
      assertThat(error("--workdir", "tmp", "--", "pwd")).isEqualTo("--workdir tmp: workingDirectory: \"tmp\" "
          + "is not a valid path inside the sandbox: must be absolute (start with /)");
    }
  }

  @Nested
  class Env {
    @Test
    void setsVariablesInOrderAndALaterOneWins() throws Exception {
      CliOptions options = parse("--env", "B=2", "--env", "A=x=y", "--env", "B=3", "--env", "EMPTY=", "--", "env");

      assertThat(options.environment()).containsExactly(
          Map.entry("B", "3"), Map.entry("A", "x=y"), Map.entry("EMPTY", ""));
      assertThat(options.newCommand().environment()).isEqualTo(options.environment());
    }

    @Test
    void needsNameEqualsValue() {
      assertThat(error("--env", "PATH", "--", "env")).isEqualTo("--env PATH: expected NAME=VALUE");
    }

    @Test
    void reportsTheCommandsMessageForABadName() {
      assertThat(error("--env", "=x", "--", "env"))
          .isEqualTo("--env =x: environment variable name \"\" must be non-empty, without = or NUL");
    }

    @Test
    void isImmutable() throws Exception {
      Map<String, String> environment = parse("--env", "A=1", "--", "env").environment();

      assertThatThrownBy(() -> environment.put("B", "2")).isInstanceOf(UnsupportedOperationException.class);
    }
  }

  @Nested
  class WallTime {
    @Test
    void setsTheLimit() throws Exception {
      CliOptions options = parse("--wall-time", "1.5s", "--", "true");

      assertThat(options.wallTimeLimit()).contains(Duration.ofMillis(1500));
      assertThat(options.toSandbox().wallTimeLimit()).contains(Duration.ofMillis(1500));
    }

    @Test
    void reportsTheParsersMessage() {
      assertThat(error("--wall-time", "10", "--", "true"))
          .isEqualTo("--wall-time 10: not a duration: \"10\" (give a unit: ns, us, ms, s, m or h)");
    }

    @Test
    void reportsTheBuildersMessage() {
      assertThat(error("--wall-time", "0s", "--", "true"))
          .isEqualTo("--wall-time 0s: wallTimeLimit must be positive, was PT0S");
      assertThat(error("--wall-time", "999ns", "--", "true"))
          .isEqualTo("--wall-time 999ns: wallTimeLimit must be at least 1 microsecond, was PT0.000000999S");
      assertThat(error("--wall-time", "366d", "--", "true")).startsWith("--wall-time 366d: not a duration");
      assertThat(error("--wall-time", "8785h", "--", "true"))
          .isEqualTo("--wall-time 8785h: wallTimeLimit must be at most 365 days, was PT8785H");
    }
  }

  @Nested
  class RunAs {
    @Test
    void runsAsUidAndGid() throws Exception {
      CliOptions options = parse("--uid", "1000", "--gid", "100", "--", "id");
      Sandbox sandbox = options.toSandbox();

      assertThat(options.uid()).hasValue(1000);
      assertThat(options.gid()).hasValue(100);
      assertThat(sandbox.runAsUid()).hasValue(1000);
      assertThat(sandbox.runAsGid()).hasValue(100);
    }

    @Test
    void needsBoth() {
      assertThat(error("--uid", "1000", "--", "id")).isEqualTo("--uid and --gid go together: give both or neither");
      assertThat(error("--gid", "1000", "--", "id")).isEqualTo("--uid and --gid go together: give both or neither");
    }

    @Test
    void needsNumbers() {
      assertThat(error("--uid", "root", "--gid", "0", "--", "id")).isEqualTo("--uid root: not a number");
      assertThat(error("--uid", "0", "--gid", "wheel", "--", "id")).isEqualTo("--gid wheel: not a number");
    }

    @Test
    void reportsTheBuildersMessageForAnIdOutOfRange() {
      assertThat(error("--uid", "-1", "--gid", "0", "--", "id"))
          .isEqualTo("--uid -1: runAs: uid -1 out of range 0..4294967294");
      assertThat(error("--uid", "0", "--gid", "4294967295", "--", "id"))
          .isEqualTo("--gid 4294967295: runAs: gid 4294967295 out of range 0..4294967294");
    }
  }

  @Nested
  class Outputs {
    @Test
    void resultJsonIsResolvedAgainstTheCurrentDirectory() throws Exception {
      assertThat(parse("--result-json", "out/result.json", "--", "true").resultJson())
          .contains(CWD.resolve("out/result.json"));
      assertThat(parse("--result-json", "/tmp/r.json", "--", "true").resultJson()).contains(Path.of("/tmp/r.json"));
    }

    @Test
    void printPlanAndDescribeAreFlags() throws Exception {
      CliOptions options = parse("--print-plan", "--describe", "--", "true");

      assertThat(options.printPlan()).isTrue();
      assertThat(options.describe()).isTrue();
    }

    @Test
    void describeNeedsNoCommand() throws Exception {
      CliOptions options = parse("--describe", "--share-net");

      assertThat(options.command()).isEmpty();
      assertThat(options.toSandbox().describe()).contains("[ ] network namespace");
      assertThatThrownBy(options::newCommand).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void printPlanNeedsACommand() {
      assertThat(error("--print-plan")).startsWith("run needs a command");
    }
  }

  @Nested
  class Memory {
    @Test
    void mapsToTheBuildersMemoryCalls() throws Exception {
      CliOptions options = parse("--memory", "64m", "--memory-soft", "32m", "--swap", "16m", "--", "true");

      assertThat(options.memoryLimit()).contains(DataSize.ofMebibytes(64));
      assertThat(options.memorySoftLimit()).contains(DataSize.ofMebibytes(32));
      assertThat(options.swapLimit()).contains(DataSize.ofMebibytes(16));
      assertThat(options.toSandbox().limits()).isEqualTo(Sandbox.builder().memoryLimit(DataSize.ofMebibytes(64))
          .memorySoftLimit(DataSize.ofMebibytes(32)).swapLimit(DataSize.ofMebibytes(16)).build().limits());
    }

    @Test
    void reportsTheParsersAndTheBuildersMessages() {
      assertThat(error("--memory", "lots", "--", "true"))
          .isEqualTo("--memory lots: not a size: \"lots\" (expected e.g. 4096, 512k, 64m, 1g)");
      assertThat(error("--memory", "512k", "--", "true"))
          .isEqualTo("--memory 512k: memoryLimit must be at least 1 MiB, was 512 KiB");
      assertThat(error("--memory-soft", "0", "--", "true"))
          .isEqualTo("--memory-soft 0: memorySoftLimit must be positive, was 0 B");
      assertThat(error("--memory", "64m", "--swap", "1x", "--", "true"))
          .isEqualTo("--swap 1x: not a size: \"1x\" (unknown unit \"x\"; use k, m, g or t)");
    }

    @Test
    void swapNeedsMemory() {
      assertThat(error("--swap", "1g", "--", "true"))
          .isEqualTo("--swap needs --memory: swap is limited together with memory");
    }

    @Test
    void reportsTheBuildersMessageForASoftLimitAboveTheLimit() {
      assertThat(error("--memory", "32m", "--memory-soft", "64m", "--", "true"))
          .isEqualTo("memorySoftLimit 64 MiB is above memoryLimit 32 MiB");
    }

    @Test
    void mayBeGivenOnce() {
      assertThat(error("--memory", "64m", "--memory", "32m", "--", "true"))
          .isEqualTo("--memory was given twice; give it once");
    }
  }

  @Nested
  class Cpu {
    @Test
    void quotaAndPeriodMapToTheBuildersCalls() throws Exception {
      CliOptions options = parse("--cpu-quota", "20ms", "--cpu-period", "50ms", "--", "true");
      ResourceLimits limits = options.toSandbox().limits();

      assertThat(options.cpuQuota()).contains(Duration.ofMillis(20));
      assertThat(options.cpuPeriod()).contains(Duration.ofMillis(50));
      assertThat(limits.cpuQuota()).contains(Duration.ofMillis(20));
      assertThat(limits.cpuPeriod()).contains(Duration.ofMillis(50));
    }

    @Test
    void cpusIsAQuotaOfThatManyPeriods() throws Exception {
      CliOptions options = parse("--cpus", "0.5", "--", "true");

      assertThat(options.cpus()).hasValue(0.5);
      assertThat(options.toSandbox().limits().cpuQuota()).contains(Duration.ofMillis(50));
      assertThat(options.toSandbox().limits().cpuPeriod()).contains(ResourceLimits.DEFAULT_CPU_PERIOD);
      assertThat(parse("--cpus", "1.5", "--cpu-period", "10ms", "--", "true").toSandbox().limits().cpuQuota())
          .contains(Duration.ofMillis(15));
      assertThat(parse("--cpus", "2", "--", "true").cpus()).hasValue(2.0);
      assertThat(parse("--cpus", ".25", "--", "true").cpus()).hasValue(0.25);
    }

    @Test
    void cpusTakesOnlyADecimalNumber() {
      for (String notCpus : new String[] {"NaN", "Infinity", "1e3", "0x1p3", "1.5f", "-1", "", " 1", "half"}) {
        assertThat(error("--cpus", notCpus, "--", "true"))
            .startsWith("--cpus ").endsWith(": not a number of CPUs (expected e.g. 0.5, 1 or 1.5)");
      }
      assertThat(error("--cpus", "NaN", "--", "true"))
          .isEqualTo("--cpus NaN: not a number of CPUs (expected e.g. 0.5, 1 or 1.5)");
    }

    @Test
    void reportsTheBuildersMessages() {
      assertThat(error("--cpus", "0.001", "--", "true"))
          .isEqualTo("--cpus 0.001: cpus must be between 0.01 and 8192, was 0.001");
      assertThat(error("--cpu-quota", "500us", "--", "true"))
          .isEqualTo("--cpu-quota 500us: cpuQuota must be at least 1ms, was PT0.0005S");
      assertThat(error("--cpu-quota", "20ms", "--cpu-period", "2s", "--", "true"))
          .isEqualTo("--cpu-period 2s: cpuPeriod must be between 1ms and 1s, was PT2S");
      assertThat(error("--cpu-quota", "20", "--", "true"))
          .isEqualTo("--cpu-quota 20: not a duration: \"20\" (give a unit: ns, us, ms, s, m or h)");
    }

    @Test
    void cpusAndCpuQuotaExcludeEachOther() {
      assertThat(error("--cpus", "1", "--cpu-quota", "20ms", "--", "true"))
          .isEqualTo("--cpus and --cpu-quota both set the CPU quota: give one of them");
    }

    @Test
    void cpuPeriodNeedsAQuota() {
      assertThat(error("--cpu-period", "50ms", "--", "true"))
          .isEqualTo("--cpu-period needs --cpu-quota or --cpus: it is the period of the quota");
    }

    @Test
    void cpusetAndMemsMapToTheBuildersCalls() throws Exception {
      CliOptions options = parse("--cpuset", "0", "--mems", "0", "--", "true");
      ResourceLimits limits = options.toSandbox().limits();

      assertThat(options.cpuset()).contains("0");
      assertThat(options.memoryNodes()).contains("0");
      assertThat(limits.cpus()).hasValueSatisfying(cpus -> assertThat(cpus).containsExactly(0));
      assertThat(limits.memoryNodes()).hasValueSatisfying(nodes -> assertThat(nodes).containsExactly(0));
    }

    @Test
    void cpusetAndMemsReportTheBuildersMessages() {
      assertThat(error("--cpuset", "x", "--", "true")).isEqualTo("--cpuset x: cpuset: \"x\" is not a list like 0-3,8");
      assertThat(error("--cpuset", "3-1", "--", "true"))
          .isEqualTo("--cpuset 3-1: cpuset: bad range \"3-1\" in \"3-1\"");
      assertThat(error("--mems", "", "--", "true"))
          .isEqualTo("--mems \"\": memoryNodes: empty list \"\" (expected e.g. 0-3,8)");
    }

    @Test
    void cpusetAndMemsAreCheckedAgainstTheHost() {
      assertThat(error("--cpuset", "8191", "--", "true"))
          .startsWith("--cpuset 8191: cpuset: CPU 8191 is not online on this host (online: ");
      assertThat(error("--mems", "8191", "--", "true"))
          .startsWith("--mems 8191: memoryNodes: memory node 8191 is not online on this host (online: ");
    }

    @Test
    void cpuTimeMapsToTheBuildersCall() throws Exception {
      CliOptions options = parse("--cpu-time", "1.5s", "--", "true");

      assertThat(options.cpuTimeLimit()).contains(Duration.ofMillis(1500));
      assertThat(options.toSandbox().limits().cpuTime()).contains(Duration.ofMillis(1500));
    }

    @Test
    void cpuTimeReportsTheParsersAndTheBuildersMessages() {
      assertThat(error("--cpu-time", "0s", "--", "true"))
          .isEqualTo("--cpu-time 0s: cpuTimeLimit must be at least 1ms, was PT0S");
      assertThat(error("--cpu-time", "1d", "--", "true"))
          .isEqualTo("--cpu-time 1d: not a duration: \"1d\" (unknown unit \"d\"; use ns, us, ms, s, m or h)");
    }
  }

  @Nested
  class Pids {
    @Test
    void mapsToTheBuildersCall() throws Exception {
      CliOptions options = parse("--pids", "16", "--", "true");

      assertThat(options.pidsLimit()).hasValue(16);
      assertThat(options.toSandbox().limits().pids()).hasValue(16);
    }

    @Test
    void reportsWhatIsWrongWithTheValue() {
      assertThat(error("--pids", "many", "--", "true")).isEqualTo("--pids many: not a number");
      assertThat(error("--pids", "0", "--", "true")).isEqualTo("--pids 0: pidsLimit must be at least 1, was 0");
      assertThat(error("--pids", "3000000000", "--", "true"))
          .isEqualTo("--pids 3000000000: out of range, at most 2147483647");
    }
  }

  @Nested
  class OutputLimit {
    @Test
    void mapsToTheBuildersCall() throws Exception {
      CliOptions options = parse("--output-limit", "1k", "--", "yes");

      assertThat(options.outputLimit()).contains(DataSize.ofKibibytes(1));
      assertThat(options.toSandbox().limits().output()).contains(DataSize.ofKibibytes(1));
    }

    @Test
    void makesStdoutAndStderrPipesAndStillInheritsStdin() throws Exception {
      SandboxCommand command = parse("--output-limit", "1k", "--", "yes").newCommand();

      assertThat(command.stdin()).isEqualTo(Redirect.INHERIT);
      assertThat(command.stdout()).isEqualTo(Redirect.PIPE);
      assertThat(command.stderr()).isEqualTo(Redirect.PIPE);
      assertThat(command.redirectErrorStream()).isFalse();
    }

    @Test
    void reportsTheBuildersMessage() {
      assertThat(error("--output-limit", "0", "--", "yes"))
          .isEqualTo("--output-limit 0: outputLimit must be positive, was 0 B");
      assertThat(error("--output-limit", "", "--", "yes"))
          .isEqualTo("--output-limit \"\": not a size: \"\" (expected e.g. 4096, 512k, 64m, 1g)");
    }
  }

  @Nested
  class Io {
    @Test
    void reportsTheParsersMessages() {
      assertThat(error("--io-read-bps", "/dev/vda", "--", "true"))
          .isEqualTo("--io-read-bps /dev/vda: expected DEV:RATE, e.g. /dev/vda:1m");
      assertThat(error("--io-write-iops", "/dev/vda", "--", "true"))
          .isEqualTo("--io-write-iops /dev/vda: expected DEV:N, e.g. /dev/vda:100");
      assertThat(error("--io-write-bps", "/dev/vda:fast", "--", "true"))
          .isEqualTo("--io-write-bps /dev/vda:fast: not a size: \"fast\" (expected e.g. 4096, 512k, 64m, 1g)");
      assertThat(error("--io-read-iops", "/dev/vda:1k", "--", "true"))
          .isEqualTo("--io-read-iops /dev/vda:1k: not a number of operations: \"1k\"");
    }

    @Test
    void reportsTheThrottlesMessages() {
      assertThat(error("--io-read-bps", "/dev/null:1m", "--", "true"))
          .isEqualTo("--io-read-bps /dev/null:1m: io read bytes/s: /dev/null is not a block device");
      assertThat(error("--io-write-bps", "/dev/null:0", "--", "true"))
          .isEqualTo("--io-write-bps /dev/null:0: io write bytes/s of /dev/null must be positive, was 0");
      assertThat(error("--io-write-iops", "/dev/null:0", "--", "true"))
          .isEqualTo("--io-write-iops /dev/null:0: io write IOPS of /dev/null must be positive, was 0");
      assertThat(error("--io-read-iops", "/no/such:10", "--", "true"))
          .startsWith("--io-read-iops /no/such:10: io read IOPS: unknown device /no/such (");
    }

    @Test
    void eachOptionMapsToItsBuilderCallInOrder() throws Exception {
      Path device = blockDevice();
      CliOptions options = parse("--io-read-bps", device + ":1m", "--io-write-bps", device + ":512k",
          "--io-read-iops", device + ":100", "--io-write-iops", device + ":50", "--", "true");

      List<IoThrottle> expected = Sandbox.builder()
          .ioReadBandwidth(device, DataSize.ofMebibytes(1))
          .ioWriteBandwidth(device, DataSize.ofKibibytes(512))
          .ioReadIops(device, 100)
          .ioWriteIops(device, 50)
          .build().limits().io();
      assertThat(options.ioThrottles()).isEqualTo(expected).hasSize(4);
      assertThat(options.toSandbox().limits().io()).isEqualTo(expected);
    }

    @Test
    void reportsTheBuildersMessageForASecondCapOfTheSameKind() throws Exception {
      Path device = blockDevice();

      assertThat(error("--io-read-bps", device + ":1m", "--io-read-bps", device + ":2m", "--", "true"))
          .startsWith("--io-read-bps " + device + ":2m: io throttle read bytes/s 2 MiB on " + device)
          .contains("conflicts with read bytes/s 1 MiB on " + device);
    }

    /** The first block device under /dev; the test is skipped on a host without one. */
    private Path blockDevice() throws IOException {
      try (Stream<Path> dev = Files.list(Path.of("/dev"))) {
        Optional<Path> device = dev.sorted().filter(Io::isBlockDevice).findFirst();
        assumeTrue(device.isPresent(), "no block device under /dev");
        return device.get();
      }
    }

    private static boolean isBlockDevice(Path path) {
      try {
        IoThrottle.of(path, IoThrottle.Kind.READ_IOPS, 1);
        return true;
      } catch (IllegalArgumentException notOne) {
        return false;
      }
    }
  }

  @Nested
  class Rlimits {
    @Test
    void areRepeatableAndMapToTheBuildersCalls() throws Exception {
      CliOptions options = parse("--rlimit", "nofile=256", "--rlimit", "FSIZE=10m:20m", "--rlimit=core=unlimited",
          "--", "true");
      Map<Rlimit, long[]> rlimits = options.toSandbox().limits().rlimits();

      assertThat(options.rlimits()).containsExactly(
          new RlimitSetting(Rlimit.NOFILE, 256, 256),
          new RlimitSetting(Rlimit.FSIZE, 10 << 20, 20 << 20),
          new RlimitSetting(Rlimit.CORE, Rlimit.UNLIMITED, Rlimit.UNLIMITED));
      assertThat(rlimits.get(Rlimit.NOFILE)).containsExactly(256, 256);
      assertThat(rlimits.get(Rlimit.FSIZE)).containsExactly(10 << 20, 20 << 20);
      assertThat(rlimits.get(Rlimit.CORE)).containsExactly(Rlimit.UNLIMITED, Rlimit.UNLIMITED);
    }

    @Test
    void reportsTheParsersMessages() {
      assertThat(error("--rlimit", "nofile", "--", "true"))
          .isEqualTo("--rlimit nofile: expected NAME=VALUE or NAME=SOFT:HARD, e.g. nofile=256");
      assertThat(error("--rlimit", "cpu=10", "--", "true"))
          .isEqualTo("--rlimit cpu=10: unknown resource \"cpu\" (use fsize, nofile, stack, core or as)");
      assertThat(error("--rlimit", "nofile=1k", "--", "true"))
          .isEqualTo("--rlimit nofile=1k: not a number: \"1k\" (expected e.g. 256, or unlimited)");
      assertThat(error("--rlimit", "stack=big", "--", "true"))
          .isEqualTo("--rlimit stack=big: not a size: \"big\" (expected e.g. 4096, 512k, 64m, 1g)");
    }

    @Test
    void reportsTheBuildersMessages() {
      assertThat(error("--rlimit", "nofile=1024:256", "--", "true"))
          .isEqualTo("--rlimit nofile=1024:256: rlimit NOFILE: soft limit 1024 is above the hard limit 256");
      assertThat(error("--rlimit", "nofile=256", "--rlimit", "NOFILE=512", "--", "true"))
          .isEqualTo("--rlimit NOFILE=512: rlimit NOFILE was already set");
    }
  }

  @Nested
  class Seccomp {
    @TempDir
    Path temp;

    private Path policyFile(String... lines) throws IOException {
      Path file = temp.resolve("policy.txt");
      Files.writeString(file, String.join("\n", lines) + "\n", UTF_8);
      return file;
    }

    @Test
    void defaultIsTheStrictDefaultPolicy() throws Exception {
      CliOptions options = parse("--seccomp", "default", "--", "true");

      assertThat(options.seccomp()).contains(SeccompPolicy.strictDefault());
      assertThat(options.toSandbox().seccomp()).contains(SeccompPolicy.strictDefault());
      assertThat(options.toSandbox().describe()).isEqualTo(parse("--", "true").toSandbox().describe());
    }

    @Test
    void noneTurnsSeccompOff() throws Exception {
      CliOptions options = parse("--seccomp=none", "--", "true");
      Sandbox expected = Sandbox.builder().strict().withoutSeccomp().build();

      assertThat(options.seccomp()).isEmpty();
      assertThat(options.toSandbox().seccomp()).isEmpty();
      assertThat(options.toSandbox().describe()).isEqualTo(expected.describe());
    }

    @Test
    void aFileIsItsPolicy() throws Exception {
      Path file = policyFile("# allow all but two", "default allow", "kill getppid", "errno 1 ioctl arg1==0x5412");
      CliOptions options = parse("--seccomp", file.toString(), "--", "true");
      SeccompPolicy expected = SeccompPolicy.builder(SeccompPolicy.Action.ALLOW)
          .kill("getppid")
          .errno(1, "ioctl", SeccompPolicy.Condition.eq(1, 0x5412))
          .build();

      assertThat(options.seccomp()).contains(expected);
      assertThat(options.toSandbox().seccomp()).contains(expected);
    }

    @Test
    void aFileNamedLikeAKeywordIsGivenWithItsDirectory() throws Exception {
      Path file = temp.resolve("none");
      Files.writeString(file, "default allow\n", UTF_8);

      assertThat(parse("--seccomp", file.toString(), "--", "true").seccomp())
          .contains(SeccompPolicy.builder(SeccompPolicy.Action.ALLOW).build());
    }

    @Test
    void reportsTheFileLineAndProblem() throws Exception {
      Path file = policyFile("default allow", "", "kill ioctl arg1>>5");

      assertThat(error("--seccomp", file.toString(), "--", "true")).isEqualTo("--seccomp " + file + ": " + file
          + ":3: not a condition: \"arg1>>5\" (expected argI==V, argI!=V, argI<V, argI<=V, argI>V, argI>=V or "
          + "argI&MASK==V, I 0..5)");
    }

    @Test
    void reportsAMissingFile() {
      Path file = temp.resolve("missing.txt");

      assertThat(error("--seccomp", file.toString(), "--", "true"))
          .isEqualTo("--seccomp " + file + ": " + file + ": no such file");
      assertThat(error("--seccomp", "", "--", "true"))
          .isEqualTo("--seccomp \"\": expected default, none or a policy file");
    }

    @Test
    void reportsWhatTheProviderRefusesUnderTheOptionAndFile() throws Exception {
      Path file = policyFile("default allow", "kill getppidd");

      assertThat(error("--seccomp", file.toString(), "--", "true"))
          .startsWith("--seccomp " + file + ": ").contains("getppidd");
      Path noExec = policyFile("default allow", "kill execve");
      assertThat(error("--seccomp", noExec.toString(), "--", "true"))
          .startsWith("--seccomp " + noExec + ": ").contains("execve");
    }

    @Test
    void mayBeGivenOnce() {
      assertThat(error("--seccomp", "default", "--seccomp", "none", "--", "true"))
          .isEqualTo("--seccomp was given twice; give it once");
    }

    @Test
    void combinesWithShareNet() throws Exception {
      Path file = policyFile("default errno 1", "allow read write execve exit_group");
      CliOptions options = parse("--share-net", "--seccomp", file.toString(), "--", "true");

      assertThat(options.toSandbox().seccomp()).contains(SeccompPolicy.builderWithErrno(1)
          .allow("read", "write", "execve", "exit_group").build());
      assertThat(options.toSandbox().namespaces()).doesNotContain(Namespace.NETWORK);
    }
  }

  @Nested
  class KeepCap {
    @Test
    void keepsTheNamedCapabilitiesInAnySpelling() throws Exception {
      CliOptions options = parse("--keep-cap", "NET_BIND_SERVICE", "--keep-cap", "chown",
          "--keep-cap=CAP_NET_RAW", "--", "true");
      EnumSet<Capability> expected = EnumSet.of(Capability.NET_BIND_SERVICE, Capability.CHOWN, Capability.NET_RAW);

      assertThat(options.keptCapabilities()).isEqualTo(expected);
      assertThat(options.toSandbox().keptCapabilities()).isEqualTo(expected);
      assertThat(options.toSandbox().describe()).isEqualTo(Sandbox.builder().strict()
          .keepCapabilities(Capability.NET_BIND_SERVICE, Capability.CHOWN, Capability.NET_RAW).build().describe());
    }

    @Test
    void reportsAnUnknownCapability() {
      assertThat(error("--keep-cap", "NET_BIND", "--", "true"))
          .isEqualTo("--keep-cap NET_BIND: unknown capability \"NET_BIND\" (e.g. NET_BIND_SERVICE)");
      assertThat(error("--keep-cap", "", "--", "true"))
          .isEqualTo("--keep-cap \"\": unknown capability \"\" (e.g. NET_BIND_SERVICE)");
    }

    @Test
    void reportsTheBuildersMessageForOneKeptTwice() {
      assertThat(error("--keep-cap", "net_admin", "--keep-cap", "CAP_NET_ADMIN", "--", "true"))
          .isEqualTo("--keep-cap CAP_NET_ADMIN: capability NET_ADMIN is already kept");
    }

    @Test
    void isImmutable() throws Exception {
      Set<Capability> kept = parse("--keep-cap", "chown", "--", "true").keptCapabilities();

      assertThatThrownBy(() -> kept.add(Capability.KILL)).isInstanceOf(UnsupportedOperationException.class);
    }
  }

  @Nested
  class ProcViewOption {
    @Test
    void choosesTheView() throws Exception {
      assertThat(parse("--proc-view", "live", "--", "true").toSandbox().procView()).contains(ProcView.LIVE);
      assertThat(parse("--proc-view=static", "--", "true").toSandbox().procView()).contains(ProcView.STATIC);
      assertThat(parse("--memory", "64m", "--proc-view", "off", "--", "true").procView()).contains(ProcView.OFF);
    }

    @Test
    void isAutomaticWithoutTheOption() throws Exception {
      assertThat(parse("--", "true").procView()).isEmpty();
      assertThat(parse("--", "true").toSandbox().procView()).isEmpty();
    }

    @Test
    void reportsAnUnknownView() {
      assertThat(error("--proc-view", "LIVE", "--", "true")).isEqualTo("--proc-view LIVE: expected live, static or off");
    }

    @Test
    void isGivenOnce() {
      assertThat(error("--proc-view", "live", "--proc-view", "off", "--", "true")).contains("--proc-view");
    }
  }

  @Test
  void everyLimitOptionTogetherIsTheBuildersPolicy() throws Exception {
    CliOptions options = parse("--memory", "64m", "--memory-soft", "32m", "--swap", "0", "--cpus", "0.5",
        "--cpu-period", "20ms", "--cpuset", "0", "--mems", "0", "--pids", "16", "--cpu-time", "2s",
        "--output-limit", "1m", "--rlimit", "nofile=64", "--rlimit", "as=unlimited", "--share-net", "--", "true");
    Sandbox expected = Sandbox.builder().strict().shareNamespace(Namespace.NETWORK)
        .memoryLimit(DataSize.ofMebibytes(64)).memorySoftLimit(DataSize.ofMebibytes(32))
        .swapLimit(DataSize.ofBytes(0))
        .cpus(0.5).cpuPeriod(Duration.ofMillis(20)).cpuset("0").memoryNodes("0").pidsLimit(16)
        .cpuTimeLimit(Duration.ofSeconds(2)).outputLimit(DataSize.ofMebibytes(1))
        .rlimit(Rlimit.NOFILE, 64).rlimit(Rlimit.AS, Rlimit.UNLIMITED)
        .build();

    assertThat(options.toSandbox().limits()).isEqualTo(expected.limits());
    assertThat(options.toSandbox().describe()).isEqualTo(expected.describe());
  }

  @Test
  void optionsAreImmutable() throws Exception {
    CliOptions options = parse("--ro-bind", "/a:/a", "--", "true", "x");

    assertThatThrownBy(() -> options.mounts().clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> options.command().clear()).isInstanceOf(UnsupportedOperationException.class);
    CliOptions limited = parse("--rlimit", "nofile=8", "--", "true");
    assertThatThrownBy(() -> limited.rlimits().clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> limited.ioThrottles().clear()).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void theCallersArrayMayChangeAfterParsing() throws Exception {
    String[] args = {"--", "true", "x"};
    CliOptions options = CliOptions.parse(args);
    args[1] = "false";

    assertThat(options.command()).containsExactly("true", "x");
  }
}
