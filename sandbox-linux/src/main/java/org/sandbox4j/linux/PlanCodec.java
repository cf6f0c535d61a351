package org.sandbox4j.linux;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import org.sandbox4j.IdMapping;
import org.sandbox4j.LaunchPlan;
import org.sandbox4j.MountStep;
import org.sandbox4j.Capability;
import org.sandbox4j.Namespace;
import org.sandbox4j.SeccompPolicy;

/**
 * The binary form of a {@link LaunchPlan} the helper reads on fd 3; see
 * {@code docs/helper-protocol.md}. Stdio is not part of it: the spawn maps fds 0 to 2.
 * {@link #decode} exists for tests and diagnostics; the helper has its own decoder in C.
 */
final class PlanCodec {
  static final int MAGIC = 0x504A3453; // "S4JP" little-endian
  static final int VERSION = 1;
  static final int HEADER_SIZE = 16;
  static final int MAX_BODY = 4 * 1024 * 1024;

  static final int TAG_NAMESPACES = 1;
  static final int TAG_UID_MAP = 2;
  static final int TAG_GID_MAP = 3;
  static final int TAG_IDENTITY = 4;
  static final int TAG_HOSTNAME = 5;
  static final int TAG_MOUNT = 6;
  static final int TAG_WORKDIR = 7;
  static final int TAG_ARG = 8;
  static final int TAG_ENV = 9;
  static final int TAG_WALL_TIME_LIMIT = 10;
  static final int TAG_CGROUP = 11;
  static final int TAG_CPU_LIMIT = 12;
  static final int TAG_RLIMIT = 13;
  static final int TAG_SECURITY = 14;
  static final int TAG_SECCOMP = 15;
  static final int TAG_TIME_ORIGIN = 16;
  static final int SECURITY_NO_NEW_PRIVS = 1;
  static final int SECCOMP_NOTIFY = 1;
  /** The helper's bound on MOUNT records. */
  static final int MAX_MOUNTS = 256;
  /** The helper's bound on a FILE content, in bytes. */
  static final int MAX_FILE_CONTENT = 65536;
  /** The helper's bound on a VIEW_SNAPSHOT content, in bytes: /proc/cpuinfo of a host with hundreds of CPUs. */
  static final int MAX_VIEW_CONTENT = 1 << 20;
  /** A VIEW_LIVE source: the name of a file the live view serves. */
  private static final Pattern VIEW_NAME = Pattern.compile("[a-z0-9_]{1,32}");
  /** The tmpfs a cgroup v1 view is made of holds mount points and links only. */
  static final long CGROUP_VIEW_TMPFS_BYTES = 64 * 1024;

  /**
   * Kill rules compile to user notifications when the kernel can hand the listener to the
   * supervisor ({@code pidfd_getfd}, Linux 5.6): the supervisor then names the syscall.
   */
  static final boolean NOTIFY = Kernel.atLeast(5, 6);
  /** Compiled filters by policy: most runs reuse a handful of policies. */
  private static final java.util.concurrent.ConcurrentHashMap<SeccompPolicy, SeccompCompiler.Program> PROGRAMS =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** The run's cgroup as the helper needs it: where the program joins, where CPU usage is read. */
  static final class CgroupBinding {
    final int version;
    final List<String> directories;
    /**
     * Parallel to {@link #directories}: the hierarchy's directory name under the host's cgroup
     * mount root (v1: {@code memory}, {@code cpu,cpuacct}, ...; v2: one entry {@code ""}), the
     * names a {@link MountStep.Op#CGROUP_VIEW} shows them under. Empty: no view can be made.
     */
    final List<String> names;
    final String cpuUsageFile;
    final int cpuUsageFormat;
    /** How many CPUs the program can use at once, in thousandths: the CPU limit's check schedule. */
    final int cpusMilli;

    /** A binding without hierarchy names: a {@link MountStep.Op#CGROUP_VIEW} step is then dropped. */
    CgroupBinding(int version, List<String> directories, String cpuUsageFile, int cpuUsageFormat, int cpusMilli) {
      this(version, directories, cpuUsageFile, cpuUsageFormat, cpusMilli, List.of());
    }

