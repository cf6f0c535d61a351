package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sandbox4j.Access;
import org.sandbox4j.CompletedRun;
import org.sandbox4j.DataSize;
import org.sandbox4j.Sandbox;
import org.sandbox4j.Termination;

/** Each isolation promise, checked on the real kernel from inside a real sandbox. */
class IsolationTest {
  private static final Sandbox STRICT = Sandbox.builder().strict().hostname("judge").build();

  private static CompletedRun sh(Sandbox sandbox, String script) throws Exception {
    return sandbox.command("/bin/sh", "-c", script).run();
  }

  @Test
  void pidNamespaceShowsOnlyTheSandboxAndInitIsPidOne() throws Exception {
    CompletedRun run = sh(STRICT, "echo self=$$; for p in /proc/[0-9]*; do echo ${p#/proc/}; done");
    assertThat(run.result().succeeded()).as(run.stderr()).isTrue();
    assertThat(run.stdout()).contains("self=2");
    // init (1), the shell (2) and nothing of the host: the host has hundreds of pids.
    String[] pids = run.stdout().lines().filter(l -> !l.startsWith("self=")).toArray(String[]::new);
    assertThat(pids).contains("1", "2").hasSizeLessThanOrEqualTo(4);
  }

  @Test
  void hostnameIsTheSandboxes() throws Exception {
    CompletedRun run = sh(STRICT, "hostname; cat /etc/hostname");
    assertThat(run.stdout()).isEqualTo("judge\njudge\n");
    assertThat(Files.readString(Path.of("/proc/sys/kernel/hostname")).trim()).isNotEqualTo("judge");
    // Without a chosen name the host's own does not leak in.
    String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
    CompletedRun unnamed = sh(Sandbox.builder().strict().build(), "hostname");
    assertThat(unnamed.stdout().trim()).isEqualTo(Sandbox.DEFAULT_HOSTNAME).isNotEqualTo(host);
  }

  @Test
  void networkNamespaceHasOnlyLoopbackUpAndReachesNothingOutside() throws Exception {
    try (ServerSocket hostListener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = hostListener.getLocalPort();
      CompletedRun run = sh(STRICT,
          "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ';"
              + "ip -o link show lo | grep -q 'state UNKNOWN\\|UP' && echo lo-up;"
              + "(echo x > /dev/tcp/127.0.0.1/" + port + ") 2>/dev/null && echo host-reached || echo host-unreachable");
      // /dev/tcp is a bash feature: run the probe under bash, present in the host-derived root.
      CompletedRun probe = STRICT.command("/bin/bash", "-c",
          "(echo x > /dev/tcp/127.0.0.1/" + port + ") 2>/dev/null && echo host-reached || echo host-unreachable").run();
      assertThat(run.stdout().lines().findFirst()).contains("lo");
      assertThat(run.stdout()).contains("lo-up").doesNotContain("eth");
      assertThat(probe.stdout().trim()).isEqualTo("host-unreachable");
    }
  }

  @Test
  void loopbackInsideWorks() throws Exception {
    CompletedRun run = STRICT.command("/usr/bin/python3", "-c",
        "import socket\n"
            + "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)\n"
            + "c = socket.create_connection(s.getsockname()); a, _ = s.accept()\n"
            + "c.sendall(b'ping'); print(a.recv(4).decode())").run();
    assertThat(run.stdout().trim()).as(run.stderr()).isEqualTo("ping");
  }

  @Test
  void hostDataIsInvisibleAndTheRootIsReadOnly() throws Exception {
    CompletedRun run = sh(STRICT,
        "for d in /root /home /work /var /srv /opt /etc/shadow /etc/machine-id; do [ -e $d ] && echo visible:$d; done;"
            + "touch /new-file 2>&1; touch /usr/new-file 2>&1; echo written > /tmp/ok && cat /tmp/ok");
    assertThat(run.stdout()).doesNotContain("visible:");
    assertThat(run.stdout()).contains("touch: cannot touch '/new-file': Read-only file system")
        .contains("touch: cannot touch '/usr/new-file': Read-only file system")
        .contains("written");
  }

