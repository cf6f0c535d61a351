package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sandbox4j.DataSize;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxLaunchException;

/** Every setup failure names its stage, the path as seen inside, and the errno. */
class LaunchFailureTest {
  private static final Sandbox STRICT = Sandbox.builder().strict().build();

  @org.junit.jupiter.api.BeforeAll
  static void warmUp() throws Exception {
    // The first launch of a JVM creates the helper memfd and the reactor, once: not a leak.
    STRICT.command("/bin/true").run();
  }

  private static SandboxLaunchException failure(Sandbox sandbox, String... command) {
    java.util.Map<String, String> fdsBefore = openFds();
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> sandbox.command(command).start());
    assertThat(thrown).isInstanceOf(SandboxLaunchException.class);
    // A leak is an fd that is open now and was not before. (Comparing counts also failed when
    // an earlier test's streams were closed by the garbage collector's cleaner meanwhile.)
    java.util.Map<String, String> opened = new java.util.TreeMap<>(openFds());
    opened.entrySet().removeAll(fdsBefore.entrySet());
    assertThat(opened).as("no fd leaks on a failed launch").isEmpty();
    assertThat(ProcessHandle.current().children().count()).as("no helper left").isZero();
    return (SandboxLaunchException) thrown;
  }

  /** This JVM's open fds: number to what it refers to. */
  private static java.util.Map<String, String> openFds() {
    java.util.Map<String, String> fds = new java.util.TreeMap<>();
    try (java.nio.file.DirectoryStream<Path> dir = java.nio.file.Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path fd : dir) {
        try {
          fds.put(fd.getFileName().toString(), java.nio.file.Files.readSymbolicLink(fd).toString());
        } catch (java.io.IOException closedMeanwhile) {
          // the directory stream's own fd, or one closed while listing
        }
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    return fds;
  }

  @Test
  void aProgramMissingInsideTheSandbox() {
    SandboxLaunchException e = failure(STRICT, "python9");
    assertThat(e.stage()).isEqualTo("execve");
    assertThat(e.path()).isEqualTo("python9");
    assertThat(e.errnoName()).isEqualTo("ENOENT");
    assertThat(e).hasMessageStartingWith("execve python9: ENOENT (not found inside the sandbox");
    // The host has it, but the sandbox's root does not show /root/.pyenv or /work.
    assertThat(failure(STRICT, "/work/main/pom.xml").errnoName()).isEqualTo("ENOENT");
  }

  @Test
  void aFileThatIsNotExecutable() {
    SandboxLaunchException e = failure(STRICT, "/etc/passwd");
    assertThat(e.stage()).isEqualTo("execve");
    assertThat(e.errnoName()).isEqualTo("EACCES");
  }

  @Test
  void aMissingWorkingDirectory() {
    SandboxLaunchException e = failure(Sandbox.builder().strict().workingDirectory("/nowhere").build(), "/bin/true");
    assertThat(e.stage()).isEqualTo("chdir");
    assertThat(e.path()).isEqualTo("/nowhere");
    assertThat(e.errnoName()).isEqualTo("ENOENT");
  }

  @Test
  void aMountPointMissingInACallersRootfs(@TempDir Path dir) throws Exception {
    Path rootfs = BusyboxRootfs.create(dir);
    SandboxLaunchException e = failure(
        TestHost.builder().rootfs(rootfs).tmpfs("/scratch", DataSize.ofMebibytes(1)).build(), "/bin/true");
    assertThat(e.path()).isEqualTo("/scratch");
    assertThat(e.getMessage()).contains("mount point does not exist");
    assertThat(dir.resolve("scratch")).as("the caller's rootfs is never modified").doesNotExist();
  }

  @Test
  void aMissingRootfsOrBindSourceFailsBeforeAnythingStarts(@TempDir Path dir) {
    assertThatThrownBy(() -> Sandbox.builder().rootfs(dir.resolve("absent")).build().command("/bin/true").start())
        .isInstanceOf(SandboxLaunchException.class).hasMessageContaining("rootfs")
        .hasMessageContaining("does not exist on the host");
  }

  @Test
  void aBindMountPointMissingInAReadOnlyRootfs(@TempDir Path dir) throws Exception {
    Path rootfs = BusyboxRootfs.create(dir);
    SandboxLaunchException e = failure(
        TestHost.builder().rootfs(rootfs).bindMount(Path.of("/etc/hostname"), "/etc/not-there").build(), "/bin/true");
    assertThat(e.stage()).isIn("bind", "overlay"); // a read-only bind is an overlay where the host can make one
    assertThat(e.path()).isEqualTo("/etc/not-there");
    assertThat(e.getMessage()).contains("mount point does not exist");
  }

  @Test
  void aProcMountThatCannotBeMade(@TempDir Path dir) throws Exception {
    Path rootfs = BusyboxRootfs.create(dir);
    java.nio.file.Files.delete(rootfs.resolve("proc"));
    java.nio.file.Files.writeString(rootfs.resolve("proc"), "not a directory");
    SandboxLaunchException e = failure(TestHost.builder().rootfs(rootfs).mountProc().build(), "/bin/true");
    assertThat(e.stage()).isEqualTo("proc");
    assertThat(e.path()).isEqualTo("/proc");
    // mount(2) says ENOTDIR, the mount API (move_mount onto a file) says EINVAL
    assertThat(e.errnoName()).isIn("ENOTDIR", "EINVAL");
  }

  @Test
  void withoutAUserNamespaceAnUnprivilegedUserIsToldToAddOne() throws Exception {
    TestHost.assumeNotRoot("root may create namespaces without a user namespace");
    SandboxLaunchException e = failure(Sandbox.builder().pidNamespace().mountNamespace().build(), "/bin/true");
    assertThat(e.stage()).isEqualTo("clone");
    assertThat(e.errnoName()).isEqualTo("EPERM");
    assertThat(e.detail()).isEqualTo("the kernel refused to create the namespaces: without a user namespace only root"
        + " (CAP_SYS_ADMIN) may create them; add a user namespace (the strict preset has one) or run as root");
    // The same sandbox with a user namespace is what an unprivileged user runs.
    assertThat(Sandbox.builder().userNamespace().pidNamespace().mountNamespace().build().command("/bin/true").run()
        .result().succeeded()).isTrue();
  }

  @Test
  void aRedirectFromAFileThatDoesNotExistFailsTheSpawnAndLeaksNoPipe(@TempDir Path dir) throws Exception {
    java.util.Map<String, String> fdsBefore = openFds();
    // stdout and stderr stay pipes: their ends must be closed when the spawn fails.
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> STRICT.command("/bin/cat")
        .redirectInput(java.lang.ProcessBuilder.Redirect.from(dir.resolve("absent").toFile())).start());
    assertThat(thrown).isInstanceOf(SandboxLaunchException.class).hasMessageContaining("ENOENT");
    java.util.Map<String, String> opened = new java.util.TreeMap<>(openFds());
    opened.entrySet().removeAll(fdsBefore.entrySet());
    assertThat(opened).as("no fd leaks when posix_spawn fails").isEmpty();
    assertThat(ProcessHandle.current().children().count()).isZero();
  }
}