    /**
     * @param names empty, or one per directory: the hierarchy's name (v1), {@code ""} (v2)
     * @throws IllegalArgumentException when the names do not fit the directories
     */
    CgroupBinding(int version, List<String> directories, String cpuUsageFile, int cpuUsageFormat, int cpusMilli,
        List<String> names) {
      this.version = version;
      this.directories = List.copyOf(directories);
      this.cpuUsageFile = cpuUsageFile;
      this.cpuUsageFormat = cpuUsageFormat;
      this.cpusMilli = cpusMilli;
      this.names = List.copyOf(names);
      if (!this.names.isEmpty()) {
        if (this.names.size() != this.directories.size()) {
          throw new IllegalArgumentException("cgroup binding: " + this.names.size() + " hierarchy names for "
              + this.directories.size() + " directories");
        }
        for (String name : this.names) {
          boolean valid = version == 2 ? name.isEmpty()
              : !name.isEmpty() && !name.contains("/") && !name.equals(".") && !name.equals("..")
                  && name.indexOf('\0') < 0 && !name.startsWith(",") && !name.endsWith(",") && !name.contains(",,");
          if (!valid) {
            throw new IllegalArgumentException("cgroup binding: bad hierarchy name '" + name + "' for version "
                + version);
          }
        }
      }
    }
  }

  /** What {@link #decode} read: the plan, and what the plan carries beyond a LaunchPlan. */
  static final class Decoded {
    final LaunchPlan plan;
    final Map<Integer, long[]> rlimits;
    final CgroupBinding cgroup;
    final long cpuLimitMicros;
    final int securityFlags;
    final long keptCapabilities;
    final int seccompFlags;
    final byte[] seccompProgram;
    /** TIME_ORIGIN: the host's boot-time clock at the run's start, in nanoseconds; empty without. */
    final OptionalLong timeOriginNanos;

    Decoded(LaunchPlan plan, Map<Integer, long[]> rlimits, CgroupBinding cgroup, long cpuLimitMicros,
        int securityFlags, long keptCapabilities, int seccompFlags, byte[] seccompProgram,
        OptionalLong timeOriginNanos) {
      this.plan = plan;
      this.rlimits = rlimits;
      this.cgroup = cgroup;
      this.cpuLimitMicros = cpuLimitMicros;
      this.securityFlags = securityFlags;
      this.keptCapabilities = keptCapabilities;
      this.seccompFlags = seccompFlags;
      this.seccompProgram = seccompProgram;
      this.timeOriginNanos = timeOriginNanos;
    }
  }

  private static final Map<Namespace, Integer> NAMESPACE_BITS = Map.of(
      Namespace.PID, 1, Namespace.MOUNT, 2, Namespace.UTS, 4, Namespace.IPC, 8,
      Namespace.NETWORK, 16, Namespace.USER, 32, Namespace.CGROUP, 64, Namespace.TIME, 128);

  private static final MountStep.Op[] OPS = {
    null, MountStep.Op.ROOT_BIND, MountStep.Op.ROOT_TMPFS, MountStep.Op.BIND, MountStep.Op.TMPFS,
    MountStep.Op.PROC, MountStep.Op.DIR, MountStep.Op.SYMLINK, MountStep.Op.FILE, MountStep.Op.MASK,
    MountStep.Op.READONLY_PATH, MountStep.Op.VIEW_SNAPSHOT, MountStep.Op.VIEW_LIVE, MountStep.Op.OVERLAY,
    MountStep.Op.DEVICE, MountStep.Op.ROOT_OVERLAY
  };

  private static final MountStep.Flag[] FLAGS = {
    MountStep.Flag.READ_ONLY, MountStep.Flag.NOSUID, MountStep.Flag.NODEV, MountStep.Flag.NOEXEC,
    MountStep.Flag.RECURSIVE, MountStep.Flag.CREATE_TARGET
  };

  private PlanCodec() {}

  static byte[] encode(LaunchPlan plan) {
    return encode(plan, null);
  }

  /**
   * The plan with the run's cgroup ({@code null}: none) for the helper.
   *
   * @throws IllegalArgumentException also for a plan with {@link Namespace#TIME}, which needs
   *     the run's time origin: {@link #encode(LaunchPlan, CgroupBinding, long)}
   */
  static byte[] encode(LaunchPlan plan, CgroupBinding cgroup) {
    if (plan.namespaces().contains(Namespace.TIME)) {
      throw new IllegalArgumentException("the time namespace needs the run's time origin (the host's boot-time"
          + " clock when the run started): encode it with encode(plan, cgroup, timeOriginNanos)");
    }
    return encode(plan, cgroup, -1);
  }

