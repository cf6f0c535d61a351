package org.sandbox4j.linux;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.byref.IntByReference;
import org.sandbox4j.LaunchPlan;
import org.sandbox4j.MountStep;
import org.sandbox4j.ProcView;
import org.sandbox4j.SandboxLaunchException;
import org.sandbox4j.ResourceUsage;
import org.sandbox4j.SandboxResult;
import org.sandbox4j.Termination;
import org.sandbox4j.spi.ProcessControl;

/**
 * One spawned helper and the sandbox it supervises. Spawns with {@code posix_spawn}
 * (never a fork of the JVM), hands over the plan on fd 3 and keeps its write end open so
 * the helper notices when the JVM dies, reads STARTED or the stage error synchronously,
 * then leaves the status pipe to the {@link Reactor}.
 *
 * <p>Signals go to the helper's pid only while it is unreaped: the pid cannot be reused
 * before {@code waitpid}, which happens under the same lock.
 */
final class HelperProcess implements ProcessControl {
  /** {@code posix_spawn_file_actions_t} is 80 bytes and {@code posix_spawnattr_t} 336 in glibc. */
  private static final int SPAWN_STRUCT_BYTES = 512;
  private static final int SIGSET_BYTES = 128;
  private static final long CLOSE_GRACE_SECONDS = 10;

  private static final Logger LOG = Logger.getLogger(HelperProcess.class.getName());

  private final LibC libc = LibC.INSTANCE;
  private final Object lock = new Object();
  private final CompletableFuture<SandboxResult> result = new CompletableFuture<>();
  private final StatusParser status = new StatusParser();
  private int helperPid;
  private boolean reaped;
  private int planWriteFd = -1;
  private OutputStream stdin;
  private InputStream stdout;
  private InputStream stderr;
  private boolean closed;
  private RunCgroup cgroup;
  private boolean seccomp;
  private OutputBudget outputBudget;
  private ProcView procView = ProcView.OFF;
  /** The JVM's end of a live /proc view, served on the view thread; closed with the run. */
  private ProcViewServer.Handle liveView;
  private List<String> unenforced = List.of();

  private HelperProcess() {}

  /** Starts a plan without a cgroup (the plan must not need one). */
  static HelperProcess start(LaunchPlan plan, String helperPath) throws SandboxLaunchException {
    return start(plan, helperPath, null);
  }

  /** Starts a plan in a run cgroup of {@code cgroups}, when given. */
  static HelperProcess start(LaunchPlan plan, String helperPath, CgroupDriver cgroups) throws SandboxLaunchException {
    return start(plan, helperPath, cgroups, List.of());
  }

  /**
   * Starts a plan in a run cgroup of {@code cgroups}, when given; {@code unenforced} names the
   * limits the caller asked for that this plan goes without (the result lists them).
   */
  static HelperProcess start(LaunchPlan plan, String helperPath, CgroupDriver cgroups, List<String> unenforced)
      throws SandboxLaunchException {
    HelperProcess process = new HelperProcess();
    process.unenforced = List.copyOf(unenforced);
    process.launch(plan, helperPath, cgroups);
    return process;
  }

