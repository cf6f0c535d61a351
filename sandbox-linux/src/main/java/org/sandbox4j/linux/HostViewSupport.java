package org.sandbox4j.linux;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.function.Function;
import org.sandbox4j.ResourceLimits;

/**
 * What this host offers a {@link org.sandbox4j.ProcView}, probed once per JVM: FUSE for the
 * live view, time namespaces for the view's clock. The live view also needs the run cgroup,
 * which the provider knows about.
 */
final class HostViewSupport implements Planner.ViewHost {
  private static final Path FUSE_DEVICE = Path.of("/dev/fuse");
  private static final Optional<String> FUSE_UNAVAILABLE = probeFuse();
  private static final boolean TIME_NAMESPACES = Files.exists(Path.of("/proc/self/ns/time"));

  private static final boolean INITIAL_USER_NAMESPACE_ROOT = initialUserNamespaceRoot();

  private final Optional<String> cgroupUnavailable;
  private final Function<Boolean, Optional<String>> liveMountProbe;
  private final Function<Boolean, Optional<String>> privateInodesProbe;

  private HostViewSupport(Optional<String> cgroupUnavailable, Function<Boolean, Optional<String>> liveMountProbe,
      Function<Boolean, Optional<String>> privateInodesProbe) {
    this.cgroupUnavailable = cgroupUnavailable;
    this.liveMountProbe = liveMountProbe;
    this.privateInodesProbe = privateInodesProbe;
  }

  /**
   * Support on this host, where the run cgroup is missing for {@code cgroupUnavailable}
   * (empty: it is there), assuming that overlays (and, as root, device nodes) can be made.
   */
  static HostViewSupport of(Optional<String> cgroupUnavailable) {
    return new HostViewSupport(cgroupUnavailable, userNamespace -> Optional.empty(), userNamespace -> Optional.empty());
  }

  /** As {@link #of(Optional)}, with files shared read-only bound, never overlaid ({@code why}). */
  static HostViewSupport withoutPrivateInodes(Optional<String> cgroupUnavailable, String why) {
    return new HostViewSupport(cgroupUnavailable, userNamespace -> Optional.empty(),
        userNamespace -> Optional.of(why));
  }

  /**
   * As {@link #of(Optional)}, and {@code liveMountProbe} (with or without a user namespace)
   * tries a live view once before one is chosen automatically, {@code privateInodesProbe}
   * overlays and device nodes once before a sandbox gets them.
   */
  static HostViewSupport of(Optional<String> cgroupUnavailable, Function<Boolean, Optional<String>> liveMountProbe,
      Function<Boolean, Optional<String>> privateInodesProbe) {
    return new HostViewSupport(cgroupUnavailable, liveMountProbe, privateInodesProbe);
  }

  @Override
  public Optional<String> privateInodesFailure(boolean userNamespace) {
    return privateInodesProbe.apply(userNamespace);
  }

  @Override
  public boolean privateDeviceNodes() {
    return INITIAL_USER_NAMESPACE_ROOT;
  }

  /** Whether this JVM runs as root of the initial user namespace (whose uid map is the identity of all ids). */
  static boolean initialUserNamespaceRoot() {
    try {
      String map = Files.readString(Path.of("/proc/self/uid_map")).trim();
      return LibC.INSTANCE.geteuid() == 0 && map.split("\\s+").length == 3
          && map.matches("0\\s+0\\s+4294967295");
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  @Override
  public Optional<String> liveMountFailure(boolean userNamespace) {
    return liveMountProbe.apply(userNamespace);
  }

  /** Why FUSE cannot serve a live view here; empty when it can. */
  static Optional<String> fuseUnavailableReason() {
    return FUSE_UNAVAILABLE;
  }

  static boolean hasTimeNamespaces() {
    return TIME_NAMESPACES;
  }

  @Override
  public Optional<String> liveUnavailableReason() {
    if (FUSE_UNAVAILABLE.isPresent()) {
      return FUSE_UNAVAILABLE;
    }
    return cgroupUnavailable.map(reason -> "the live view reads the run cgroup, and there is none: " + reason);
  }

  @Override
  public boolean runCgroup() {
    return cgroupUnavailable.isEmpty();
  }

  @Override
  public boolean timeNamespaces() {
    return TIME_NAMESPACES;
  }

  @Override
  public String snapshot(String name, ResourceLimits limits) {
    return ProcViewFiles.snapshot(name, limits);
  }

  /** Opening the device is the real test: it loads the module where it is one, and checks access. */
  private static Optional<String> probeFuse() {
    if (!Files.exists(FUSE_DEVICE)) {
      return Optional.of("/dev/fuse does not exist (load the fuse module: modprobe fuse; in a container, "
          + "pass the device in: --device /dev/fuse)");
    }
    try (FileChannel ignored = FileChannel.open(FUSE_DEVICE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      return Optional.empty();
    } catch (IOException | UnsupportedOperationException e) {
      return Optional.of("/dev/fuse cannot be opened by this user (" + e.getMessage() + ")");
    }
  }
}
