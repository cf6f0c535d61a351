package org.sandbox4j.linux;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One sandbox's {@code /proc} view: the files of {@link ProcViewFiles} over its model, live.
 * Confined to the server's thread, which serves every sandbox's view: what one view costs
 * there is bounded, however its sandbox reads it.
 *
 * <ul>
 *   <li>The cgroup's counters (memory, swap, CPU time) are reread at most every
 *       {@link #CACHE_NANOS}, the tasks' states (a file per task: only {@code stat} and
 *       {@code loadavg} show them) at most every {@link #TASKS_CACHE_NANOS}, and each file
 *       that needs neither never rereads them.
 *   <li>A reading serves from when it is done, for at least {@value #COST_FACTOR} times
 *       what it cost: a reading that got slow (a loaded host, many tasks) is repeated less
 *       often: a view's readings take a bounded share of the thread (a fifth for each kind at
 *       most), however slow they get. A failed reading counts the same: the last good one
 *       serves meanwhile.
 *   <li>Each file is rendered once per reading (once per 10 ms at most for those that
 *       move with the clock), and every open served the same bytes meanwhile.
 * </ul>
 */
final class ProcViewLive implements FuseSession.FileSystem {
  /** The shortest time one reading of the cgroup's counters serves every open. */
  static final long CACHE_NANOS = 10_000_000L;
  /** The shortest time one reading of the tasks' states serves {@code stat} and {@code loadavg}. */
  static final long TASKS_CACHE_NANOS = 1_000_000_000L;
  /** A reading serves at least this many times its own cost. */
  static final int COST_FACTOR = 4;

  private static final Logger LOG = Logger.getLogger(ProcViewLive.class.getName());
  private static final List<String> NAMES;
  private static final ProcViewFiles.File[] FILES = ProcViewFiles.File.values();

  static {
    List<String> names = new ArrayList<>();
    for (ProcViewFiles.File file : FILES) {
      names.add(file.fileName);
    }
    NAMES = List.copyOf(names);
  }

  /** The host facts a render uses; {@link ProcViewHost#current()} outside tests. */
  interface HostFacts {
    ProcViewHost get() throws IOException;
  }

  /** One cached reading: the value and until when it serves (boot clock). */
  private static final class Cached<T> {
    T value;
    boolean read;
    long validUntil;

    Cached(T initial) {
      value = initial;
    }

    boolean fresh(long now) {
      return read && now - validUntil < 0;
    }

    /** Stamps a reading that took from {@code start} to {@code end}: valid from its end. */
    void stamp(long start, long end, long minimumNanos) {
      long cost = Math.max(0, end - start);
      long lifetime = Math.max(minimumNanos, cost > Long.MAX_VALUE / COST_FACTOR ? Long.MAX_VALUE / 2
          : Math.min(Long.MAX_VALUE / 2, cost * COST_FACTOR));
      read = true;
      validUntil = end + lifetime;
    }
  }

  private final ProcViewModel model;
  private final HostFacts host;
  private final LongSupplier bootClock;
  private final ProcViewLoad load;
  private final Cached<ProcViewReadings> counters = new Cached<>(ProcViewReadings.NONE);
  private final Cached<ProcViewReadings.Tasks> tasks = new Cached<>(ProcViewReadings.Tasks.NONE);
  private final Map<ProcViewFiles.File, Rendered> rendered = new EnumMap<>(ProcViewFiles.File.class);

  /** One rendered file and what it was rendered from (null where the file does not use it). */
  private static final class Rendered {
    final ProcViewReadings counters;
    final ProcViewReadings.Tasks tasks;
    final Object host;
    final int requesterPid;
    final long at;
    final byte[] bytes;

    Rendered(ProcViewReadings counters, ProcViewReadings.Tasks tasks, Object host, int requesterPid, long at,
        byte[] bytes) {
      this.counters = counters;
      this.tasks = tasks;
      this.host = host;
      this.requesterPid = requesterPid;
      this.at = at;
      this.bytes = bytes;
    }
  }

  ProcViewLive(ProcViewModel model, HostFacts host, LongSupplier bootClock) {
    this.model = model;
    this.host = host;
    this.bootClock = bootClock;
    this.load = new ProcViewLoad(model.originBootNanos());
  }

  /** A live view: the host read through {@link ProcViewHost#current()}, time from CLOCK_BOOTTIME. */
  static ProcViewLive live(ProcViewModel model) {
    return new ProcViewLive(model, ProcViewHost::current, Kernel::bootTimeNanos);
  }

  ProcViewModel model() {
    return model;
  }

  @Override
  public List<String> fileNames() {
    return NAMES;
  }

  @Override
  public long timeSeconds() {
    return model.startEpochSeconds();
  }

  /**
   * The file's content now. The same bytes serve every open while what they were rendered
   * from is current (and, for a file that moves with the clock, for 10 ms at most); stat and
   * loadavg also depend on who asks (the reader counts as running).
   */
  @Override
  public byte[] render(int index, int requesterPid) {
    ProcViewFiles.File file = FILES[index];
    ProcViewReadings r = file.usesCounters() ? counters() : null;
    ProcViewReadings.Tasks t = file.usesTasks() ? tasks() : null;
    ProcViewHost facts = file.usesHost() ? hostFacts(file) : null;
    // cpuinfo is current while the host's text is (the host object is renewed as its totals are reread).
    Object hostKey = file == ProcViewFiles.File.CPUINFO ? facts.cpuinfo() : facts;
    int requester = file.usesRequester() ? requesterPid : 0;
    long now = bootClock.getAsLong();
    Rendered cached = rendered.get(file);
    if (cached != null && cached.counters == r && cached.tasks == t && cached.host == hostKey
        && cached.requesterPid == requester && (!file.usesTime() || now - cached.at < CACHE_NANOS)) {
      return cached.bytes;
    }
    ProcViewReadings from = r == null ? ProcViewReadings.NONE : r;
    if (t != null) {
      from = from.withTasks(t);
    }
    byte[] bytes = ProcViewFiles.render(file, model, from, facts, now, load, requesterPid).getBytes(UTF_8);
    rendered.put(file, new Rendered(r, t, hostKey, requester, now, bytes));
    return bytes;
  }

  private ProcViewHost hostFacts(ProcViewFiles.File file) {
    try {
      return host.get(); // the totals reread at most once a second, cpuinfo far less often
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the host facts for " + file.fileName + ": " + e.getMessage(), e);
    }
  }

  /** The cgroup's counters; a failed read keeps the last good one (the run cgroup is removed as the run ends). */
  private ProcViewReadings counters() {
    long start = bootClock.getAsLong();
    if (model.source().isEmpty() || counters.fresh(start)) {
      return counters.value;
    }
    try {
      counters.value = model.source().get().viewReadings();
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.FINE, "the view keeps its last readings", e);
    }
    counters.stamp(start, bootClock.getAsLong(), CACHE_NANOS);
    return counters.value;
  }

  /** The tasks' states, as {@link #counters()}. */
  private ProcViewReadings.Tasks tasks() {
    long start = bootClock.getAsLong();
    if (model.source().isEmpty() || tasks.fresh(start)) {
      return tasks.value;
    }
    readTasks(start);
    return tasks.value;
  }

  private boolean readTasks(long start) {
    boolean ok = false;
    try {
      tasks.value = model.source().get().viewTasks();
      ok = true;
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.FINE, "the view keeps its last tasks", e);
    }
    tasks.stamp(start, bootClock.getAsLong(), TASKS_CACHE_NANOS);
    return ok;
  }

  /**
   * The server's 5-second sample of the load average, also while nobody reads the view. It
   * reads the tasks anew unless a reading is still fresh, and that reading then serves stat
   * and loadavg too.
   */
  void sampleLoad() {
    if (model.source().isEmpty()) {
      return;
    }
    long start = bootClock.getAsLong();
    if (!tasks.fresh(start) && !readTasks(start)) {
      return; // no sample from a stale count
    }
    load.advance(bootClock.getAsLong(), tasks.value.active());
  }
}