  /**
   * The plan with the run's cgroup ({@code null}: none) and, for a plan with
   * {@link Namespace#TIME}, the run's time origin: the host's {@code CLOCK_BOOTTIME} in
   * nanoseconds when the run started (ignored without the time namespace). A
   * {@link MountStep.Op#CGROUP_VIEW} step becomes the binds of the run's cgroup it stands for
   * (dropped without a cgroup or without its hierarchy names).
   *
   * @throws IllegalArgumentException for a plan the helper would refuse
   */
  static byte[] encode(LaunchPlan plan, CgroupBinding cgroup, long timeOriginNanos) {
    boolean time = plan.namespaces().contains(Namespace.TIME);
    if (time && timeOriginNanos < 0) {
      throw new IllegalArgumentException("the time namespace needs the run's time origin, not " + timeOriginNanos);
    }
    Body body = new Body();
    int bits = 0;
    for (Namespace ns : plan.namespaces()) {
      bits |= NAMESPACE_BITS.get(ns);
    }
    body.record(TAG_NAMESPACES, le(4).putInt(bits));
    for (IdMapping m : plan.uidMappings()) {
      body.record(TAG_UID_MAP, mapping(m));
    }
    for (IdMapping m : plan.gidMappings()) {
      body.record(TAG_GID_MAP, mapping(m));
    }
    if (plan.runAsUid().isPresent()) {
      body.record(TAG_IDENTITY, le(8).putInt((int) plan.runAsUid().getAsLong()).putInt((int) plan.runAsGid().getAsLong()));
    }
    plan.hostname().ifPresent(h -> body.record(TAG_HOSTNAME, h.getBytes(UTF_8)));
    List<MountStep> steps = expandCgroupViews(plan.mountSteps(), cgroup);
    if (steps.size() > MAX_MOUNTS) {
      throw new IllegalArgumentException("the launch plan has " + steps.size() + " mount steps, the helper takes at most "
          + MAX_MOUNTS);
    }
    for (MountStep step : steps) {
      body.record(TAG_MOUNT, mount(step));
    }
    body.record(TAG_WORKDIR, plan.workingDirectory().getBytes(UTF_8));
    for (String arg : plan.command()) {
      body.record(TAG_ARG, arg.getBytes(UTF_8));
    }
    for (String entry : plan.environment()) {
      body.record(TAG_ENV, entry.getBytes(UTF_8));
    }
    plan.wallTimeLimit().ifPresent(limit ->
        body.record(TAG_WALL_TIME_LIMIT, le(8).putLong(Math.max(1, limit.toNanos() / 1000))));
    long kept = 0;
    for (Capability c : plan.keptCapabilities()) {
      kept |= 1L << c.number();
    }
    body.record(TAG_SECURITY, le(12).putInt(SECURITY_NO_NEW_PRIVS).putLong(kept));
    plan.seccomp().ifPresent(policy -> {
      SeccompCompiler.Program program = PROGRAMS.computeIfAbsent(policy,
          p -> SeccompCompiler.compile(p, SyscallTable.forHost(), NOTIFY));
      if (PROGRAMS.size() > 64) {
        PROGRAMS.clear(); // a caller making new policies per run: do not grow without bound
      }
      byte[] instructions = program.instructions();
      body.record(TAG_SECCOMP, le(4 + instructions.length).putInt(program.usesNotify() ? SECCOMP_NOTIFY : 0)
          .put(instructions));
    });
    plan.limits().rlimits().forEach((resource, values) ->
        body.record(TAG_RLIMIT, le(20).putInt(resource.linuxNumber()).putLong(values[0]).putLong(values[1])));
    if (cgroup != null) {
      for (String directory : cgroup.directories) {
        byte[] path = directory.getBytes(UTF_8);
        body.record(TAG_CGROUP, le(4 + path.length).putInt(cgroup.version).put(path));
      }
      plan.limits().cpuTime().ifPresent(limit -> {
        byte[] path = cgroup.cpuUsageFile.getBytes(UTF_8);
        body.record(TAG_CPU_LIMIT, le(16 + path.length).putLong(Math.max(1, limit.toNanos() / 1000))
            .putInt(cgroup.cpusMilli).putInt(cgroup.cpuUsageFormat).put(path));
      });
    } else if (plan.limits().cpuTime().isPresent()) {
      throw new IllegalArgumentException("a CPU-time limit needs the run's cgroup");
    }
    if (time) {
      body.record(TAG_TIME_ORIGIN, le(8).putLong(timeOriginNanos));
    }
    byte[] bodyBytes = body.bytes.toByteArray();
    if (bodyBytes.length > MAX_BODY) {
      throw new IllegalArgumentException("the launch plan is " + bodyBytes.length + " bytes, the helper takes at most " + MAX_BODY);
    }
    ByteBuffer out = le(HEADER_SIZE + bodyBytes.length);
    out.putInt(MAGIC).putShort((short) VERSION).putShort((short) HEADER_SIZE).putInt(bodyBytes.length).putInt(0);
    out.put(bodyBytes);
    return out.array();
  }