  private void launch(LaunchPlan plan, String helperPath, CgroupDriver cgroups) throws SandboxLaunchException {
    seccomp = plan.seccomp().isPresent();
    procView = plan.procView();
    boolean live = plan.mountSteps().stream().anyMatch(step -> step.op() == MountStep.Op.VIEW_LIVE);
    if (live && cgroups == null) {
      throw new SandboxLaunchException("proc view", "", 0, "",
          "the live /proc view reads the run cgroup, and this launch has none: choose procView(ProcView.STATIC)");
    }
    // The run's origin on the boot clock: the time namespace's zero and the view's uptime.
    long origin = Kernel.bootTimeNanos();
    if (cgroups != null) {
      cgroup = cgroups.create(plan.limits());
    }
    byte[] message;
    ProcViewModel viewModel = null;
    try {
      PlanCodec.CgroupBinding binding = null;
      if (cgroup != null) {
        List<String> directories = new ArrayList<>();
        cgroup.directories().forEach(d -> directories.add(d.toString()));
        int cpusMilli = (int) Math.max(1, Math.min(1 << 20, Math.round(cgroups.parallelism(plan.limits()) * 1000)));
        binding = new PlanCodec.CgroupBinding(cgroup.version(), directories, cgroup.cpuUsageFile().toString(),
            cgroup.cpuUsageFormat(), cpusMilli, cgroup.hierarchyNames());
      }
      message = PlanCodec.encode(plan, binding, origin);
      if (live) {
        viewModel = ProcViewModel.of(plan.limits(), cgroup, origin);
      }
    } catch (IllegalArgumentException | ArithmeticException e) {
      destroyCgroup(); // nothing else exists yet
      throw new SandboxLaunchException("plan", "", 0, "", e.getMessage(), e);
    }
    List<Integer> childEnds = new ArrayList<>();
    List<Integer> parentEnds = new ArrayList<>();
    int statusReadFd = -1;
    boolean launched = false;
    try {
      int[] planPipe = pipe("plan pipe");
      childEnds.add(planPipe[0]);
      planWriteFd = planPipe[1];
      int[] statusPipe = pipe("status pipe");
      childEnds.add(statusPipe[1]);
      statusReadFd = statusPipe[0];
      int viewSocket = -1;
      if (live) {
        int[] pair = viewSocketPair();
        childEnds.add(pair[1]);
        viewSocket = pair[1];
        parentEnds.add(pair[0]); // until the server owns it
        // Served from now on: the helper's init blocks on the view's first lookup while
        // this thread still waits for STARTED.
        try {
          ProcViewServer server = ProcViewServer.get();
          parentEnds.remove(Integer.valueOf(pair[0])); // serve() owns it, even when it throws
          liveView = server.serve(pair[0], viewModel);
        } catch (RuntimeException e) {
          throw new SandboxLaunchException("proc view", "", 0, "", "cannot serve the live /proc view: " + e, e);
        }
      }

      Runtime runtime = Runtime.getRuntime(libc);
      Pointer actions = Memory.allocateDirect(runtime, SPAWN_STRUCT_BYTES);
      Pointer attributes = Memory.allocateDirect(runtime, SPAWN_STRUCT_BYTES);
      libc.posix_spawn_file_actions_init(actions);
      libc.posix_spawnattr_init(attributes);
      try {
        int[] stdinPipe = stdio(actions, 0, plan.stdin(), true, childEnds, parentEnds);
        int[] stdoutPipe = stdio(actions, 1, plan.stdout(), false, childEnds, parentEnds);
        int[] stderrPipe = null;
        if (plan.redirectErrorStream()) {
          check(libc.posix_spawn_file_actions_adddup2(actions, 1, 2), "spawn stdio", "fd 2");
        } else {
          stderrPipe = stdio(actions, 2, plan.stderr(), false, childEnds, parentEnds);
        }
        check(libc.posix_spawn_file_actions_adddup2(actions, planPipe[0], 3), "spawn", "fd 3");
        check(libc.posix_spawn_file_actions_adddup2(actions, statusPipe[1], 4), "spawn", "fd 4");
        if (viewSocket >= 0) {
          check(libc.posix_spawn_file_actions_adddup2(actions, viewSocket, 5), "spawn", "fd 5");
        }
        cleanSignals(runtime, attributes);

        IntByReference pid = new IntByReference();
        int error = libc.posix_spawn(pid, helperPath, actions, attributes,
            new String[] {"sandbox4j-helper"}, new String[0]);
        if (error != 0) {
          throw new SandboxLaunchException("spawn helper", helperPath, error, Errno.name(error),
              error == 13 ? "the helper cannot be executed here (noexec?); set -D" + HelperBinary.PROPERTY : "");
        }
        helperPid = pid.intValue();
        if (stdinPipe != null) {
          stdin = new BufferedOutputStream(reopen(stdinPipe[1], FileOutputStream::new, parentEnds));
        }
        OutputBudget budget = plan.limits().output()
            .map(limit -> new OutputBudget(limit.toBytes(), () -> signal(LibC.SIGUSR2))).orElse(null);
        outputBudget = budget;
        if (stdoutPipe != null) {
          stdout = budgeted(reopen(stdoutPipe[0], FileInputStream::new, parentEnds), budget);
        }
        if (stderrPipe != null) {
          stderr = budgeted(reopen(stderrPipe[0], FileInputStream::new, parentEnds), budget);
        }
      } finally {
        libc.posix_spawn_file_actions_destroy(actions);
        libc.posix_spawnattr_destroy(attributes);
        childEnds.forEach(libc::close);
        childEnds.clear();
      }

      writePlan(message);
      awaitStart(statusReadFd);
      Reactor.get().watch(statusReadFd, new Reactor.Watcher() {
        @Override
        public void data(byte[] bytes, int length) {
          status.accept(bytes, length);
        }

        @Override
        public void closed() {
          finish();
        }
      });
      launched = true; // from here on the reactor owns the status pipe
    } finally {
      if (!launched) {
        childEnds.forEach(libc::close);
        parentEnds.forEach(libc::close); // pipe ends no stream took over yet
        if (statusReadFd >= 0) {
          libc.close(statusReadFd);
        }
        abandon();
      }
    }
  }