  @Test
  void tmpfsSizeIsEnforced() throws Exception {
    Sandbox sandbox = TestHost.builder().hostRootfs().mountDev().tmpfs("/scratch", DataSize.ofMebibytes(1)).build();
    CompletedRun run = sh(sandbox, "dd if=/dev/zero of=/scratch/fill bs=64k count=32 2>&1; wc -c < /scratch/fill");
    assertThat(run.stdout()).contains("No space left on device");
    assertThat(Long.parseLong(run.stdout().lines().reduce((a, b) -> b).orElseThrow().trim()))
        .isLessThanOrEqualTo(1024 * 1024);
  }

  @Test
  void theOldRootIsDetachedAfterPivotRoot() throws Exception {
    CompletedRun run = sh(STRICT, "cat /proc/self/mountinfo; ls -d /oldroot /newroot 2>&1");
    String mountinfo = run.stdout();
    assertThat(mountinfo).doesNotContain("/oldroot ").doesNotContain("/work").doesNotContain(" /root");
    assertThat(mountinfo).contains("No such file or directory");
    // Every mount the program sees is one of the plan's: its mount point is a planned target.
    java.util.Set<String> planned = STRICT.command("true").plan().mountSteps().stream()
        .map(org.sandbox4j.MountStep::target).collect(java.util.stream.Collectors.toSet());
    java.util.List<String> mountPoints = mountinfo.lines().filter(l -> l.contains(" - "))
        .map(l -> l.split(" ")[4]).collect(java.util.stream.Collectors.toList());
    assertThat(mountPoints).isNotEmpty().allMatch(planned::contains);
  }

  @Test
  void aBusyboxRootfsIsPivotedIntoReadOnly(@TempDir Path dir) throws Exception {
    Path rootfs = BusyboxRootfs.create(dir.resolve("rootfs"));
    Path data = Files.writeString(Files.createDirectories(dir.resolve("data")).resolve("input.txt"), "42\n");
    Sandbox sandbox = Sandbox.builder().allNamespaces().rootfs(rootfs).mountProc().mountDev().mountTmp()
        .bindMount(data.getParent(), "/data").bindMount(Files.createDirectories(dir.resolve("out")), "/work",
            Access.READ_WRITE)
        .workingDirectory("/work").build();
    CompletedRun run = sandbox.command("/bin/sh", "-c",
        "cat /etc/marker /data/input.txt; pwd; echo result > /work/out.txt; touch /etc/x 2>&1; touch /data/x 2>&1;"
            + "ls /usr 2>&1").run();
    assertThat(run.stdout()).as(run.stderr()).contains("busybox rootfs", "42", "/work")
        .contains("touch: /etc/x: Read-only file system").contains("touch: /data/x: Read-only file system")
        .contains("No such file or directory");
    assertThat(Files.readString(dir.resolve("out/out.txt"))).isEqualTo("result\n");
    assertThat(rootfs.resolve("etc/x")).doesNotExist();
  }

  @Test
  void userNamespaceMapsIdsAndRunAsApplies() throws Exception {
    CompletedRun root = sh(Sandbox.builder().userNamespace().build(), "id -u; cat /proc/self/uid_map");
    assertThat(root.stdout().lines().findFirst()).contains("0");
    assertThat(root.stdout()).containsPattern("\\s0\\s+" + LibC.INSTANCE.geteuid() + "\\s+1");
    CompletedRun user = sh(Sandbox.builder().strict().runAs(1000, 1000).build(), "id -u; id -g; cat /proc/self/status | grep CapEff");
    assertThat(user.stdout()).startsWith("1000\n1000\n").contains("CapEff:\t0000000000000000");
  }

  @Test
  void ipcNamespaceHidesHostSharedMemory() throws Exception {
    CompletedRun host = sh(Sandbox.builder().build(), "cat /proc/sysvipc/shm | wc -l");
    CompletedRun inside = sh(STRICT, "cat /proc/sysvipc/shm | wc -l");
    assertThat(inside.stdout().trim()).isEqualTo("1"); // the header line only
    assertThat(host.result().termination()).isEqualTo(Termination.EXITED);
  }

  @Test
  void theEnvironmentIsExactlyWhatWasGiven() throws Exception {
    CompletedRun run = STRICT.command("/usr/bin/env").env("ONLY", "this").run();
    assertThat(run.stdout()).isEqualTo("ONLY=this\n");
  }
}
