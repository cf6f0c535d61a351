package org.sandbox4j;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.Sets;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One step of building the sandbox's file system, as the helper carries it out. A
 * {@link LaunchPlan} lists them in order: a root step first, then mounts, directories,
 * links and files. Targets are paths inside the new root; bind sources are host paths.
 */
public final class MountStep {
  /** What a step does. */
  public enum Op {
    /** The new root is a bind mount of a host directory. */
    ROOT_BIND,
    /** The new root is an empty tmpfs, filled by later steps. */
    ROOT_TMPFS,
    /** Bind-mounts a host file or directory. */
    BIND,
    /** Mounts a tmpfs with a size limit. */
    TMPFS,
    /** Mounts a fresh procfs of the sandbox's PID namespace. */
    PROC,
    /** Creates a directory. */
    DIR,
    /** Creates a symbolic link; {@link #source()} is the link's text. */
    SYMLINK,
    /** Creates a regular file; {@link #source()} is its content. */
    FILE,
    /** Hides a path inside: an empty read-only tmpfs over a directory, /dev/null over a file. */
    MASK,
    /** Makes a path inside read-only by binding it onto itself. */
    READONLY_PATH,
    /**
     * Binds a file of fixed content read-only over a file inside (the static /proc view);
     * {@link #source()} is the content.
     */
    VIEW_SNAPSHOT,
    /**
     * Binds a file of the live view read-only over a file inside (the live /proc view, a FUSE
     * file system served by the JVM); {@link #source()} names the served file.
     */
    VIEW_LIVE,
    /** Shows the run's own cgroup, read-only, at the target (the run cgroup is known at start). */
    CGROUP_VIEW,
    /**
     * A host directory or regular file, read-only, in inodes of the sandbox's own: a read-only
     * overlay of the directory (of a file's parent directory, of which only the file is
     * bound). Locks ({@code flock}, {@code fcntl}) on it never meet those of the host or of
     * another sandbox. Like a non-recursive bind, it shows no submounts.
     */
    OVERLAY,
    /**
     * A character device node of the sandbox's own with the number of the host's node
     * {@link #source()}, bound over the target: made by the helper as root of the initial
     * user namespace, so locks on it never meet those of the host or of another sandbox.
     */
    DEVICE,
    /** The new root is a read-only overlay of a host directory (see {@link #OVERLAY}). */
    ROOT_OVERLAY
  }

  /** Options of a step. */
  public enum Flag {
    READ_ONLY("ro"),
    NOSUID("nosuid"),
    NODEV("nodev"),
    NOEXEC("noexec"),
    /** Bind submounts too. */
    RECURSIVE("rec"),
    /** Create a missing mount point; set only where the parent is a tmpfs the plan made. */
    CREATE_TARGET("mkpoint");

    private final String shortName;

    Flag(String shortName) {
      this.shortName = shortName;
    }
  }

  /** Content of a {@link Op#FILE} step is bounded: it is for small configuration files. */
  public static final int MAX_FILE_CONTENT = 65536;

  /** Content of a {@link Op#VIEW_SNAPSHOT} step is bounded too, higher: /proc/cpuinfo of a large host. */
  public static final int MAX_VIEW_CONTENT = 1 << 20;

  private final Op op;
  private final String source;
  private final String target;
  private final Set<Flag> flags;
  private final int mode;
  private final long sizeBytes;

  private MountStep(Op op, String source, String target, Set<Flag> flags, int mode, long sizeBytes) {
    this.op = requireNonNull(op, "op");
    this.source = requireNonNull(source, "source");
    this.target = InsidePath.check("mount step target", target);
    this.flags = Sets.immutableEnumSet(flags);
    checkArgument(mode >= 0 && mode <= 07777, "mode out of range: %s", Integer.toOctalString(mode));
    checkArgument(sizeBytes >= 0, "size must not be negative: %s", sizeBytes);
    boolean isRoot = op == Op.ROOT_BIND || op == Op.ROOT_TMPFS || op == Op.ROOT_OVERLAY;
    checkArgument(isRoot == target.equals("/"), "%s step cannot target %s", op, target);
    if (op == Op.FILE) {
      checkArgument(source.length() <= MAX_FILE_CONTENT, "file %s content longer than %s", target, MAX_FILE_CONTENT);
    } else if (op == Op.VIEW_SNAPSHOT) {
      checkArgument(source.length() <= MAX_VIEW_CONTENT, "view %s content longer than %s", target, MAX_VIEW_CONTENT);
    }
    this.mode = mode;
    this.sizeBytes = sizeBytes;
  }

  /**
   * A step; providers build plans of these.
   *
   * @param source the host path (bind steps), the link text (symlink), the content (file), or empty
   * @param mode permission bits of a created directory, tmpfs or file, else 0
   * @param sizeBytes the size limit of a tmpfs, 0 for the kernel's default or none
   */
  public static MountStep of(Op op, String source, String target, Set<Flag> flags, int mode, long sizeBytes) {
    return new MountStep(op, source, target, flags.isEmpty() ? EnumSet.noneOf(Flag.class) : EnumSet.copyOf(flags),
        mode, sizeBytes);
  }

  public Op op() {
    return op;
  }

  public String source() {
    return source;
  }

  public String target() {
    return target;
  }

  public Set<Flag> flags() {
    return flags;
  }

  public int mode() {
    return mode;
  }

  public long sizeBytes() {
    return sizeBytes;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof MountStep)) {
      return false;
    }
    MountStep m = (MountStep) o;
    return op == m.op && source.equals(m.source) && target.equals(m.target) && flags.equals(m.flags)
        && mode == m.mode && sizeBytes == m.sizeBytes;
  }

  @Override
  public int hashCode() {
    return Objects.hash(op, source, target, flags, mode, sizeBytes);
  }

  /** One line, e.g. {@code bind /usr -> /usr (ro,nosuid,nodev)}. */
  @Override
  public String toString() {
    String options = flags.stream().map(f -> f.shortName).collect(Collectors.joining(","));
    String extra = (mode != 0 ? " mode=" + Integer.toOctalString(mode) : "")
        + (sizeBytes != 0 ? " size=" + DataSize.ofBytes(sizeBytes) : "");
    String what;
    switch (op) {
      case ROOT_OVERLAY: case OVERLAY: what = "overlay " + source + " -> " + target + " (own inodes)"; break;
      case DEVICE: what = "device " + source + " -> " + target + " (own node)"; break;
      case ROOT_BIND: case BIND: what = op.name().toLowerCase() + " " + source + " -> " + target; break;
      case SYMLINK: what = "symlink " + target + " -> " + source; break;
      case FILE: what = "file " + target + " (" + source.length() + " bytes)"; break;
      case VIEW_SNAPSHOT: what = "view " + target + " (snapshot, " + source.length() + " bytes)"; break;
      case VIEW_LIVE: what = "view " + target + " (live: " + source + ")"; break;
      case CGROUP_VIEW: what = "cgroup view " + target + " (the run's cgroup, read-only)"; break;
      default: what = op.name().toLowerCase() + " " + target; break;
    }
    return what + extra + (options.isEmpty() ? "" : " (" + options + ")");
  }
}