  private static InputStream budgeted(InputStream in, OutputBudget budget) {
    return new BufferedInputStream(budget == null ? in : budget.count(in));
  }

  /**
   * Maps one stdio fd; returns the pipe when it is one. Both ends are recorded at once, so
   * that a failure before a stream takes the parent's end over still closes it.
   */
  private int[] stdio(Pointer actions, int fd, Redirect redirect, boolean input, List<Integer> childEnds,
      List<Integer> parentEnds) throws SandboxLaunchException {
    String what = "fd " + fd;
    switch (redirect.type()) {
      case PIPE: {
        int[] pipe = pipe("stdio pipe");
        int childEnd = input ? pipe[0] : pipe[1];
        childEnds.add(childEnd);
        parentEnds.add(input ? pipe[1] : pipe[0]);
        check(libc.posix_spawn_file_actions_adddup2(actions, childEnd, fd), "spawn stdio", what);
        return pipe;
      }
      case INHERIT:
        return null; // the JVM's own fd 0..2 is not close-on-exec and passes through
      case READ:
        addOpen(actions, fd, redirect, LibC.O_RDONLY);
        return null;
      case WRITE:
        addOpen(actions, fd, redirect, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_TRUNC);
        return null;
      case APPEND:
        addOpen(actions, fd, redirect, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND);
        return null;
      default:
        throw new IllegalArgumentException("unknown redirect " + redirect);
    }
  }

  private void addOpen(Pointer actions, int fd, Redirect redirect, int flags) throws SandboxLaunchException {
    String path = redirect.file().getAbsolutePath();
    check(libc.posix_spawn_file_actions_addopen(actions, fd, path, flags, 0666), "spawn stdio", path);
  }

  /** The helper starts with every signal at its default and none blocked, whatever this thread had. */
  private void cleanSignals(Runtime runtime, Pointer attributes) throws SandboxLaunchException {
    Pointer none = Memory.allocateDirect(runtime, SIGSET_BYTES);
    Pointer all = Memory.allocateDirect(runtime, SIGSET_BYTES);
    libc.sigemptyset(none);
    libc.sigfillset(all);
    libc.sigdelset(all, LibC.SIGKILL);
    libc.sigdelset(all, LibC.SIGSTOP);
    check(libc.posix_spawnattr_setsigmask(attributes, none), "spawn", "signal mask");
    check(libc.posix_spawnattr_setsigdefault(attributes, all), "spawn", "signal defaults");
    check(libc.posix_spawnattr_setflags(attributes,
        (short) (LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF)), "spawn", "flags");
  }

  /** fd 5 of a helper with a live view: the socket it sends the FUSE connection up. */
  private int[] viewSocketPair() throws SandboxLaunchException {
    int[] fds = new int[2];
    if (libc.socketpair(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0, fds) != 0) {
      int errno = LibC.errno();
      throw new SandboxLaunchException("proc view", "socketpair", errno, Errno.name(errno),
          "cannot create the socket the live view's FUSE connection is passed over");
    }
    return fds;
  }

  private int[] pipe(String what) throws SandboxLaunchException {
    int[] fds = new int[2];
    if (libc.pipe2(fds, LibC.O_CLOEXEC) != 0) {
      int errno = LibC.errno();
      throw new SandboxLaunchException("create " + what, "", errno, Errno.name(errno), "");
    }
    // Keep the spawn's dup2 targets (0..4) free of collisions with its sources.
    for (int i = 0; i < 2; i++) {
      if (fds[i] <= 4) {
        int moved = libc.fcntl(fds[i], LibC.F_DUPFD_CLOEXEC, 5);
        libc.close(fds[i]);
        fds[i] = moved;
      }
    }
    return fds;
  }

  private static void check(int error, String stage, String what) throws SandboxLaunchException {
    if (error != 0) {
      throw new SandboxLaunchException(stage, what, error, Errno.name(error), "");
    }
  }

  /** Opens a stream on a path; {@code FileInputStream::new} or {@code FileOutputStream::new}. */
  private interface StreamOpener<T extends Closeable> {
    T open(String path) throws IOException;
  }

