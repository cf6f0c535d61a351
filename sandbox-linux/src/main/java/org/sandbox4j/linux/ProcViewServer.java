package org.sandbox4j.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves the {@code /proc} views of running sandboxes over FUSE, all on one daemon thread
 * ({@value #THREAD_NAME}) with its own epoll, apart from the status reactor: a sandbox that
 * reads its view in a loop can never delay another sandbox's exit.
 *
 * <p>The handover: inside the sandbox the helper opens {@code /dev/fuse} (in the sandbox's
 * user namespace), mounts it, and sends the fd over a {@code SOCK_SEQPACKET} socket as one
 * message of one byte {@code 'F'} with the fd in {@code SCM_RIGHTS}. {@link #serve} takes
 * the JVM's end of that socket; the server waits for the message without blocking, closes
 * the socket and serves the fd until the kernel ends the connection (the last mount is
 * gone: reads fail with ENODEV) or the run's owner closes the {@link Handle}. A socket that
 * reaches EOF first, or brings anything but exactly that message, ends the view. No path
 * leaves an fd open.
 *
 * <p>Bounds: each view's {@link FuseSession} caps its open files and the snapshot bytes they
 * pin, and all views together pin at most {@value #MAX_SNAPSHOT_BYTES} bytes of snapshots
 * (one budget, {@link #snapshotBytes()}): an open beyond it fails with ENOMEM. A request
 * reads the run cgroup at most as often as {@link ProcViewLive} allows, and one view's
 * requests are read at most {@value #READS_PER_WAKEUP} at a time before the other views'.
 *
 * <p>Failures: an exception or error while serving a view (an {@link OutOfMemoryError}
 * included) ends that view alone: the server closes its FUSE fd, the kernel aborts the
 * connection and the sandbox's reads of the view fail (ECONNABORTED, then ENOTCONN), never
 * hang; the other views are served on. Should the server's thread stop all the same (see
 * {@link Reactor}), every view's fds are closed with it and {@link #serve} fails at once.
 */
final class ProcViewServer {
  static final String THREAD_NAME = "sandbox4j-procview";
  /** The byte of the handover message. */
  static final byte HANDOVER = 'F';
  /** How often every view's load average is sampled, as the kernel samples its own. */
  static final long LOAD_SAMPLE_MILLIS = 5000;
  private static final long CLOSE_WAIT_SECONDS = 10;
  /**
   * Snapshot bytes that all views together may pin (each distinct rendered file counted
   * once per view that holds it open): N hostile sandboxes cannot pin N times a view's cap.
   */
  static final long MAX_SNAPSHOT_BYTES = 64L << 20;
  /** FUSE requests read from one view before the other views get their turn. */
  static final int READS_PER_WAKEUP = 8;

  private static final Logger LOG = Logger.getLogger(ProcViewServer.class.getName());
  private static final Object INIT_LOCK = new Object();
  private static volatile ProcViewServer instance;

  private final LibC libc = LibC.INSTANCE;
  private final Set<View> views = ConcurrentHashMap.newKeySet();
  private final FuseSession.Budget budget = new FuseSession.Budget(MAX_SNAPSHOT_BYTES);
  private final Reactor reactor;

  /** A server on a thread of its own named {@code threadName}; {@link #get()} outside tests. */
  ProcViewServer(String threadName) {
    this.reactor = Reactor.start(threadName, FuseCodec.READ_BUFFER_BYTES, READS_PER_WAKEUP, LOAD_SAMPLE_MILLIS,
        this::sampleLoads);
  }

  static ProcViewServer get() {
    ProcViewServer server = instance;
    if (server == null) {
      synchronized (INIT_LOCK) {
        server = instance;
        if (server == null) {
          server = new ProcViewServer(THREAD_NAME);
          instance = server;
        }
      }
    }
    return server;
  }

  /**
   * Takes {@code socketFd} (the JVM's end of the handover socket; it is the server's from
   * now on, also when this throws) and serves the view of {@code model} on the fd that
   * arrives on it. Throws at once, the socket closed, when the server's thread has stopped.
   */
  Handle serve(int socketFd, ProcViewModel model) {
    View view = null;
    try {
      if (reactor.dead()) {
        throw new IllegalStateException("the /proc view server's thread has stopped");
      }
      view = new View(ProcViewLive.live(model));
      view.socketFd = socketFd;
      views.add(view);
      reactor.watchReadiness(socketFd, view.socketWatcher);
    } catch (RuntimeException e) {
      libc.close(socketFd);
      if (view != null) {
        view.finish();
      }
      throw e;
    }
    return new Handle(view);
  }

  /** {@code /dev/fuse} is the character device 10:229 on every Linux. */
  private static final long FUSE_DEVICE = (10 << 8) | 229;
  private static final int S_IFMT = 0170000;
  private static final int S_IFCHR = 0020000;

  /**
   * Whether {@code fd} is an open {@code /dev/fuse}: the server reads and writes whatever
   * fd arrives, so it serves nothing else, whoever sent it. stat of {@code /proc/self/fd/N}
   * describes the open file itself, wherever it was opened.
   */
  static boolean isFuseDevice(int fd) {
    try {
      Map<String, Object> attributes = Files.readAttributes(Path.of("/proc/self/fd/" + fd), "unix:mode,rdev");
      int mode = (Integer) attributes.get("mode");
      long rdev = (Long) attributes.get("rdev");
      return (mode & S_IFMT) == S_IFCHR && rdev == FUSE_DEVICE;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Views not yet ended: waiting for their fd or serving it. For leak checks. */
  int activeCount() {
    return views.size();
  }

  /** Snapshot bytes pinned by open files of all views now; for leak checks. */
  long snapshotBytes() {
    return budget.used();
  }

  /** The server's reactor; for tests. */
  Reactor reactor() {
    return reactor;
  }

  private void sampleLoads() {
    for (View view : views) {
      if (view.fuseFd >= 0) {
        view.procView.sampleLoad();
      }
    }
  }

  /** The owner's end of one view: closing it ends the view. */
  final class Handle implements AutoCloseable {
    private final View view;

    private Handle(View view) {
      this.view = view;
    }

    /**
     * Asks the server to stop serving the view and returns at once, never waiting for the
     * server's thread: it closes the socket or the FUSE fd, whichever is open (the
     * sandbox's reads of its view then fail with ENOTCONN), as soon as the callback running
     * now, if any, returns. For threads that must not block, such as the status reactor.
     * Idempotent, callable from any thread; {@link #ended()} says when it is done.
     */
    void closeAsync() {
      if (view.closeRequested.compareAndSet(false, true)) {
        reactor.execute(view::shutdown);
      }
    }

    /**
     * As {@link #closeAsync()}, then waits until the fds are closed (up to 10 s; on the
     * server's own thread it cannot wait and returns at once). For a launch that failed:
     * nothing of it may outlive the call. Never call it where blocking delays others (the
     * status reactor): use {@link #closeAsync()} there.
     */
    @Override
    public void close() {
      closeAsync();
      if (reactor.inReactorThread()) {
        return;
      }
      boolean interrupted = false;
      try {
        while (true) {
          try {
            view.done.get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            return;
          } catch (InterruptedException e) {
            interrupted = true;
          } catch (ExecutionException e) {
            return;
          } catch (TimeoutException e) {
            LOG.log(Level.WARNING, "the /proc view server did not close a view in {0} s", CLOSE_WAIT_SECONDS);
            return;
          }
        }
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }

    /** Whether the view has ended (closed here, or by the kernel, or its socket). */
    boolean ended() {
      return view.done.isDone();
    }
  }

  /** One view's fds and protocol state; after serve, touched only on the server's thread. */
  private final class View {
    final ProcViewLive procView;
    final FuseSession session;
    final AtomicBoolean closeRequested = new AtomicBoolean();
    final CompletableFuture<Void> done = new CompletableFuture<>();
    int socketFd = -1;
    int fuseFd = -1;
    /** The fd received on the socket, between the message and the socket's close. */
    int receivedFd = -1;

    final Reactor.ReadinessWatcher socketWatcher = new Reactor.ReadinessWatcher() {
      @Override
      public boolean ready(int fd) {
        return receive(fd);
      }

      @Override
      public void closed() {
        socketClosed();
      }
    };

    final Reactor.Watcher fuseWatcher = new Reactor.Watcher() {
      @Override
      public void data(byte[] bytes, int length) {
        request(bytes, length);
      }

      @Override
      public void closed() {
        fuseFd = -1;
        finish();
      }
    };

    View(ProcViewLive procView) {
      this.procView = procView;
      this.session = new FuseSession(procView, budget);
    }

    /** The handover message, or EOF. Returns whether to keep waiting. */
    private boolean receive(int fd) {
      FdPassing.Received received = FdPassing.receive(fd);
      switch (received.kind) {
        case AGAIN:
          return true;
        case EOF:
          return false;
        case ERROR:
          LOG.log(Level.FINE, "the /proc view socket failed: {0}", Errno.name(received.errno));
          return false;
        default:
          break;
      }
      boolean valid = received.data.length == 1 && received.data[0] == HANDOVER && received.fds.size() == 1
          && !received.truncated;
      if (valid && isFuseDevice(received.fds.get(0))) {
        receivedFd = received.fds.get(0);
      } else {
        LOG.log(Level.WARNING, "the /proc view handover brought {0} data bytes and {1} fds{2}; the view ends",
            new Object[] {received.data.length, received.fds.size(), valid ? ", not /dev/fuse" : ""});
        received.fds.forEach(libc::close);
      }
      return false; // one message only: the socket is done either way
    }

    /** The socket is closed: serve the received fd, unless the view was closed meanwhile. */
    private void socketClosed() {
      socketFd = -1;
      int fd = receivedFd;
      receivedFd = -1;
      if (fd >= 0 && !closeRequested.get()) {
        try {
          reactor.watch(fd, fuseWatcher); // made non-blocking there
          fuseFd = fd;
          return;
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "cannot serve a /proc view", e);
        }
      }
      if (fd >= 0) {
        libc.close(fd);
      }
      finish();
    }

    private void request(byte[] bytes, int length) {
      byte[] reply = session.handle(bytes, length);
      if (reply == null) {
        return;
      }
      long written = libc.write(fuseFd, reply, reply.length);
      if (written < 0) {
        // ENOENT: the request was interrupted and is gone; ENODEV: the connection ended,
        // which the next read reports.
        LOG.log(Level.FINE, "FUSE reply not taken: {0}", Errno.name(LibC.errno()));
      }
    }

    /** On the server's thread: closes whichever fd is open; the watcher's closed() finishes. */
    void shutdown() {
      if (socketFd >= 0) {
        reactor.stop(socketFd, socketWatcher);
      } else if (fuseFd >= 0) {
        reactor.stop(fuseFd, fuseWatcher);
      }
    }

    void finish() {
      session.close(); // gives the snapshots' bytes back to the server's budget
      views.remove(this);
      done.complete(null);
    }
  }
}