  private static ByteBuffer mapping(IdMapping m) {
    return le(12).putInt((int) m.inside()).putInt((int) m.outside()).putInt((int) m.count());
  }

  /**
   * The steps with each {@link MountStep.Op#CGROUP_VIEW} replaced by what shows the run's
   * cgroup read-only at its target T. v2: a bind of the run cgroup on T. v1: a small tmpfs
   * on T with a bind of each hierarchy's run cgroup on T/name ({@code T/memory},
   * {@code T/cpu,cpuacct}, ...) and, as on the host, a link per component of a joined name
   * ({@code T/cpu -> cpu,cpuacct}). Without a cgroup or its hierarchy names the step is
   * dropped: there is nothing of the run's own to show.
   */
  static List<MountStep> expandCgroupViews(List<MountStep> steps, CgroupBinding cgroup) {
    if (steps.stream().noneMatch(s -> s.op() == MountStep.Op.CGROUP_VIEW)) {
      return steps;
    }
    List<MountStep> out = new ArrayList<>();
    Set<MountStep.Flag> bindFlags = EnumSet.of(MountStep.Flag.READ_ONLY, MountStep.Flag.NOSUID,
        MountStep.Flag.NODEV, MountStep.Flag.NOEXEC);
    for (MountStep step : steps) {
      if (step.op() != MountStep.Op.CGROUP_VIEW) {
        out.add(step);
        continue;
      }
      if (cgroup == null || cgroup.names.isEmpty()) {
        continue;
      }
      String t = step.target();
      Set<MountStep.Flag> own = EnumSet.copyOf(bindFlags);
      if (step.flags().contains(MountStep.Flag.CREATE_TARGET)) {
        own.add(MountStep.Flag.CREATE_TARGET);
      }
      if (cgroup.version == 2) {
        out.add(MountStep.of(MountStep.Op.BIND, cgroup.directories.get(0), t, own, 0, 0));
        continue;
      }
      // Read-only in the helper's final pass, after the mount points below were made in it.
      out.add(MountStep.of(MountStep.Op.TMPFS, "", t, own, 0555, CGROUP_VIEW_TMPFS_BYTES));
      Set<MountStep.Flag> inside = EnumSet.copyOf(bindFlags);
      inside.add(MountStep.Flag.CREATE_TARGET);
      Set<String> names = new HashSet<>(cgroup.names);
      Set<String> links = new LinkedHashSet<>();
      for (int i = 0; i < cgroup.directories.size(); i++) {
        String name = cgroup.names.get(i);
        out.add(MountStep.of(MountStep.Op.BIND, cgroup.directories.get(i), t + "/" + name, inside, 0, 0));
      }
      for (String name : cgroup.names) {
        if (!name.contains(",")) {
          continue;
        }
        for (String component : name.split(",")) {
          if (!names.contains(component) && links.add(component)) {
            out.add(MountStep.of(MountStep.Op.SYMLINK, name, t + "/" + component, EnumSet.noneOf(MountStep.Flag.class),
                0, 0));
          }
        }
      }
    }
    return out;
  }