  /**
   * A real JDK stream on a pipe end: opening {@code /proc/self/fd/N} of a pipe opens the
   * same pipe again, and the JDK then owns closing it; {@code N} itself is closed here.
   */
  private <T extends Closeable> T reopen(int fd, StreamOpener<T> opener, List<Integer> parentEnds)
      throws SandboxLaunchException {
    String path = "/proc/self/fd/" + fd;
    try {
      T stream = opener.open(path);
      parentEnds.remove(Integer.valueOf(fd)); // the stream owns the pipe now
      libc.close(fd);
      return stream;
    } catch (IOException e) {
      throw new SandboxLaunchException("open stdio pipe", path, 0, "", e.toString(), e);
    }
  }

  private void writePlan(byte[] message) {
    int offset = 0;
    while (offset < message.length) {
      byte[] rest = offset == 0 ? message : java.util.Arrays.copyOfRange(message, offset, message.length);
      long n = libc.write(planWriteFd, rest, rest.length);
      if (n < 0 && LibC.errno() == LibC.EINTR) {
        continue;
      }
      if (n <= 0) {
        return; // the helper died early; its status pipe says why
      }
      offset += (int) n;
    }
  }

  /** Reads status records until the program runs or setup failed. */
  private void awaitStart(int statusReadFd) throws SandboxLaunchException {
    byte[] buffer = new byte[4096];
    while (!status.started() && status.result() == null) {
      long n = libc.read(statusReadFd, buffer, buffer.length);
      if (n < 0 && LibC.errno() == LibC.EINTR) {
        continue;
      }
      if (n <= 0) {
        break;
      }
      status.accept(buffer, (int) n);
    }
    if (status.started()) {
      return;
    }
    int wait = reap();
    if (status.stageError() != null) {
      throw status.stageError();
    }
    throw new SandboxLaunchException("helper", "", 0, "",
        "the helper ended before the program started (" + describeWaitStatus(wait) + ")");
  }

  private static String describeWaitStatus(int wait) {
    return (wait & 0x7f) == 0 ? "exit status " + ((wait >> 8) & 0xff) : "killed by signal " + (wait & 0x7f);
  }

  /** Waits for the helper (it is exiting or has exited) and marks its pid as gone. */
  private int reap() {
    synchronized (lock) {
      if (reaped) {
        return 0;
      }
      int[] wait = new int[1];
      while (libc.waitpid(helperPid, wait, 0) < 0 && LibC.errno() == LibC.EINTR) {
        // retry
      }
      reaped = true;
      return wait[0];
    }
  }

  /**
   * On the reactor thread, after the status pipe's EOF: the helper is done. Reading the
   * cgroup's account and removing it happen on the common pool, not on the reactor.
   */
  private void finish() {
    int wait = reap();
    closePlanPipe();
    closeLiveView(false);
    SandboxResult helperResult = status.result();
    if (status.stageError() != null) {
      // After STARTED only a limit that became unenforceable (e.g. an unreadable CPU usage
      // file) ends a run this way; the result says SETUP_FAILED, the log says why.
      LOG.log(Level.WARNING, "sandbox ended by the helper: " + status.stageError().getMessage());
    }
    ForkJoinPool.commonPool().execute(() -> {
      try {
        ResourceUsage usage = cgroup == null ? null : cgroup.usage();
        destroyCgroup();
        if (helperResult == null) {
          result.completeExceptionally(new IOException(
              "the sandbox helper ended without a result (" + describeWaitStatus(wait) + ")"));
        } else {
          result.complete(account(helperResult, usage, seccomp, outputBudget != null && outputBudget.exceeded(),
              procView, unenforced));
        }
      } catch (IOException | RuntimeException e) {
        destroyCgroup();
        result.completeExceptionally(e);
      }
    });
  }

