package org.sandbox4j.linux;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * One thread and one epoll instance watch the status pipes of every running sandbox: exit
 * detection costs no thread per process. Each watched fd belongs to the reactor from
 * {@link #watch} until its {@link Watcher#closed()} callback: only the reactor reads and
 * closes it.
 */
final class Reactor {
  /** Receives what arrives on one watched fd, on the reactor thread; must not block long. */
  interface Watcher {
    void data(byte[] bytes, int length);

    /** EOF (or an error): the fd is already unregistered and closed. */
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

  private final LibC libc = LibC.INSTANCE;
  private final int epollFd;
  private final Map<Integer, Watcher> watchers = new ConcurrentHashMap<>();

  private Reactor(int epollFd) {
    this.epollFd = epollFd;
    Thread thread = new Thread(this::loop, "sandbox4j-reactor");
    thread.setDaemon(true);
    thread.start();
  }

  static Reactor get() {
    Reactor reactor = instance;
    if (reactor == null) {
      synchronized (INIT_LOCK) {
        reactor = instance;
        if (reactor == null) {
          int fd = LibC.INSTANCE.epoll_create1(LibC.EPOLL_CLOEXEC);
          if (fd < 0) {
            throw new IllegalStateException("epoll_create1 failed: " + Errno.name(LibC.errno()));
          }
          reactor = new Reactor(fd);
          instance = reactor;
        }
      }
    }
    return reactor;
  }

  /** Hands {@code fd} to the reactor; it is made non-blocking and read until EOF. */
  void watch(int fd, Watcher watcher) {
    int flags = libc.fcntl(fd, LibC.F_GETFL, 0);
    libc.fcntl(fd, LibC.F_SETFL, flags | LibC.O_NONBLOCK);
    watchers.put(fd, watcher);
    Pointer event = Memory.allocateDirect(Runtime.getRuntime(libc), EVENT_SIZE);
    event.putInt(0, LibC.EPOLLIN);
    event.putLong(DATA_OFFSET, fd);
    if (libc.epoll_ctl(epollFd, LibC.EPOLL_CTL_ADD, fd, event) != 0) {
      int errno = LibC.errno();
      watchers.remove(fd);
      throw new IllegalStateException("epoll_ctl(ADD, " + fd + ") failed: " + Errno.name(errno));
    }
  }

  /** How many fds are watched now; for leak checks. */
  int watchedCount() {
    return watchers.size();
  }

  private void loop() {
    Pointer events = Memory.allocateDirect(Runtime.getRuntime(libc), EVENT_SIZE * MAX_EVENTS);
    byte[] buffer = new byte[8192];
    while (true) {
      int n = libc.epoll_wait(epollFd, events, MAX_EVENTS, -1);
      if (n < 0) {
        if (LibC.errno() != LibC.EINTR) {
          LOG.log(Level.SEVERE, "epoll_wait failed: {0}", Errno.name(LibC.errno()));
        }
        continue;
      }
      for (int i = 0; i < n; i++) {
        int fd = (int) events.getLong((long) i * EVENT_SIZE + DATA_OFFSET);
        Watcher watcher = watchers.get(fd);
        if (watcher != null) {
          drain(fd, watcher, buffer);
        }
      }
    }
  }

  private void drain(int fd, Watcher watcher, byte[] buffer) {
    try {
      while (true) {
        long n = libc.read(fd, buffer, buffer.length);
        if (n > 0) {
          watcher.data(buffer, (int) n);
          continue;
        }
        if (n < 0 && LibC.errno() == LibC.EINTR) {
          continue;
        }
        if (n < 0 && LibC.errno() == LibC.EAGAIN) {
          return;
        }
        break; // EOF or a real error: the helper is gone
      }
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "sandbox status handling failed", e);
    }
    libc.epoll_ctl(epollFd, LibC.EPOLL_CTL_DEL, fd, null);
    watchers.remove(fd);
    libc.close(fd);
    try {
      watcher.closed();
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "sandbox exit handling failed", e);
    }
  }
}
