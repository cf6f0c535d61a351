package org.sandbox4j.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A second reactor beside the status reactor: its own thread, both kinds of watch, tasks, ticks. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReactorTest {
  private static final AtomicInteger TICKS = new AtomicInteger();
  /** One for the class: a reactor's thread lives as long as the JVM. */
  private static final Reactor REACTOR = Reactor.start("sandbox4j-reactor-test", 64, 10, TICKS::incrementAndGet);
  private static final LibC LIBC = LibC.INSTANCE;

  private static int[] pipe() {
    int[] fds = new int[2];
    assertThat(LIBC.pipe2(fds, LibC.O_CLOEXEC)).isZero();
    return fds;
  }

  private static boolean isOpen(int fd) {
    return LIBC.fcntl(fd, LibC.F_GETFL, 0) >= 0;
  }

  @Test
  void aWatcherGetsTheDataThenEofAndTheReactorClosesTheFd() throws Exception {
    int[] pipe = pipe();
    StringBuilder received = new StringBuilder();
    CountDownLatch closed = new CountDownLatch(1);
    REACTOR.watch(pipe[0], new Reactor.Watcher() {
      @Override
      public void data(byte[] bytes, int length) {
        assertThat(REACTOR.inReactorThread()).isTrue();
        received.append(new String(bytes, 0, length, UTF_8));
      }

      @Override
      public void closed() {
        closed.countDown();
      }
    });
    // More than the 64-byte read buffer, so several reads deliver it.
    byte[] message = "x".repeat(1000).getBytes(UTF_8);
    assertThat(LIBC.write(pipe[1], message, message.length)).isEqualTo(message.length);
    LIBC.close(pipe[1]);
    assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(received.toString()).isEqualTo("x".repeat(1000));
    assertThat(isOpen(pipe[0])).isFalse();
  }

  @Test
  void aReadinessWatcherReadsItselfAndEndsTheWatchByReturningFalse() throws Exception {
    int[] pipe = pipe();
    AtomicInteger readyCalls = new AtomicInteger();
    CountDownLatch closed = new CountDownLatch(1);
    REACTOR.watchReadiness(pipe[0], new Reactor.ReadinessWatcher() {
      @Override
      public boolean ready(int fd) {
        readyCalls.incrementAndGet();
        byte[] one = new byte[1];
        LIBC.read(fd, one, 1); // the owner reads, one byte per call: the level-triggered epoll reports the rest
        return one[0] != 'q';
      }

      @Override
      public void closed() {
        closed.countDown();
      }
    });
    byte[] bytes = "abq".getBytes(UTF_8);
    LIBC.write(pipe[1], bytes, bytes.length);
    assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(readyCalls.get()).isEqualTo(3);
    assertThat(isOpen(pipe[0])).isFalse();
    LIBC.close(pipe[1]);
  }

  @Test
  void stopRunsOnTheReactorThreadAndOnlyForTheWatchersOwnFd() throws Exception {
    int[] pipe = pipe();
    CountDownLatch closed = new CountDownLatch(1);
    Reactor.Watcher watcher = new Reactor.Watcher() {
      @Override
      public void data(byte[] bytes, int length) {}

      @Override
      public void closed() {
        closed.countDown();
      }
    };
    REACTOR.watch(pipe[0], watcher);
    assertThatThrownBy(() -> REACTOR.stop(pipe[0], watcher)).isInstanceOf(IllegalStateException.class);
    CompletableFuture<boolean[]> stopped = new CompletableFuture<>();
    REACTOR.execute(() -> stopped.complete(new boolean[] {REACTOR.stop(pipe[0], new Object()),
        REACTOR.stop(pipe[0], watcher), REACTOR.stop(pipe[0], watcher)}));
    assertThat(stopped.get(10, TimeUnit.SECONDS)).containsExactly(false, true, false);
    assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(isOpen(pipe[0])).isFalse();
    LIBC.close(pipe[1]);
  }

  @Test
  void theTickRunsOnItsOwnWhileNothingHappens() throws Exception {
    int before = TICKS.get();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (TICKS.get() < before + 3 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(TICKS.get()).isGreaterThanOrEqualTo(before + 3);
  }

  @Test
  void theStatusReactorIsAnotherThread() {
    assertThat(Reactor.get()).isNotSameAs(REACTOR);
    assertThat(Reactor.get().inReactorThread()).isFalse();
  }

  /** What a watcher throws to stand for a failure beyond any bug: an Error, not an exception. */
  static final class SimulatedError extends Error {
    private static final long serialVersionUID = 1L;

    SimulatedError(String message) {
      super(message);
    }
  }

  private static final class Ending implements Reactor.Watcher {
    final CountDownLatch closed = new CountDownLatch(1);
    final StringBuilder received = new StringBuilder();
    final boolean explode;

    Ending(boolean explode) {
      this.explode = explode;
    }

    @Override
    public void data(byte[] bytes, int length) {
      if (explode) {
        throw new SimulatedError("a watcher's callback failed");
      }
      received.append(new String(bytes, 0, length, UTF_8));
    }

    @Override
    public void closed() {
      closed.countDown();
    }
  }

  private static void write(int fd, String text) {
    byte[] bytes = text.getBytes(UTF_8);
    assertThat(LIBC.write(fd, bytes, bytes.length)).isEqualTo(bytes.length);
  }

  @Test
  void anErrorInACallbackEndsThatWatchAloneAndTheReactorServesOn() throws Exception {
    int[] failing = pipe();
    int[] healthy = pipe();
    Ending bad = new Ending(true);
    Ending good = new Ending(false);
    REACTOR.watch(failing[0], bad);
    REACTOR.watch(healthy[0], good);
    write(failing[1], "boom");
    assertThat(bad.closed.await(10, TimeUnit.SECONDS)).as("the failing watch is ended").isTrue();
    assertThat(isOpen(failing[0])).as("and its fd closed").isFalse();
    // A readiness watcher's Error, a task's and a tick's: each logged, none ends the thread.
    int[] readiness = pipe();
    CountDownLatch readinessClosed = new CountDownLatch(1);
    REACTOR.watchReadiness(readiness[0], new Reactor.ReadinessWatcher() {
      @Override
      public boolean ready(int fd) {
        throw new OutOfMemoryError("simulated");
      }

      @Override
      public void closed() {
        readinessClosed.countDown();
      }
    });
    write(readiness[1], "x");
    assertThat(readinessClosed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(isOpen(readiness[0])).isFalse();
    REACTOR.execute(() -> {
      throw new StackOverflowError("simulated");
    });
    CompletableFuture<Boolean> after = new CompletableFuture<>();
    REACTOR.execute(() -> after.complete(REACTOR.inReactorThread()));
    assertThat(after.get(10, TimeUnit.SECONDS)).isTrue();
    write(healthy[1], "still served");
    LIBC.close(healthy[1]);
    assertThat(good.closed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(good.received.toString()).isEqualTo("still served");
    assertThat(REACTOR.dead()).isFalse();
    LIBC.close(failing[1]);
    LIBC.close(readiness[1]);
  }

  /** Makes the reactor's own logging fail where it reports {@code SimulatedError}: the loop cannot contain that. */
  static Handler failingLogHandler() {
    return new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getThrown() instanceof SimulatedError) {
          throw new OutOfMemoryError("simulated, while logging");
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
  }

  @Test
  void whenTheLoopItselfEndsEveryFdIsClosedAndTheReactorIsDead() throws Exception {
    Reactor doomed = Reactor.start("sandbox4j-reactor-doomed", 64, 0, null);
    int[] quiet = pipe();
    int[] failing = pipe();
    Ending bystander = new Ending(false);
    Ending bad = new Ending(true);
    doomed.watch(quiet[0], bystander);
    doomed.watch(failing[0], bad);
    Logger log = Logger.getLogger(Reactor.class.getName());
    Handler handler = failingLogHandler();
    log.addHandler(handler);
    try {
      write(failing[1], "boom");
      assertThat(bystander.closed.await(10, TimeUnit.SECONDS)).as("an fd the failure had nothing to do with")
          .isTrue();
      assertThat(bad.closed.await(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      log.removeHandler(handler);
    }
    assertThat(doomed.dead()).isTrue();
    assertThat(isOpen(quiet[0])).isFalse();
    assertThat(isOpen(failing[0])).isFalse();
    assertThat(doomed.watchedCount()).isZero();
    // Nothing waits on a dead reactor: watch throws and leaves the fd to its caller, tasks are dropped.
    int[] late = pipe();
    assertThatThrownBy(() -> doomed.watch(late[0], new Ending(false))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("stopped");
    assertThat(isOpen(late[0])).isTrue();
    doomed.execute(() -> {
      throw new AssertionError("a dead reactor runs nothing");
    });
    for (int fd : new int[] {quiet[1], failing[1], late[0], late[1]}) {
      LIBC.close(fd);
    }
  }
}
