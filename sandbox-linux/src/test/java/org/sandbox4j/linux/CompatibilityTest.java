package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sandbox4j.CompletedRun;
import org.sandbox4j.DataSize;
import org.sandbox4j.Sandbox;

/**
 * Real runtimes start and work under the strict preset, its default seccomp allow-list and
 * a memory limit (where this user has a cgroup; an unprivileged user without one runs them
 * under the rest): the hardening must not break the programs it exists for (plugins are
 * often JVMs; judges run Python).
 */
class CompatibilityTest {
  private static final Sandbox STRICT = TestHost.cgroupsUsable()
      ? Sandbox.builder().strict().memoryLimit(DataSize.ofMebibytes(512)).build()
      : Sandbox.builder().strict().build();

  static Stream<Path> jdks() throws Exception {
    // Every JDK under /usr/lib/jvm is inside the host-derived root (it is part of /usr).
    try (Stream<Path> all = Files.list(Path.of("/usr/lib/jvm"))) {
      return all.filter(p -> Files.isExecutable(p.resolve("bin/java")) && !Files.isSymbolicLink(p))
          .collect(java.util.stream.Collectors.toList()).stream();
    }
  }

  @ParameterizedTest
  @MethodSource("jdks")
  void aJvmRunsItsThreadsAndGarbageCollector(Path jdk) throws Exception {
    CompletedRun run = STRICT.command(jdk.resolve("bin/java").toString(), "-XshowSettings:vm", "-version").run();
    assertThat(run.result().succeeded()).as(run.stderr()).isTrue();
    assertThat(run.stderr()).contains("version");
  }

  @Test
  void pythonWithThreadsSocketsAndSubprocesses() throws Exception {
    CompletedRun run = STRICT.command("/usr/bin/python3", "-c",
        "import threading, subprocess, socket, sqlite3, tempfile\n"
            + "t = threading.Thread(target=lambda: None); t.start(); t.join()\n"
            + "print(subprocess.run(['/bin/echo', 'child'], capture_output=True, text=True).stdout.strip())\n"
            + "s = socket.socketpair(); s[0].send(b'x'); print(s[1].recv(1).decode())\n"
            + "db = sqlite3.connect(tempfile.mktemp(dir='/tmp')); db.execute('create table t(x)'); print('sqlite')\n")
        .run();
    assertThat(run.stdout()).as(run.stderr()).isEqualTo("child\nx\nsqlite\n");
  }
}
