package org.sandbox4j.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server on a real FUSE mount, made as the helper makes it (without the helper): every
 * file read with Java IO and with host tools, writes refused, chunked reads consistent, and
 * no fd left behind however the view ends.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProcViewServerTest {
  private static final long MIB = 1 << 20;
  private static final List<String> FILES = List.of("meminfo", "cpuinfo", "stat", "uptime", "loadavg", "swaps",
      "cpus");

  @TempDir
  Path mountPoint;
  private int baselineFds;

  private static ProcViewModel.Builder staticModel() {
    long now = Kernel.bootTimeNanos();
    return ProcViewModel.builder().memoryLimitBytes(OptionalLong.of(256 * MIB)).swapLimitBytes(OptionalLong.of(0))
        .visibleCpus(List.of(0)).originBootNanos(now).startEpochSeconds(ProcViewModel.epochSecondsAt(now));
  }

  @BeforeAll
  static void warmUp(@TempDir Path dir) throws IOException {
    TestHost.assumeRoot("the test mounts FUSE file systems on the host (sandboxes mount theirs in their own"
        + " namespaces: ProcViewTest)");
    // The server's thread, epoll and eventfd are made once per JVM, not per view.
    try (ProcViewTestMount mount = ProcViewTestMount.serving(dir, staticModel().build())) {
      Files.readString(mount.file("cpus"));
    }
    // So is the status reactor with its eventfd, which a test may use.
    CompletableFuture<Void> ran = new CompletableFuture<>();
    Reactor.get().execute(() -> ran.complete(null));
    ran.join();
  }

  @BeforeEach
  void countFds() throws Exception {
    awaitNoViews();
    baselineFds = HostProcesses.openFileDescriptors();
  }

  private void assertNothingLeft() throws Exception {
    awaitNoViews();
    assertThat(ProcViewServer.get().activeCount()).isZero();
    assertThat(ProcViewServer.get().snapshotBytes()).as("snapshot bytes still charged").isZero();
    assertThat(HostProcesses.openFileDescriptors()).isEqualTo(baselineFds);
  }

  /** The kernel ends a connection asynchronously after umount; the server sees it moments later. */
  private static void awaitNoViews() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (ProcViewServer.get().activeCount() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  private static String run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), UTF_8);
    int status = process.waitFor();
    closeStreams(process);
    assertThat(status).as("%s: %s", List.of(command), output).isZero();
    return output;
  }

  /**
   * The JDK closes a finished child's pipes on its reaper thread, some time after waitFor:
   * closed here, so the fd counts compare the server's fds alone.
   */
  private static void closeStreams(Process process) throws IOException {
    process.getOutputStream().close();
    process.getInputStream().close();
    process.getErrorStream().close();
  }

  private static long field(String text, String regex) {
    Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(text);
    assertThat(m.find()).as("%s in:\n%s", regex, text).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void everyFileReadsWithJavaIoAndWithCat() throws Exception {
    try (ProcViewTestMount mount = ProcViewTestMount.serving(mountPoint, staticModel().build())) {
      try (Stream<Path> listing = Files.list(mountPoint)) {
        assertThat(listing.map(p -> p.getFileName().toString()).collect(Collectors.toList()))
            .containsExactlyInAnyOrderElementsOf(FILES);
      }
      String meminfo = Files.readString(mount.file("meminfo"));
      assertThat(meminfo).startsWith("MemTotal:         262144 kB\nMemFree:          262144 kB\n");
      assertThat(run("cat", mount.file("meminfo").toString())).startsWith("MemTotal:         262144 kB\n");
      assertThat(Files.readString(mount.file("cpus"))).isEqualTo("0\n");
      assertThat(run("grep", "-c", "^processor", mount.file("cpuinfo").toString())).isEqualTo("1\n");
      assertThat(Files.readString(mount.file("stat"))).startsWith("cpu  0 0 0 ").contains("\ncpu0 ")
          .doesNotContain("\ncpu1 ");
      assertThat(Files.readString(mount.file("uptime"))).matches("\\d+\\.\\d\\d \\d+\\.\\d\\d\n");
      assertThat(Files.readString(mount.file("loadavg"))).isEqualTo("0.00 0.00 0.00 0/0 0\n");
      assertThat(Files.readString(mount.file("swaps"))).isEqualTo(ProcViewFiles.SWAPS_HEADER);
      assertThat(run("ls", "-ln", mount.file("meminfo").toString())).startsWith("-r--r--r-- 1 0 0 0 ");
      assertThat(run("stat", "-c", "%a %u %g %F", mountPoint.toString())).isEqualTo("555 0 0 directory\n");
      assertThatThrownBy(() -> Files.readString(mount.file("kcore"))).isInstanceOf(java.nio.file.NoSuchFileException.class);
    }
    assertNothingLeft();
  }

  @Test
  void procpsFreeParsesTheViewBoundOverProcMeminfo() throws Exception {
    try (ProcViewTestMount mount = ProcViewTestMount.serving(mountPoint, staticModel().build())) {
      // As the helper binds it, in a mount namespace of its own (so the host's /proc stays as it is).
      String free = run("unshare", "-m", "--propagation", "private", "sh", "-c",
          "mount --bind " + mount.file("meminfo") + " /proc/meminfo && free -b");
      assertThat(field(free, "^Mem:\\s+(\\d+)")).isEqualTo(256 * MIB);
      assertThat(field(free, "^Mem:\\s+\\d+\\s+(\\d+)")).as("used").isZero();
      assertThat(field(free, "^Swap:\\s+(\\d+)")).isZero();
    }
    assertNothingLeft();
  }

  @Test
  void writesAreRefused() throws Exception {
    try (ProcViewTestMount mount = ProcViewTestMount.serving(mountPoint, staticModel().build())) {
      assertThatThrownBy(() -> Files.writeString(mount.file("meminfo"), "MemTotal: 1 kB\n"))
          .isInstanceOf(AccessDeniedException.class);
      assertThatThrownBy(() -> Files.writeString(mount.file("cpus"), "0-63\n", java.nio.file.StandardOpenOption.APPEND))
          .isInstanceOf(AccessDeniedException.class);
      assertThatThrownBy(() -> Files.createFile(mount.file("new"))).isInstanceOf(FileSystemException.class)
          .hasMessageContaining("Read-only file system");
      assertThatThrownBy(() -> Files.createDirectory(mount.file("dir"))).isInstanceOf(FileSystemException.class)
          .hasMessageContaining("Read-only file system");
      assertThatThrownBy(() -> Files.delete(mount.file("stat"))).isInstanceOf(FileSystemException.class)
          .hasMessageContaining("Read-only file system");
      Process shell = new ProcessBuilder("sh", "-c", "echo 0 > " + mount.file("cpus")).redirectErrorStream(true)
          .start();
      assertThat(new String(shell.getInputStream().readAllBytes(), UTF_8)).contains("Permission denied");
      assertThat(shell.waitFor()).isNotZero();
      closeStreams(shell);
      assertThat(Files.readString(mount.file("cpus"))).isEqualTo("0\n");
    }
    assertNothingLeft();
  }

  /** A source whose memory use grows by 1 MiB at every reading. */
  private static final class GrowingSource implements ProcViewReadings.Source {
    final AtomicInteger readings = new AtomicInteger();

    @Override
    public ProcViewReadings viewReadings() {
      return ProcViewReadings.builder().memoryUsageBytes(readings.incrementAndGet() * MIB).build();
    }
  }

  @Test
  void aReaderInSmallChunksSeesOneVersionOfTheFile() throws Exception {
    GrowingSource source = new GrowingSource();
    ProcViewModel model = staticModel().source(java.util.Optional.of(source)).build();
    try (ProcViewTestMount mount = ProcViewTestMount.serving(mountPoint, model)) {
      StringBuilder chunked = new StringBuilder();
      try (InputStream in = new FileInputStream(mount.file("meminfo").toFile())) {
        byte[] chunk = new byte[7];
        int n;
        while ((n = in.read(chunk)) > 0) {
          assertThat(n).isLessThanOrEqualTo(7);
          chunked.append(new String(chunk, 0, n, UTF_8));
          Thread.sleep(1); // long enough, in all, for the source to be read anew many times over
        }
      }
      String whole = chunked.toString();
      long total = field(whole, "^MemTotal:\\s+(\\d+) kB");
      long free = field(whole, "^MemFree:\\s+(\\d+) kB");
      long used = (total - free) / 1024;
      assertThat(used).isBetween(1L, 3L);
      assertThat(whole).endsWith("Hugetlb:               0 kB\n");
      assertThat(whole.split("\n")).allMatch(line -> line.matches("^.{16} *\\d+( kB)?$"));
      // Meanwhile the view moved on: a new open renders a newer reading.
      assertThat(field(Files.readString(mount.file("meminfo")), "^MemFree:\\s+(\\d+) kB")).isLessThan(free);
      // dd reading 7 bytes at a time gets a whole file too.
      String dd = run("sh", "-c", "dd if=" + mount.file("meminfo") + " bs=7 status=none");
      assertThat(dd).startsWith("MemTotal:").endsWith("Hugetlb:               0 kB\n");
      assertThat(dd.split("\n")).hasSize(whole.split("\n").length);
    }
    assertNothingLeft();
  }

  @Test
  void aSandboxHammeringItsViewIsServedFromTheCacheNotTheCgroup() throws Exception {
    GrowingSource source = new GrowingSource();
    ProcViewModel model = staticModel().source(java.util.Optional.of(source)).build();
    try (ProcViewTestMount mount = ProcViewTestMount.serving(mountPoint, model)) {
      int opens = 2000;
      for (int i = 0; i < opens; i++) {
        Files.readString(mount.file(FILES.get(i % FILES.size())));
      }
      // At most one reading per 10 ms: far fewer readings than opens.
      assertThat(source.readings.get()).isLessThan(opens / 2);
    }
    assertNothingLeft();
  }

  @Test
  void unmountingEndsTheViewAndClosesItsFd() throws Exception {
    ProcViewTestMount mount = ProcViewTestMount.serving(mountPoint, staticModel().build());
    try {
      assertThat(Files.readString(mount.file("cpus"))).isEqualTo("0\n");
      assertThat(ProcViewServer.get().activeCount()).isEqualTo(1);
      mount.unmount();
      awaitNoViews();
      assertThat(mount.handle.ended()).isTrue();
    } finally {
      mount.close();
    }
    assertNothingLeft();
  }

  @Test
  void closingBeforeTheFdArrivesClosesTheSocket() throws Exception {
    ProcViewTestMount mount = ProcViewTestMount.mount(mountPoint, staticModel().build());
    try {
      mount.handle.close();
      assertThat(mount.handle.ended()).isTrue();
      mount.handle.close(); // idempotent
      // The server's end is gone: the helper's send fails rather than passing the fd to no one.
      assertThatThrownBy(mount::handOver).isInstanceOf(IOException.class);
    } finally {
      mount.close();
    }
    assertNothingLeft();
  }

  @Test
  void closingWhileServingAbortsTheConnection() throws Exception {
    ProcViewTestMount mount = ProcViewTestMount.serving(mountPoint, staticModel().build());
    try {
      assertThat(Files.readString(mount.file("uptime"))).isNotEmpty();
      Thread closer = new Thread(mount.handle::close); // from another thread than the test's
      closer.start();
      closer.join();
      assertThat(mount.handle.ended()).isTrue();
      assertThatThrownBy(() -> Files.readString(mount.file("meminfo"))).isInstanceOf(IOException.class)
          .hasMessageContaining("Transport endpoint is not connected");
      mount.handle.close();
    } finally {
      mount.close();
    }
    assertNothingLeft();
  }

  @Test
  void eofOnTheSocketBeforeAnyFdEndsTheView() throws Exception {
    ProcViewTestMount mount = ProcViewTestMount.mount(mountPoint, staticModel().build());
    try {
      mount.closeHelperEnds();
      awaitNoViews();
      assertThat(mount.handle.ended()).isTrue();
    } finally {
      mount.close();
    }
    assertNothingLeft();
  }

  @Test
  void aWrongHandoverMessageEndsTheViewAndClosesWhatItBrought() throws Exception {
    for (byte[] message : List.of(new byte[] {'X'}, new byte[] {'F', 'F'})) {
      ProcViewTestMount mount = ProcViewTestMount.mount(mountPoint, staticModel().build());
      try {
        mount.sendAndClose(message, true);
        awaitNoViews();
        assertThat(mount.handle.ended()).isTrue();
      } finally {
        mount.close();
      }
      assertNothingLeft();
    }
    // The right message with an fd that is no FUSE device (a pipe): not served, closed.
    ProcViewTestMount pipe = ProcViewTestMount.mount(mountPoint, staticModel().build());
    int[] fds = new int[2];
    assertThat(LibC.INSTANCE.pipe2(fds, LibC.O_CLOEXEC)).isZero();
    try {
      assertThat(ProcViewServer.isFuseDevice(fds[0])).isFalse();
      pipe.sendOther(new byte[] {ProcViewServer.HANDOVER}, fds[0]);
      awaitNoViews();
      assertThat(pipe.handle.ended()).isTrue();
    } finally {
      LibC.INSTANCE.close(fds[0]);
      LibC.INSTANCE.close(fds[1]);
      pipe.close();
    }
    assertNothingLeft();
    ProcViewTestMount withoutFd = ProcViewTestMount.mount(mountPoint, staticModel().build());
    try {
      withoutFd.sendAndClose(new byte[] {'F'}, false);
      awaitNoViews();
      assertThat(withoutFd.handle.ended()).isTrue();
    } finally {
      withoutFd.close();
    }
    assertNothingLeft();
  }

  @Test
  void closeRacingTheHandoverLeavesNothingEitherWay() throws Exception {
    for (int i = 0; i < 100; i++) {
      ProcViewTestMount mount = ProcViewTestMount.mount(mountPoint, staticModel().build());
      try {
        Thread closer = new Thread(mount.handle::close);
        closer.start();
        try {
          mount.handOver();
        } catch (IOException peerAlreadyClosed) {
          // the close came first: the helper's send finds no one
        }
        closer.join();
        assertThat(mount.handle.ended()).isTrue();
      } finally {
        mount.close();
      }
    }
    assertNothingLeft();
  }

  @Test
  void theServerRunsOnItsOwnThreadApartFromTheStatusReactor() {
    ProcViewServer.get();
    Reactor.get();
    List<String> names = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
        .collect(Collectors.toList());
    assertThat(names).containsOnlyOnce(ProcViewServer.THREAD_NAME).containsOnlyOnce("sandbox4j-reactor");
  }

  private static final String CONNECTION_GONE = "Software caused connection abort|Transport endpoint is not connected";

  private static void awaitEnded(ProcViewServer.Handle handle) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!handle.ended() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(handle.ended()).isTrue();
  }

  @Test
  void closeAsyncReturnsAtOnceWhileTheServerIsBusyAndClosesTheFdsAfter() throws Exception {
    try (ProcViewTestMount mount = ProcViewTestMount.serving(mountPoint, staticModel().build())) {
      assertThat(Files.readString(mount.file("uptime"))).isNotEmpty();
      CountDownLatch busy = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      ProcViewServer.get().reactor().execute(() -> {
        busy.countDown();
        try {
          release.await(20, TimeUnit.SECONDS); // the server's thread, stuck for as long as the test says
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
      long start = System.nanoTime();
      mount.handle.closeAsync();
      mount.handle.closeAsync(); // idempotent
      assertThat(System.nanoTime() - start).as("closeAsync took (ns)").isLessThan(TimeUnit.MILLISECONDS.toNanos(200));
      // From the status reactor too, where a run's exit is seen.
      CompletableFuture<Long> onStatusReactor = new CompletableFuture<>();
      Reactor.get().execute(() -> {
        long t = System.nanoTime();
        mount.handle.closeAsync();
        onStatusReactor.complete(System.nanoTime() - t);
      });
      assertThat(onStatusReactor.get(5, TimeUnit.SECONDS)).isLessThan(TimeUnit.MILLISECONDS.toNanos(200));
      assertThat(mount.handle.ended()).as("not before the server's thread is free").isFalse();
      release.countDown();
      awaitEnded(mount.handle);
      assertThatThrownBy(() -> Files.readString(mount.file("meminfo"))).isInstanceOf(IOException.class)
          .hasMessageContaining("Transport endpoint is not connected");
    }
    assertNothingLeft();
  }

  @Test
  void anErrorWhileServingOneViewEndsItAloneAndItsReaderFailsInsteadOfHanging(@TempDir Path otherMountPoint)
      throws Exception {
    ProcViewReadings.Source failing = () -> {
      throw new OutOfMemoryError("simulated");
    };
    try (ProcViewTestMount healthy = ProcViewTestMount.serving(mountPoint, staticModel().build());
        ProcViewTestMount broken = ProcViewTestMount.serving(otherMountPoint,
            staticModel().source(Optional.of(failing)).build())) {
      assertThat(Files.readString(healthy.file("cpus"))).isEqualTo("0\n");
      assertThat(Files.readString(broken.file("cpus"))).isEqualTo("0\n"); // needs no reading
      // The open of meminfo was read from the device and fails with an Error: it is never
      // answered, so the connection must end, or the reader would wait forever.
      assertThatThrownBy(() -> Files.readString(broken.file("meminfo"))).isInstanceOf(IOException.class)
          .hasMessageMatching(".*(" + CONNECTION_GONE + ").*");
      awaitEnded(broken.handle);
      assertThatThrownBy(() -> Files.readString(broken.file("cpus"))).isInstanceOf(IOException.class)
          .hasMessageContaining("Transport endpoint is not connected");
      assertThat(Files.readString(healthy.file("meminfo"))).startsWith("MemTotal:         262144 kB\n");
      assertThat(healthy.handle.ended()).isFalse();
      assertThat(ProcViewServer.get().reactor().dead()).isFalse();
    }
    assertNothingLeft();
  }

  /** A view of {@code server} (not the shared one) mounted on {@code dir} and handed over. */
  private static ProcViewServer.Handle serveOwn(ProcViewServer server, Path dir, ProcViewModel model)
      throws IOException {
    LibC libc = LibC.INSTANCE;
    int[] pair = new int[2];
    assertThat(libc.socketpair(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0, pair)).isZero();
    int fuse = libc.open("/dev/fuse", LibC.O_RDWR | LibC.O_CLOEXEC, 0);
    assertThat(fuse).isNotNegative();
    String options = "fd=" + fuse + ",rootmode=40000,user_id=0,group_id=0,allow_other";
    assertThat(libc.mount("sandbox4j-procview", dir.toString(), "fuse", LibC.MS_NOSUID | LibC.MS_NODEV, options))
        .isZero();
    ProcViewServer.Handle handle = server.serve(pair[0], model);
    assertThat(FdPassing.send(pair[1], new byte[] {ProcViewServer.HANDOVER}, fuse)).isZero();
    libc.close(pair[1]);
    libc.close(fuse);
    return handle;
  }

  private static void unmount(Path dir) {
    if (LibC.INSTANCE.umount2(dir.toString(), 0) != 0) {
      LibC.INSTANCE.umount2(dir.toString(), LibC.MNT_DETACH);
    }
  }

  @Test
  void aServerWhoseThreadStoppedEndsItsViewsAndRefusesNewOnesAtOnce(@TempDir Path otherMountPoint) throws Exception {
    ProcViewServer server = new ProcViewServer("sandbox4j-procview-doomed");
    ProcViewReadings.Source failing = () -> {
      throw new ReactorTest.SimulatedError("a reading failed");
    };
    ProcViewServer.Handle healthy = serveOwn(server, mountPoint, staticModel().build());
    ProcViewServer.Handle broken = serveOwn(server, otherMountPoint, staticModel().source(Optional.of(failing)).build());
    Logger log = Logger.getLogger(Reactor.class.getName());
    Handler handler = ReactorTest.failingLogHandler();
    try {
      assertThat(Files.readString(mountPoint.resolve("cpus"))).isEqualTo("0\n");
      log.addHandler(handler); // the failure's own handling fails: the server's thread ends
      try {
        assertThatThrownBy(() -> Files.readString(otherMountPoint.resolve("meminfo"))).isInstanceOf(IOException.class)
            .hasMessageMatching(".*(" + CONNECTION_GONE + ").*");
        awaitEnded(broken);
        awaitEnded(healthy);
      } finally {
        log.removeHandler(handler);
      }
      assertThat(server.reactor().dead()).isTrue();
      // Every view of it ended with it: their readers fail, none waits.
      assertThatThrownBy(() -> Files.readString(mountPoint.resolve("cpus"))).isInstanceOf(IOException.class)
          .hasMessageMatching(".*(" + CONNECTION_GONE + ").*");
      assertThat(server.activeCount()).isZero();
      assertThat(server.snapshotBytes()).isZero();
      // A new view fails at once, its socket closed: the helper's init sees EOF, not silence.
      int[] pair = new int[2];
      assertThat(LibC.INSTANCE.socketpair(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0, pair)).isZero();
      try {
        assertThatThrownBy(() -> server.serve(pair[0], staticModel().build()))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("stopped");
        int flags = LibC.INSTANCE.fcntl(pair[1], LibC.F_GETFL, 0);
        LibC.INSTANCE.fcntl(pair[1], LibC.F_SETFL, flags | LibC.O_NONBLOCK);
        assertThat(LibC.INSTANCE.read(pair[1], new byte[1], 1)).as("EOF on the helper's end").isZero();
      } finally {
        LibC.INSTANCE.close(pair[1]);
      }
      healthy.close(); // returns at once: nothing left to wait for
      broken.close();
    } finally {
      unmount(mountPoint);
      unmount(otherMountPoint);
    }
  }
}