  private static ByteBuffer mount(MountStep step) {
    byte[] source = step.source().getBytes(UTF_8);
    byte[] target = step.target().getBytes(UTF_8);
    int op = java.util.Arrays.asList(OPS).indexOf(step.op()); // wire codes are the documented ones
    if (op < 0) {
      throw new IllegalArgumentException("mount step " + step + " has no wire form");
    }
    boolean view = step.op() == MountStep.Op.VIEW_SNAPSHOT || step.op() == MountStep.Op.VIEW_LIVE;
    if (view && (step.mode() != 0 || step.sizeBytes() != 0)) {
      throw new IllegalArgumentException("view " + step.target() + ": mode and size must be 0 (a view file is always"
          + " 0444), not mode 0" + Integer.toOctalString(step.mode()) + " size " + step.sizeBytes());
    }
    if (step.op() == MountStep.Op.VIEW_SNAPSHOT
        && (source.length > MAX_VIEW_CONTENT || step.source().indexOf('\0') >= 0)) {
      throw new IllegalArgumentException("view " + step.target() + ": the content must be at most " + MAX_VIEW_CONTENT
          + " bytes without a NUL byte, not " + source.length + " bytes");
    }
    if (step.op() == MountStep.Op.VIEW_LIVE && !VIEW_NAME.matcher(step.source()).matches()) {
      throw new IllegalArgumentException("view " + step.target() + ": '" + step.source()
          + "' is not a live view file name (1..32 of a-z, 0-9, _)");
    }
    int flags = 0;
    for (int i = 0; i < FLAGS.length; i++) {
      if (step.flags().contains(FLAGS[i])) {
        flags |= 1 << i;
      }
    }
    return le(2 + 2 + 4 + 8 + 4 + source.length + 4 + target.length)
        .putShort((short) op).putShort((short) flags).putInt(step.mode()).putLong(step.sizeBytes())
        .putInt(source.length).put(source).putInt(target.length).put(target);
  }

  private static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static final class Body {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    void record(int tag, ByteBuffer payload) {
      record(tag, payload.array());
    }

    void record(int tag, byte[] payload) {
      ByteBuffer header = le(8).putShort((short) tag).putShort((short) 0).putInt(payload.length);
      bytes.writeBytes(header.array());
      bytes.writeBytes(payload);
    }
  }

  /**
   * Decodes what {@link #encode} wrote back into a plan (stdio left at its defaults).
   *
   * @throws IllegalArgumentException on anything malformed
   */
  static Decoded decode(byte[] message) {
    ByteBuffer in = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
    require(message.length >= HEADER_SIZE, "short header");
    require(in.getInt() == MAGIC, "bad magic");
    require(in.getShort() == VERSION, "unsupported version");
    require(in.getShort() == HEADER_SIZE, "bad header size");
    int bodyLength = in.getInt();
    require(bodyLength >= 0 && bodyLength <= MAX_BODY && bodyLength == message.length - HEADER_SIZE, "bad body length");
    require(in.getInt() == 0, "reserved header field is not zero");
    LaunchPlan.Builder plan = LaunchPlan.builder();
    List<String> command = new java.util.ArrayList<>();
    Map<Integer, long[]> rlimits = new java.util.TreeMap<>();
    List<String> cgroupDirectories = new java.util.ArrayList<>();
    int cgroupVersion = 0;
    long cpuLimit = 0;
    int cpusMilli = 0;
    int usageFormat = 0;
    String usageFile = null;
    int securityFlags = 0;
    long keptCapabilities = 0;
    int seccompFlags = 0;
    byte[] seccompProgram = null;
    OptionalLong timeOrigin = OptionalLong.empty();
    while (in.hasRemaining()) {
      require(in.remaining() >= 8, "truncated record header");
      int tag = in.getShort() & 0xFFFF;
      require(in.getShort() == 0, "record flags are not zero");
      int length = in.getInt();
      require(length >= 0 && length <= in.remaining(), "record length past the end");
      ByteBuffer payload = in.slice().order(ByteOrder.LITTLE_ENDIAN).limit(length);
      in.position(in.position() + length);
      switch (tag) {
        case TAG_NAMESPACES: {
          int bits = payload.getInt();
          Set<Namespace> namespaces = EnumSet.noneOf(Namespace.class);
          NAMESPACE_BITS.forEach((ns, bit) -> {
            if ((bits & bit) != 0) {
              namespaces.add(ns);
            }
          });
          plan.namespaces(namespaces);
          break;
        }
        case TAG_UID_MAP:
          plan.uidMapping(readMapping(payload));
          break;
        case TAG_GID_MAP:
          plan.gidMapping(readMapping(payload));
          break;
        case TAG_IDENTITY:
          plan.runAs(Integer.toUnsignedLong(payload.getInt()), Integer.toUnsignedLong(payload.getInt()));
          break;
        case TAG_HOSTNAME:
          plan.hostname(string(payload));
          break;
        case TAG_MOUNT:
          plan.mountStep(readMount(payload));
          break;
        case TAG_WORKDIR:
          plan.workingDirectory(string(payload));
          break;
        case TAG_ARG:
          command.add(string(payload));
          break;
        case TAG_ENV:
          plan.environmentEntry(string(payload));
          break;
        case TAG_WALL_TIME_LIMIT:
          plan.wallTimeLimit(Duration.ofNanos(payload.getLong() * 1000));
          break;
        case TAG_SECURITY:
          securityFlags = payload.getInt();
          keptCapabilities = payload.getLong();
          break;
        case TAG_SECCOMP:
          seccompFlags = payload.getInt();
          seccompProgram = new byte[payload.remaining()];
          payload.get(seccompProgram);
          break;
        case TAG_RLIMIT:
          rlimits.put(payload.getInt(), new long[] {payload.getLong(), payload.getLong()});
          break;
        case TAG_CGROUP:
          cgroupVersion = payload.getInt();
          cgroupDirectories.add(string(payload));
          break;
        case TAG_CPU_LIMIT:
          cpuLimit = payload.getLong();
          cpusMilli = payload.getInt();
          usageFormat = payload.getInt();
          usageFile = string(payload);
          break;
        case TAG_TIME_ORIGIN:
          require(length == 8 && timeOrigin.isEmpty(), "TIME_ORIGIN must be one record of 8 bytes");
          timeOrigin = OptionalLong.of(payload.getLong());
          require(timeOrigin.getAsLong() >= 0, "TIME_ORIGIN above 2^63-1");
          break;
        default:
          throw new IllegalArgumentException("unknown tag " + tag);
      }
    }
    CgroupBinding cgroup = cgroupDirectories.isEmpty() ? null
        : new CgroupBinding(cgroupVersion, cgroupDirectories, usageFile, usageFormat, cpusMilli);
    LaunchPlan decoded = plan.command(command).build();
    require(decoded.namespaces().contains(Namespace.TIME) == timeOrigin.isPresent(),
        "TIME_ORIGIN goes with the time namespace, and only with it");
    return new Decoded(decoded, rlimits, cgroup, cpuLimit, securityFlags, keptCapabilities, seccompFlags,
        seccompProgram, timeOrigin);
  }

