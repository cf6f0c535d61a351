package org.sandbox4j;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/** One extra file system the program sees: a bind mount of host data or a tmpfs. */
public final class Mount {
  /** What is mounted. */
  public enum Kind {
    /** A host file or directory, mounted at a path inside. */
    BIND,
    /** An empty memory-backed file system with a size limit. */
    TMPFS
  }

  private final Kind kind;
  private final Path source;
  private final String target;
  private final Access access;
  private final DataSize size;

  private Mount(Kind kind, Path source, String target, Access access, DataSize size) {
    this.kind = kind;
    this.source = source;
    this.target = target;
    this.access = access;
    this.size = size;
  }

  /** Bind-mounts the host path {@code source} at {@code target} inside. */
  public static Mount bind(Path source, String target, Access access) {
    InsidePath.checkHost("bind source", source);
    checkTarget("bind target", target);
    return new Mount(Kind.BIND, source, target, requireNonNull(access, "access"), null);
  }

  /** A writable tmpfs of at most {@code size} bytes at {@code target}. */
  public static Mount tmpfs(String target, DataSize size) {
    checkTarget("tmpfs target", target);
    requireNonNull(size, "size");
    checkArgument(size.toBytes() > 0, "tmpfs %s: size must be positive, was %s", target, size);
    return new Mount(Kind.TMPFS, null, target, Access.READ_WRITE, size);
  }

  private static void checkTarget(String option, String target) {
    InsidePath.check(option, target);
    checkArgument(!target.equals("/"),
        "%s: \"/\" is the root; use rootfs(...) or hostRootfs() to choose it", option);
  }

  public Kind kind() {
    return kind;
  }

  /** The host path of a bind mount; empty for a tmpfs. */
  public Optional<Path> source() {
    return Optional.ofNullable(source);
  }

  /** Where the program sees it. */
  public String target() {
    return target;
  }

  public Access access() {
    return access;
  }

  /** The size limit of a tmpfs; empty for a bind mount. */
  public Optional<DataSize> size() {
    return Optional.ofNullable(size);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Mount)) {
      return false;
    }
    Mount m = (Mount) o;
    return kind == m.kind && Objects.equals(source, m.source) && target.equals(m.target)
        && access == m.access && Objects.equals(size, m.size);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, source, target, access, size);
  }

  @Override
  public String toString() {
    return kind == Kind.BIND
        ? "bind " + source + " -> " + target + (access == Access.READ_ONLY ? " (read-only)" : " (read-write)")
        : "tmpfs " + target + " (" + size + ")";
  }
}