  /**
   * The helper's verdict with the cgroup's account. The OOM killer's counter is the fact
   * behind MEMORY_LIMIT: a program the helper saw exit or die after an OOM kill in its
   * cgroup ran out of memory, whatever its status says.
   */
  private static SandboxResult account(SandboxResult helperResult, ResourceUsage usage, boolean seccomp,
      boolean outputExceeded, ProcView procView, List<String> unenforced) {
    Termination termination = helperResult.termination();
    boolean byProgram = termination == Termination.EXITED || termination == Termination.SIGNALED;
    if (byProgram && outputExceeded) {
      // The JVM counted more than the limit before it told the helper; the program may
      // have died first of its own (SIGPIPE once the reader stopped), but the cause stands.
      termination = Termination.OUTPUT_LIMIT;
    } else if (byProgram && usage != null && usage.oomKills() > 0) {
      termination = Termination.MEMORY_LIMIT;
    } else if (termination == Termination.SIGNALED && seccomp && helperResult.signal() == SIGSYS) {
      // A kill rule compiled without user notification (an older kernel): the kernel's
      // SIGSYS is the fact, the syscall is not known.
      termination = Termination.SECCOMP_VIOLATION;
    }
    SandboxResult.Builder result = SandboxResult.builder(termination).exitCode(helperResult.exitCode())
        .signal(helperResult.signal()).wallTimeMicros(helperResult.wallTimeMicros()).usage(usage).procView(procView)
        .unenforcedLimits(unenforced);
    helperResult.seccompViolation().ifPresent(result::seccompViolation);
    if (termination == Termination.SECCOMP_VIOLATION && helperResult.seccompViolation().isEmpty()) {
      result.seccompViolation("unknown");
    }
    return result.build();
  }

  private static final int SIGSYS = 31;

  /** Kills whatever is left in the run cgroup and removes it; a failure is logged, not thrown. */
  private void destroyCgroup() {
    RunCgroup run;
    synchronized (lock) {
      run = cgroup;
      cgroup = null;
    }
    if (run != null) {
      run.destroyQuietly();
    }
  }

  private void closePlanPipe() {
    synchronized (lock) {
      if (planWriteFd >= 0) {
        libc.close(planWriteFd);
        planWriteFd = -1;
      }
    }
  }

  /**
   * Stops serving the live view; the kernel has usually ended the connection already. On the
   * status reactor ({@code wait} false) without waiting for the view thread, which may be busy
   * with another sandbox's view: exit detection must never wait for it.
   */
  private void closeLiveView(boolean wait) {
    ProcViewServer.Handle view;
    synchronized (lock) {
      view = liveView;
      liveView = null;
    }
    if (view != null && wait) {
      view.close();
    } else if (view != null) {
      view.closeAsync();
    }
  }

  /** After a failed launch: nothing may outlive it. Closing fd 3 makes the helper kill all. */
  private void abandon() {
    closePlanPipe();
    closeLiveView(true);
    quietly(stdin);
    quietly(stdout);
    quietly(stderr);
    if (helperPid > 0) {
      signal(LibC.SIGKILL);
      reap();
    }
    destroyCgroup(); // after the helper: whatever it had started dies with the cgroup
  }

  private void signal(int signal) {
    synchronized (lock) {
      if (!reaped && helperPid > 0) {
        libc.kill(helperPid, signal);
      }
    }
  }

  @Override
  public OutputStream stdin() {
    return stdin != null ? stdin : NullStreams.OUTPUT;
  }

  @Override
  public InputStream stdout() {
    return stdout != null ? stdout : NullStreams.INPUT;
  }

  @Override
  public InputStream stderr() {
    return stderr != null ? stderr : NullStreams.INPUT;
  }

  @Override
  public long pid() {
    return status.targetPid();
  }

  @Override
  public CompletableFuture<SandboxResult> result() {
    return result;
  }

  @Override
  public Optional<ResourceUsage> usage() {
    RunCgroup run;
    synchronized (lock) {
      run = cgroup;
    }
    if (run == null || result.isDone()) {
      return Optional.empty();
    }
    try {
      return Optional.of(run.usage());
    } catch (IOException | RuntimeException gone) {
      return Optional.empty(); // the run ended while it was read
    }
  }

  @Override
  public void terminate() {
    signal(LibC.SIGTERM);
  }

  @Override
  public void kill() {
    signal(LibC.SIGUSR1);
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    quietly(stdin);
    if (!result.isDone()) {
      kill();
    }
    boolean interrupted = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_GRACE_SECONDS);
    while (true) {
      try {
        result.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      } catch (ExecutionException e) {
        break;
      } catch (TimeoutException e) {
        // The supervisor did not answer: kill it; init's parent-death signal takes the rest.
        signal(LibC.SIGKILL);
        deadline = Long.MAX_VALUE;
      }
    }
    quietly(stdout);
    quietly(stderr);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static void quietly(Closeable closeable) {
    if (closeable != null) {
      try {
        closeable.close();
      } catch (IOException ignored) {
        // closing a pipe end cannot fail in a way the caller could act on
      }
    }
  }
}
