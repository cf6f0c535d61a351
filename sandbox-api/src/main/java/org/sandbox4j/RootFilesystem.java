package org.sandbox4j;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/** The tree the program sees as {@code /}. */
public final class RootFilesystem {
  /** Where the root comes from. */
  public enum Kind {
    /**
     * A read-only root assembled from the host: {@code /usr}, {@code /bin}, {@code /sbin},
     * {@code /lib*} and a minimal {@code /etc}; nothing from {@code /root}, {@code /home},
     * {@code /srv}, {@code /var}, the working tree or other host data.
     */
    HOST_DERIVED,
    /** A directory of the host holding a complete root file system. */
    DIRECTORY
  }

  private static final RootFilesystem HOST_DERIVED =
      new RootFilesystem(Kind.HOST_DERIVED, null, Access.READ_ONLY);

  private final Kind kind;
  private final Path directory;
  private final Access access;

  private RootFilesystem(Kind kind, Path directory, Access access) {
    this.kind = kind;
    this.directory = directory;
    this.access = access;
  }

  public static RootFilesystem hostDerived() {
    return HOST_DERIVED;
  }

  public static RootFilesystem directory(Path directory, Access access) {
    InsidePath.checkHost("rootfs", directory);
    return new RootFilesystem(Kind.DIRECTORY, directory, requireNonNull(access, "access"));
  }

  public Kind kind() {
    return kind;
  }

  /** The host directory of a {@link Kind#DIRECTORY} root. */
  public Optional<Path> directory() {
    return Optional.ofNullable(directory);
  }

  public Access access() {
    return access;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RootFilesystem)) {
      return false;
    }
    RootFilesystem r = (RootFilesystem) o;
    return kind == r.kind && Objects.equals(directory, r.directory) && access == r.access;
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, directory, access);
  }

  @Override
  public String toString() {
    String mode = access == Access.READ_ONLY ? "read-only" : "read-write";
    return kind == Kind.HOST_DERIVED
        ? "read-only root derived from the host (/usr, /bin, /sbin, /lib*, minimal /etc)"
        : mode + " root from " + directory;
  }
}