  private static IdMapping readMapping(ByteBuffer payload) {
    return IdMapping.of(Integer.toUnsignedLong(payload.getInt()), Integer.toUnsignedLong(payload.getInt()),
        Integer.toUnsignedLong(payload.getInt()));
  }

  private static MountStep readMount(ByteBuffer payload) {
    int op = payload.getShort() & 0xFFFF;
    int bits = payload.getShort() & 0xFFFF;
    int mode = payload.getInt();
    long size = payload.getLong();
    int sourceLength = payload.getInt();
    String source = string(payload, sourceLength);
    String target = string(payload, payload.getInt());
    require(op >= 1 && op < OPS.length, "unknown mount op " + op);
    require(OPS[op] != MountStep.Op.VIEW_SNAPSHOT || sourceLength <= MAX_VIEW_CONTENT,
        "VIEW_SNAPSHOT content longer than " + MAX_VIEW_CONTENT + " bytes");
    require(OPS[op] != MountStep.Op.VIEW_LIVE || VIEW_NAME.matcher(source).matches(),
        "VIEW_LIVE source is not a view file name");
    Set<MountStep.Flag> flags = EnumSet.noneOf(MountStep.Flag.class);
    for (int i = 0; i < FLAGS.length; i++) {
      if ((bits & (1 << i)) != 0) {
        flags.add(FLAGS[i]);
      }
    }
    return MountStep.of(OPS[op], source, target, flags, mode, size);
  }

  private static String string(ByteBuffer payload) {
    return string(payload, payload.remaining());
  }

  private static String string(ByteBuffer payload, int length) {
    require(length >= 0 && length <= payload.remaining(), "string past the end of its record");
    byte[] bytes = new byte[length];
    payload.get(bytes);
    return new String(bytes, UTF_8);
  }

  private static void require(boolean condition, String problem) {
    if (!condition) {
      throw new IllegalArgumentException("malformed plan: " + problem);
    }
  }
}
