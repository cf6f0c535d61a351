package org.sandbox4j.linux;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Level;
import java.util.logging.Logger;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * One thread and one epoll instance watch many fds: exit detection costs no thread per
 * process. {@link #get()} is the status reactor, which watches the status pipes of every
 * running sandbox; {@link #start} makes another instance with its own thread, for work
 * that must never delay the status pipes (the /proc views' FUSE connections).
 *
 * <p>Each watched fd belongs to the reactor from {@code watch} until its {@code closed()}
 * callback: only the reactor reads and closes it, so an fd number is never closed while
 * the reactor may still use it (a number closed elsewhere could be reused by an unrelated
 * open before the reactor's next read). Owners that must stop watching from another
 * thread do so with {@link #execute} and {@link #stop}, on the reactor's thread.
 *
 * <p>Failures stay with their fd: whatever a callback throws ({@link Error}s included, an
 * {@link OutOfMemoryError} as much as a bug) is logged and ends that watch, so its fd is
 * unregistered and closed (for a FUSE connection: the kernel aborts it, and the requests
 * it waits on fail with ECONNABORTED instead of waiting forever), and every other fd is
 * served on. A task or tick that throws is logged and skipped. Should the loop itself end
 * all the same (an error escaping that handling, {@code epoll_wait} failing for good), the
 * reactor is {@link #dead()}: every watched fd is closed and its watcher told, queued
 * tasks are dropped, and {@code watch} throws from then on, so that no caller waits on a
 * thread that is gone.
 */
final class Reactor {
  /** Receives what arrives on one watched fd, on the reactor thread; must not block long. */
  interface Watcher {
    void data(byte[] bytes, int length);

    /** EOF (or an error): the fd is already unregistered and closed. */
    void closed();
  }

  /**
   * For an fd the owner reads itself (a socket whose messages carry fds, which
   * {@code read(2)} would drop), on the reactor thread.
   */
  interface ReadinessWatcher {
    /**
     * The fd is readable, or at EOF, or in error (also spuriously: the fd is non-blocking
     * and EAGAIN is an answer). Returns whether to keep watching; on false the reactor
     * unregisters and closes the fd, then calls {@link #closed()}.
     */
    boolean ready(int fd);

    /** The fd is unregistered and closed. */
    void closed();
  }

  private static final Logger LOG = Logger.getLogger(Reactor.class.getName());
  private static final Object INIT_LOCK = new Object();
  private static volatile Reactor instance;

  /** {@code struct epoll_event} is packed on x86-64 (12 bytes), naturally aligned elsewhere (16). */
  private static final boolean PACKED_EVENTS = System.getProperty("os.arch").equals("amd64");
  private static final int EVENT_SIZE = PACKED_EVENTS ? 12 : 16;
  private static final int DATA_OFFSET = PACKED_EVENTS ? 4 : 8;
  private static final int MAX_EVENTS = 64;
  private static final int STATUS_READ_BUFFER = 8192;
  /**
   * Reads of one fd per wakeup before the others get their turn, unless {@link #start} says
   * otherwise; epoll is level-triggered, so what is left is reported again at once. One
   * busy fd cannot starve the rest.
   */
  static final int DEFAULT_READS_PER_WAKEUP = 64;

  private final LibC libc = LibC.INSTANCE;
  private final int epollFd;
  private final int readBufferBytes;
  private final int readsPerWakeup;
  private final long tickNanos;
  private final Runnable tick;
  private final Thread thread;
  private final Map<Integer, Registration> watchers = new ConcurrentHashMap<>();
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final Object wakeLock = new Object();
  /** An eventfd that wakes the thread for {@link #execute}; made on first use. */
  private volatile int wakeFd = -1;
  /** Set once the loop has ended: nothing is watched or run any more. */
  private volatile boolean dead;

  /** One watched fd: exactly one of the two watcher kinds. */
  private static final class Registration {
    final Watcher watcher;
    final ReadinessWatcher readiness;

    Registration(Watcher watcher, ReadinessWatcher readiness) {
      this.watcher = watcher;
      this.readiness = readiness;
    }

    Object owner() {
      return watcher != null ? watcher : readiness;
    }
  }

  private Reactor(int epollFd, String threadName, int readBufferBytes, int readsPerWakeup, long tickMillis,
      Runnable tick) {
    this.epollFd = epollFd;
    this.readBufferBytes = readBufferBytes;
    this.readsPerWakeup = readsPerWakeup;
    this.tickNanos = tickMillis * 1_000_000L;
    this.tick = tick;
    this.thread = new Thread(this::loop, threadName);
    thread.setDaemon(true);
    thread.start();
  }

  /** The status reactor ({@code sandbox4j-reactor}). */
  static Reactor get() {
    Reactor reactor = instance;
    if (reactor == null) {
      synchronized (INIT_LOCK) {
        reactor = instance;
        if (reactor == null) {
          reactor = start("sandbox4j-reactor", STATUS_READ_BUFFER, 0, null);
          instance = reactor;
        }
      }
    }
    return reactor;
  }

  /** As {@link #start(String, int, int, long, Runnable)} with {@value #DEFAULT_READS_PER_WAKEUP} reads per wakeup. */
  static Reactor start(String threadName, int readBufferBytes, long tickMillis, Runnable tick) {
    return start(threadName, readBufferBytes, DEFAULT_READS_PER_WAKEUP, tickMillis, tick);
  }

  /**
   * A new reactor with its own daemon thread. {@code readBufferBytes} bounds one read of a
   * {@link Watcher}'s fd, and {@code readsPerWakeup} the reads of one fd before the other
   * ready fds get their turn; {@code tick}, when not null, runs on the thread every
   * {@code tickMillis}.
   */
  static Reactor start(String threadName, int readBufferBytes, int readsPerWakeup, long tickMillis, Runnable tick) {
    if (readBufferBytes < 1 || readsPerWakeup < 1 || (tick != null && tickMillis < 1)) {
      throw new IllegalArgumentException("read buffer " + readBufferBytes + ", " + readsPerWakeup
          + " reads per wakeup, tick every " + tickMillis + " ms");
    }
    int fd = LibC.INSTANCE.epoll_create1(LibC.EPOLL_CLOEXEC);
    if (fd < 0) {
      throw new IllegalStateException("epoll_create1 failed: " + Errno.name(LibC.errno()));
    }
    return new Reactor(fd, threadName, readBufferBytes, readsPerWakeup, tick == null ? 0 : tickMillis, tick);
  }

  /**
   * Hands {@code fd} to the reactor; it is made non-blocking and read until EOF. When this
   * throws (the reactor is {@link #dead()}, epoll refuses the fd), the fd is still the
   * caller's.
   */
  void watch(int fd, Watcher watcher) {
    register(fd, new Registration(watcher, null));
  }

  /** Hands {@code fd} to the reactor; it is made non-blocking, and the owner reads it when ready. As {@link #watch}. */
  void watchReadiness(int fd, ReadinessWatcher watcher) {
    register(fd, new Registration(null, watcher));
  }

  private void register(int fd, Registration registration) {
    if (dead) {
      throw new IllegalStateException(thread.getName() + " has stopped");
    }
    int flags = libc.fcntl(fd, LibC.F_GETFL, 0);
    libc.fcntl(fd, LibC.F_SETFL, flags | LibC.O_NONBLOCK);
    watchers.put(fd, registration);
    if (!addToEpoll(fd)) {
      int errno = LibC.errno();
      watchers.remove(fd, registration);
      throw new IllegalStateException("epoll_ctl(ADD, " + fd + ") failed: " + Errno.name(errno));
    }
    // The loop may have ended meanwhile, after its last look at the watchers: whoever
    // takes the registration out of the map owns the fd (here: the caller again).
    if (dead && watchers.remove(fd, registration)) {
      libc.epoll_ctl(epollFd, LibC.EPOLL_CTL_DEL, fd, null);
      throw new IllegalStateException(thread.getName() + " has stopped");
    }
  }

  /**
   * Whether the loop has ended (it never does but for an error its own handling could not
   * contain): every fd it watched is closed, and {@code watch} throws.
   */
  boolean dead() {
    return dead;
  }

  private boolean addToEpoll(int fd) {
    Pointer event = Memory.allocateDirect(Runtime.getRuntime(libc), EVENT_SIZE);
    event.putInt(0, LibC.EPOLLIN);
    event.putLong(DATA_OFFSET, fd);
    return libc.epoll_ctl(epollFd, LibC.EPOLL_CTL_ADD, fd, event) == 0;
  }

  /** How many fds are watched now; for leak checks. */
  int watchedCount() {
    return watchers.size();
  }

  /** Whether the caller runs on this reactor's thread. */
  boolean inReactorThread() {
    return Thread.currentThread() == thread;
  }

  /**
   * Runs {@code task} on the reactor's thread soon (after the callback running now, if any).
   * Never blocks: callable from any thread, another reactor's included. On a
   * {@link #dead()} reactor the task is dropped.
   */
  void execute(Runnable task) {
    if (dead) {
      return;
    }
    tasks.add(task);
    libc.write(wakeFd(), longBytes(1), 8); // a non-blocking eventfd: adds to its counter
  }

  private int wakeFd() {
    int fd = wakeFd;
    if (fd >= 0) {
      return fd;
    }
    synchronized (wakeLock) {
      if (wakeFd < 0) {
        fd = libc.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (fd < 0) {
          throw new IllegalStateException("eventfd failed: " + Errno.name(LibC.errno()));
        }
        if (!addToEpoll(fd)) {
          int errno = LibC.errno();
          libc.close(fd);
          throw new IllegalStateException("epoll_ctl(ADD, eventfd) failed: " + Errno.name(errno));
        }
        wakeFd = fd;
      }
      return wakeFd;
    }
  }

  private static byte[] longBytes(long value) {
    byte[] bytes = new byte[8];
    java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.nativeOrder()).putLong(value);
    return bytes;
  }

  /**
   * On the reactor thread: stops watching {@code fd} if {@code owner} (the watcher given to
   * {@code watch}) still watches it, closes it and calls the watcher's {@code closed()}.
   * Returns false when the fd was no longer watched by {@code owner}.
   */
  boolean stop(int fd, Object owner) {
    if (!inReactorThread()) {
      throw new IllegalStateException("Reactor.stop must run on the reactor thread; use execute");
    }
    Registration registration = watchers.get(fd);
    if (registration == null || registration.owner() != owner) {
      return false;
    }
    release(fd, registration);
    return true;
  }

  private void loop() {
    try {
      serve();
    } catch (Throwable t) {
      try {
        LOG.log(Level.SEVERE, thread.getName() + " stopped; every fd it watched is closed", t);
      } catch (Throwable ignored) {
        // nothing more to tell
      }
    } finally {
      die();
    }
  }

  private void serve() {
    Runtime runtime = Runtime.getRuntime(libc);
    Pointer events = Memory.allocateDirect(runtime, EVENT_SIZE * MAX_EVENTS);
    Pointer nativeBuffer = Memory.allocateDirect(runtime, readBufferBytes);
    byte[] buffer = new byte[readBufferBytes];
    long nextTick = tick == null ? 0 : System.nanoTime() + tickNanos;
    while (true) {
      int timeout = -1;
      if (tick != null) {
        timeout = (int) Math.max(0, Math.min(Integer.MAX_VALUE, (nextTick - System.nanoTime() + 999_999) / 1_000_000));
      }
      int n = libc.epoll_wait(epollFd, events, MAX_EVENTS, timeout);
      if (n < 0) {
        int errno = LibC.errno();
        if (errno == LibC.EINTR) {
          continue;
        }
        // EBADF, EINVAL, EFAULT: it will fail again at once, forever.
        throw new IllegalStateException("epoll_wait failed: " + Errno.name(errno));
      }
      for (int i = 0; i < n; i++) {
        int fd = (int) events.getLong((long) i * EVENT_SIZE + DATA_OFFSET);
        if (fd == wakeFd) {
          runTasks();
          continue;
        }
        Registration registration = watchers.get(fd);
        if (registration == null) {
          continue;
        }
        if (registration.watcher != null) {
          drain(fd, registration, nativeBuffer, buffer);
        } else {
          poll(fd, registration);
        }
      }
      if (tick != null && System.nanoTime() - nextTick >= 0) {
        nextTick = System.nanoTime() + tickNanos;
        try {
          tick.run();
        } catch (Throwable e) {
          LOG.log(Level.SEVERE, "reactor tick failed", e);
        }
      }
    }
  }

  /** The loop has ended: nothing may wait on it. Closes every watched fd and tells its watcher. */
  private void die() {
    dead = true;
    tasks.clear();
    for (Map.Entry<Integer, Registration> entry : watchers.entrySet()) {
      try {
        release(entry.getKey(), entry.getValue());
      } catch (Throwable e) {
        // the next one all the same
      }
    }
    tasks.clear();
  }

  private void runTasks() {
    byte[] counter = new byte[8];
    libc.read(wakeFd, counter, 8); // resets the eventfd; the tasks are in the queue
    Runnable task;
    while ((task = tasks.poll()) != null) {
      try {
        task.run();
      } catch (Throwable e) {
        LOG.log(Level.SEVERE, "reactor task failed", e);
      }
    }
  }

  private void drain(int fd, Registration registration, Pointer nativeBuffer, byte[] buffer) {
    boolean ended = false;
    try {
      for (int reads = 0; reads < readsPerWakeup; reads++) {
        long n = libc.read(fd, nativeBuffer, buffer.length);
        if (n > 0) {
          nativeBuffer.get(0, buffer, 0, (int) n);
          registration.watcher.data(buffer, (int) n);
          if (watchers.get(fd) != registration) {
            return; // the callback stopped the watch: the fd is closed already
          }
          continue;
        }
        if (n < 0 && LibC.errno() == LibC.EINTR) {
          continue;
        }
        if (n < 0 && LibC.errno() == LibC.EAGAIN) {
          return;
        }
        ended = true; // EOF or a real error: the other end is gone
        break;
      }
    } catch (Throwable e) {
      // Whatever was read and not answered is the fd's to end: closing it is the answer.
      ended = true;
      LOG.log(Level.SEVERE, "watched fd handling failed; the fd is closed", e);
    }
    // Not ended: the read budget ran out, and epoll reports the rest at once.
    if (ended) {
      release(fd, registration);
    }
  }

  private void poll(int fd, Registration registration) {
    boolean keep;
    try {
      keep = registration.readiness.ready(fd);
    } catch (Throwable e) {
      keep = false;
      LOG.log(Level.SEVERE, "watched fd handling failed; the fd is closed", e);
    }
    if (!keep) {
      release(fd, registration);
    }
  }

  /**
   * Unregisters, closes, then tells the watcher: the order that keeps the fd number ours
   * until the end. Does nothing when {@code registration} no longer watches {@code fd}:
   * whoever takes it out of the map owns the fd.
   */
  private void release(int fd, Registration registration) {
    if (!watchers.remove(fd, registration)) {
      return;
    }
    libc.epoll_ctl(epollFd, LibC.EPOLL_CTL_DEL, fd, null);
    libc.close(fd);
    try {
      if (registration.watcher != null) {
        registration.watcher.closed();
      } else {
        registration.readiness.closed();
      }
    } catch (Throwable e) {
      LOG.log(Level.SEVERE, "watched fd close handling failed", e);
    }
  }
}
