package org.sandbox4j.examples.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sandbox4j.DataSize;
import org.sandbox4j.HostReport;
import org.sandbox4j.Sandbox;
import org.sandbox4j.Termination;

/**
 * The CLI's answers that need no sandbox: help, version, usage errors, --describe; and
 * {@code doctor}, which checks this host (the doctor tests expect a healthy host, as the
 * development machines are).
 */
class MainTest {
  /** What one call of {@link Main#execute} returned and printed. */
  private record Outcome(int status, String out, String err) {}

  private static Outcome execute(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Main.execute(args, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
    return new Outcome(status, out.toString(UTF_8), err.toString(UTF_8));
  }

  @Test
  void helpGoesToStdout() {
    for (String[] args : new String[][] {{"--help"}, {"help"}, {"-h"}, {"run", "--help"}, {"run", "-h"}}) {
      Outcome outcome = execute(args);

      assertThat(outcome.status()).isZero();
      assertThat(outcome.out()).isEqualTo(Main.HELP);
      assertThat(outcome.err()).isEmpty();
    }
  }

  @Test
  void helpNamesEveryOptionAndTheExitStatuses() {
    for (String option : new String[] {"--rootfs DIR", "--rootfs-rw", "--ro-bind SRC:DST", "--bind SRC:DST",
        "--tmpfs DST[:SIZE]", "--tmp-size SIZE", "--hostname NAME", "--share-net", "--workdir DIR",
        "--env NAME=VALUE", "--wall-time DURATION", "--uid N --gid N", "--result-json FILE", "--print-plan",
        "--describe", "--version", "--memory SIZE", "--memory-soft SIZE", "--swap SIZE", "--cpu-quota DURATION",
        "--cpu-period DURATION", "--cpus N", "--cpuset LIST", "--mems LIST", "--pids N", "--cpu-time DURATION",
        "--output-limit SIZE", "--io-read-bps DEV:RATE", "--io-write-bps DEV:RATE", "--io-read-iops DEV:N",
        "--io-write-iops DEV:N", "--rlimit NAME=VALUE", "NAME=SOFT:HARD", "--seccomp POLICY",
        "--keep-cap NAME"}) {
      assertThat(Main.HELP).contains(option);
    }
    assertThat(Main.HELP).contains("\n  127   the sandbox could not be launched").contains("\n  2     a bad command line");
  }

  @Test
  void helpGroupsTheLimitsUnderTheirOwnHeading() {
    String limits = Main.HELP.substring(Main.HELP.indexOf("\nLimits:\n"), Main.HELP.indexOf("\nExit status:\n"));

    for (String option : new String[] {"--memory ", "--memory-soft ", "--swap ", "--cpu-quota ", "--cpu-period ",
        "--cpus ", "--cpuset ", "--mems ", "--pids ", "--cpu-time ", "--output-limit ", "--io-read-bps ",
        "--io-write-bps ", "--io-read-iops ", "--io-write-iops ", "--rlimit "}) {
      assertThat(limits).contains("\n  " + option);
    }
    assertThat(limits).contains("fsize, nofile, stack, core or as");
  }

  @Test
  void helpNamesEveryTerminationAndEveryUsageKey() {
    String json = Main.HELP.substring(Main.HELP.indexOf("--result-json FILE holds"));

    for (Termination termination : Termination.values()) {
      assertThat(json).contains(termination.name());
    }
    assertThat(json).containsSubsequence("\"cpuUserMicros\"", "\"cpuSystemMicros\"", "\"peakMemoryBytes\"",
        "\"oomKills\"", "\"pidsPeak\"", "\"pidsLimitHits\"", "\"ioReadBytes\"", "\"ioWriteBytes\"");
  }

  @Test
  void helpDescribesThePolicyFileFormat() {
    String format =
        Main.HELP.substring(Main.HELP.indexOf("\nSeccomp policy FILE:"), Main.HELP.indexOf("\nExit status:\n"));

    for (String directive : new String[] {"default ACTION", "allow, kill, log, trap", "errno N",
        "allow NAME [NAME...]", "allow NAME COND...", "errno N NAME [COND...]", "kill NAME [COND...]",
        "log NAME [COND...]", "trap NAME [COND...]", "'#' starts a comment", "blank\nlines are ignored"}) {
      assertThat(format).contains(directive);
    }
    for (String condition : new String[] {"argI==V", "argI!=V", "argI<V", "argI<=V", "argI>V", "argI>=V",
        "argI&MASK==V", "I 0..5", "0x hex", "unsigned 64-bit"}) {
      assertThat(format).contains(condition);
    }
  }

  @Test
  void theHelpsExamplePolicyParses() {
    String help = Main.HELP;
    int start = help.indexOf("Example:\n") + "Example:\n".length();
    String example = help.substring(start, help.indexOf("\nA file named", start));

    assertThat(SeccompPolicyFile.parse("help", example).rules()).hasSize(2);
  }

  @Test
  void helpStatesTheLibrarysDefaults() {
    assertThat(Sandbox.DEFAULT_TMP_SIZE).isEqualTo(DataSize.parse("128m"));
    assertThat(Main.HELP).contains("(default 128m)").contains("a 128 MiB tmpfs at /tmp");
    assertThat(CliOptions.DEFAULT_TMPFS_SIZE).isEqualTo(DataSize.parse("64m"));
    assertThat(Main.HELP).contains("default 64m");
  }

  @Test
  void helpFitsIntoEightyColumns() {
    assertThat(Main.HELP.lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
  }

  @Test
  void versionIsTheMavenVersion() {
    Outcome outcome = execute("--version");

    assertThat(outcome.status()).isZero();
    assertThat(outcome.out()).matches("sandbox4j \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\n");
  }

  @Test
  void noArgumentsIsAUsageError() {
    Outcome outcome = execute();

    assertThat(outcome.status()).isEqualTo(2);
    assertThat(outcome.err()).isEqualTo(
        "sandbox4j: no command: sandbox4j run [options] -- COMMAND [ARGS...] (see sandbox4j --help)\n");
  }

  @Test
  void anUnknownCommandIsAUsageError() {
    Outcome outcome = execute("exec", "--", "true");

    assertThat(outcome.status()).isEqualTo(2);
    assertThat(outcome.err()).isEqualTo("sandbox4j: unknown command \"exec\" (see sandbox4j --help)\n");
  }

  static Stream<Arguments> badCommandLines() {
    return Stream.of(
        Arguments.of(new String[] {"run"}, "run needs a command"),
        Arguments.of(new String[] {"run", "--nope", "--", "true"}, "unknown option --nope"),
        Arguments.of(new String[] {"run", "--rootfs"}, "--rootfs needs a value"),
        Arguments.of(new String[] {"run", "--rootfs-rw", "--", "true"}, "--rootfs-rw needs --rootfs DIR"),
        Arguments.of(new String[] {"run", "--ro-bind", "/a", "--", "true"}, "--ro-bind /a: expected SRC:DST"),
        Arguments.of(new String[] {"run", "--bind", "/a:b", "--", "true"}, "--bind /a:b: bind target: \"b\""),
        Arguments.of(new String[] {"run", "--tmpfs", "/s:1x", "--", "true"}, "--tmpfs /s:1x: not a size: \"1x\""),
        Arguments.of(new String[] {"run", "--tmp-size", "0", "--", "true"}, "--tmp-size 0: mountTmp: size"),
        Arguments.of(new String[] {"run", "--hostname", "a/b", "--", "true"}, "--hostname a/b: hostname \"a/b\""),
        Arguments.of(new String[] {"run", "--share-net=1", "--", "true"}, "--share-net takes no value"),
        Arguments.of(new String[] {"run", "--workdir", "x", "--", "true"}, "--workdir x: workingDirectory: \"x\""),
        Arguments.of(new String[] {"run", "--env", "X", "--", "true"}, "--env X: expected NAME=VALUE"),
        Arguments.of(new String[] {"run", "--wall-time", "1", "--", "true"}, "--wall-time 1: not a duration"),
        Arguments.of(new String[] {"run", "--uid", "x", "--gid", "0", "--", "id"}, "--uid x: not a number"),
        Arguments.of(new String[] {"run", "--uid", "0", "--gid", "-5", "--", "id"}, "--gid -5: runAs: gid -5"),
        Arguments.of(new String[] {"run", "--uid", "0", "--", "id"}, "--uid and --gid go together"),
        Arguments.of(new String[] {"run", "--result-json", "", "--", "true"}, "--result-json \"\": needs a host path"),
        Arguments.of(new String[] {"run", "--memory", "1k", "--", "true"}, "--memory 1k: memoryLimit must be"),
        Arguments.of(new String[] {"run", "--memory-soft", "x", "--", "true"}, "--memory-soft x: not a size"),
        Arguments.of(new String[] {"run", "--swap", "-1", "--", "true"}, "--swap -1: not a size"),
        Arguments.of(new String[] {"run", "--cpu-quota", "1us", "--", "true"}, "--cpu-quota 1us: cpuQuota must"),
        Arguments.of(new String[] {"run", "--cpu-period", "5", "--", "true"}, "--cpu-period 5: not a duration"),
        Arguments.of(new String[] {"run", "--cpus", "lots", "--", "true"}, "--cpus lots: not a number of CPUs"),
        Arguments.of(new String[] {"run", "--cpuset", "a-b", "--", "true"}, "--cpuset a-b: cpuset: \"a-b\""),
        Arguments.of(new String[] {"run", "--mems", "0,,1", "--", "true"}, "--mems 0,,1: memoryNodes: "),
        Arguments.of(new String[] {"run", "--pids", "-1", "--", "true"}, "--pids -1: pidsLimit must be at least 1"),
        Arguments.of(new String[] {"run", "--cpu-time", "0.5ms", "--", "true"}, "--cpu-time 0.5ms: cpuTimeLimit"),
        Arguments.of(new String[] {"run", "--output-limit", "0", "--", "true"}, "--output-limit 0: outputLimit"),
        Arguments.of(new String[] {"run", "--io-read-bps", "/dev/null", "--", "true"},
            "--io-read-bps /dev/null: expected DEV:RATE"),
        Arguments.of(new String[] {"run", "--io-write-bps", "/dev/null:1m", "--", "true"},
            "--io-write-bps /dev/null:1m: io write bytes/s: /dev/null is not a block device"),
        Arguments.of(new String[] {"run", "--io-read-iops", "/dev/null:x", "--", "true"},
            "--io-read-iops /dev/null:x: not a number of operations"),
        Arguments.of(new String[] {"run", "--io-write-iops", "/dev/null:0", "--", "true"},
            "--io-write-iops /dev/null:0: io write IOPS of /dev/null must be positive"),
        Arguments.of(new String[] {"run", "--rlimit", "nproc=1", "--", "true"}, "--rlimit nproc=1: unknown resource"),
        Arguments.of(new String[] {"run", "--rlimit", "core=1:0", "--", "true"}, "--rlimit core=1:0: rlimit CORE"),
        Arguments.of(new String[] {"run", "--seccomp", "/no/such/policy", "--", "true"},
            "--seccomp /no/such/policy: /no/such/policy: no such file"),
        Arguments.of(new String[] {"run", "--seccomp"}, "--seccomp needs a value"),
        Arguments.of(new String[] {"run", "--seccomp", "none", "--seccomp", "default", "--", "true"},
            "--seccomp was given twice"),
        Arguments.of(new String[] {"run", "--keep-cap", "ALL", "--", "true"},
            "--keep-cap ALL: unknown capability \"ALL\""),
        Arguments.of(new String[] {"run", "--keep-cap", "kill", "--keep-cap", "CAP_KILL", "--", "true"},
            "--keep-cap CAP_KILL: capability KILL is already kept"),
        Arguments.of(new String[] {"run", "--cpus", "1", "--cpu-quota", "1s", "--", "true"}, "--cpus and --cpu-quota"),
        Arguments.of(new String[] {"run", "--cpu-period", "1s", "--", "true"}, "--cpu-period needs --cpu-quota"),
        Arguments.of(new String[] {"run", "--swap", "0", "--", "true"}, "--swap needs --memory"),
        Arguments.of(new String[] {"run", "--print-plan"}, "run needs a command"),
        Arguments.of(new String[] {"run", "--describe=yes"}, "--describe takes no value"));
  }

  @ParameterizedTest
  @MethodSource("badCommandLines")
  void aBadCommandLineExitsWithTwoAndOneLineNamingTheOptionAndValue(String[] args, String message) {
    Outcome outcome = execute(args);

    assertThat(outcome.status()).isEqualTo(ExitCodes.USAGE).isEqualTo(2);
    assertThat(outcome.err()).startsWith("sandbox4j: " + message).endsWith("\n");
    assertThat(outcome.err().lines()).hasSize(1);
    assertThat(outcome.out()).isEmpty();
  }

  @Test
  void describePrintsTheIsolationToStdoutAndRunsNothing() {
    Outcome outcome = execute("run", "--describe", "--share-net", "--wall-time", "2s");

    assertThat(outcome.status()).isZero();
    assertThat(outcome.out())
        .startsWith("sandbox4j isolation:\n")
        .contains("  [ ] network namespace")
        .contains("  [x] PID namespace")
        .contains("  [x] wall-time limit: PT2S");
    assertThat(outcome.err()).isEmpty();
  }

  @Test
  void aBadPolicyFileExitsWithTwoNamingTheFileAndLine(@TempDir Path temp) throws Exception {
    Path file = temp.resolve("policy");
    Files.writeString(file, "# one\ndefault allow\nkill ptrace arg9==1\n", UTF_8);

    Outcome outcome = execute("run", "--seccomp", file.toString(), "--", "true");

    assertThat(outcome.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(outcome.err()).isEqualTo("sandbox4j: --seccomp " + file + ": " + file
        + ":3: condition arg9==1: no argument 9; syscalls have arg0 to arg5\n");
    assertThat(outcome.out()).isEmpty();
  }

  @Test
  void describeStatesSeccompAndCapabilities() {
    Outcome outcome = execute("run", "--describe", "--seccomp", "none", "--keep-cap", "net_bind_service");

    assertThat(outcome.status()).isZero();
    assertThat(outcome.out())
        .contains("  [ ] seccomp: off")
        .contains("  [x] capabilities: only [NET_BIND_SERVICE]; no new privileges");
    assertThat(execute("run", "--describe").out()).contains("  [x] seccomp: the strict default policy");
  }

  @Test
  void describeStatesTheLimits() {
    Outcome outcome = execute("run", "--describe", "--memory", "64m", "--pids", "16", "--rlimit", "nofile=256");

    assertThat(outcome.status()).isZero();
    assertThat(outcome.out())
        .contains("  [x] memory: 64 MiB, no swap\n")
        .contains("  [x] pids: at most 16\n")
        .contains("  [x] rlimit NOFILE: 256\n");
  }

  @Test
  void helpNamesTheDoctor() {
    assertThat(Main.HELP).contains("sandbox4j doctor [--json]").contains("doctor: N checks, F failed (in X ms)")
        .contains("\n  1     doctor: a check failed");
  }

  @Test
  void doctorPrintsEveryCheckAndASummaryAndExitsZeroOnAHealthyHost() {
    Outcome outcome = execute("doctor");

    assertThat(outcome.err()).isEmpty();
    List<String> lines = outcome.out().lines().toList();
    Matcher summary = Pattern.compile("doctor: (\\d+) checks, (\\d+) failed \\(in (\\d+) ms\\)")
        .matcher(lines.get(lines.size() - 1));
    assertThat(summary.matches()).as("summary line %s", lines.get(lines.size() - 1)).isTrue();
    long checkLines = lines.stream().filter(l -> l.matches("(PASS|WARN|FAIL|INFO) .*")).count();
    assertThat(Long.parseLong(summary.group(1))).isEqualTo(checkLines).isGreaterThan(20);
    assertThat(outcome.out()).contains("PASS namespace user").contains("INFO cgroup mode");
    if (TestHost.cgroupsUsable()) {
      assertThat(outcome.status()).as("%s", outcome.out()).isZero();
      assertThat(summary.group(2)).isEqualTo("0"); // the time is HostDoctorTest's, on a warm JVM
    } else {
      // An unprivileged user without a delegated cgroup: only the cgroup checks fail, each
      // followed by its remedy, and the status says that a check failed.
      assertThat(outcome.status()).as("%s", outcome.out()).isEqualTo(1 /* doctor: a check failed */);
      List<String> failed = lines.stream().filter(l -> l.startsWith("FAIL ")).toList();
      assertThat(failed).isNotEmpty().allSatisfy(l -> assertThat(l).startsWith("FAIL cgroup "));
      assertThat(summary.group(2)).isEqualTo(Integer.toString(failed.size()));
      for (String line : failed) {
        assertThat(lines.get(lines.indexOf(line) + 1)).as(line).startsWith("     remedy: ");
      }
    }
  }

  @Test
  void doctorJsonIsAnArrayOfChecksWithTheirFourFields() {
    Outcome outcome = execute("doctor", "--json");

    // 0 on a healthy host; 1 where a check failed (an unprivileged user without a cgroup).
    assertThat(outcome.status()).isEqualTo(TestHost.cgroupsUsable() ? 0 : 1 /* doctor: a check failed */);
    assertThat(outcome.err()).isEmpty();
    List<Map<String, String>> checks = JsonChecks.parse(outcome.out());
    assertThat(checks).hasSizeGreaterThan(20);
    for (Map<String, String> check : checks) {
      assertThat(check).containsOnlyKeys("name", "status", "detail", "remedy");
      assertThat(check.get("status")).isIn("PASS", "WARN", "FAIL", "INFO");
    }
    assertThat(checks).anySatisfy(c -> assertThat(c).containsEntry("name", "namespace pid"));
  }

  @Test
  void doctorJsonEscapesWhatItQuotes() {
    String awkward = "a \"quoted\" C:\\path\nnext line\ttab \u0001";
    HostReport report = new HostReport(List.of(
        new HostReport.Check("odd", HostReport.Status.FAIL, awkward, "fix \"it\""),
        new HostReport.Check("plain", HostReport.Status.PASS, "fine", "")));

    List<Map<String, String>> checks = JsonChecks.parse(Main.doctorJson(report));

    assertThat(checks).hasSize(2);
    assertThat(checks.get(0)).containsEntry("name", "odd").containsEntry("status", "FAIL")
        .containsEntry("detail", awkward).containsEntry("remedy", "fix \"it\"");
    assertThat(checks.get(1)).containsEntry("remedy", "");
    assertThat(JsonChecks.parse(Main.doctorJson(new HostReport(List.of())))).isEmpty();
  }

  @Test
  void doctorRefusesUnknownOptions() {
    Outcome outcome = execute("doctor", "--yaml");

    assertThat(outcome.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(outcome.err()).isEqualTo("sandbox4j: doctor: unknown option --yaml (sandbox4j doctor [--json])\n");
    assertThat(outcome.out()).isEmpty();
    assertThat(execute("doctor", "--json", "--json").err()).contains("--json was given twice");
  }

  @Test
  void doctorExitsOneWhenACheckFails() throws Exception {
    // A fresh JVM, since the provider detects its cgroup driver once: /sys refuses mkdir
    // even to root, so no parent cgroup can be created there.
    Process java = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dsandbox4j.cgroup.parent=/../../../../../../sys/sandbox4j-doctor-test",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "doctor")
        .redirectErrorStream(true).start();
    String out = new String(java.getInputStream().readAllBytes(), UTF_8);
    assertThat(java.waitFor(30, TimeUnit.SECONDS)).isTrue();

    assertThat(java.exitValue()).as("%s", out).isEqualTo(1);
    assertThat(out).contains("FAIL cgroup driver").contains("remedy: -Dsandbox4j.cgroup.parent=")
        .containsPattern("\ndoctor: \\d+ checks, [1-9]\\d* failed \\(in \\d+ ms\\)\n$");
  }

  /** Just enough of a strict JSON parser for an array of flat objects with string values. */
  private static final class JsonChecks {
    private final String text;
    private int at;

    private JsonChecks(String text) {
      this.text = text;
    }

    static List<Map<String, String>> parse(String text) {
      JsonChecks p = new JsonChecks(text);
      List<Map<String, String>> objects = new ArrayList<>();
      p.expect('[');
      if (!p.peek(']')) {
        do {
          objects.add(p.object());
        } while (p.accept(','));
      }
      p.expect(']');
      p.skipSpace();
      assertThat(p.at).as("trailing text after the array").isEqualTo(text.length());
      return objects;
    }

    private Map<String, String> object() {
      Map<String, String> members = new LinkedHashMap<>();
      expect('{');
      do {
        String name = string();
        expect(':');
        assertThat(members.put(name, string())).as("duplicate key %s", name).isNull();
      } while (accept(','));
      expect('}');
      return members;
    }

    private String string() {
      expect('"');
      StringBuilder s = new StringBuilder();
      while (true) {
        char c = text.charAt(at++);
        if (c == '"') {
          return s.toString();
        }
        assertThat(c).as("raw control character at %s", at - 1).isGreaterThanOrEqualTo(' ');
        if (c != '\\') {
          s.append(c);
          continue;
        }
        char e = text.charAt(at++);
        switch (e) {
          case '"': case '\\': case '/': s.append(e); break;
          case 'b': s.append('\b'); break;
          case 'f': s.append('\f'); break;
          case 'n': s.append('\n'); break;
          case 'r': s.append('\r'); break;
          case 't': s.append('\t'); break;
          case 'u': s.append((char) Integer.parseInt(text.substring(at, at + 4), 16)); at += 4; break;
          default: throw new AssertionError("bad escape \\" + e + " at " + (at - 1));
        }
      }
    }

    private void skipSpace() {
      while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
        at++;
      }
    }

    private boolean peek(char c) {
      skipSpace();
      return at < text.length() && text.charAt(at) == c;
    }

    private boolean accept(char c) {
      if (peek(c)) {
        at++;
        return true;
      }
      return false;
    }

    private void expect(char c) {
      assertThat(accept(c)).as("'%s' at %s in %s", c, at, text).isTrue();
    }
  }
}
