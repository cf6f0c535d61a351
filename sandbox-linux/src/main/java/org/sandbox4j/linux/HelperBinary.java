package org.sandbox4j.linux;

import static java.nio.charset.StandardCharsets.US_ASCII;

import com.google.common.hash.Hashing;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Set;
import org.sandbox4j.SandboxLaunchException;

/**
 * Where the helper is executed from. In order of preference:
 *
 * <ol>
 *   <li>the system property {@value #PROPERTY}: an installed helper, used as it is;
 *   <li>a sealed memfd holding the helper from the jar: nothing on disk can be swapped or
 *       overwritten, and the sandbox cannot write it through {@code /proc/<pid>/exe}
 *       (runc CVE-2019-5736);
 *   <li>where memfd exec is impossible ({@code vm.memfd_noexec=2}, no memfd): a
 *       content-addressed copy in a 0700 directory of the user, verified by SHA-256 before
 *       every use.
 * </ol>
 */
final class HelperBinary {
  static final String PROPERTY = "sandbox4j.helper";
  private static final String NAME = "sandbox4j-helper";

  private final String execPath;
  private final Path verifiedCopy;
  private final String sha256;

  private HelperBinary(String execPath, Path verifiedCopy, String sha256) {
    this.execPath = execPath;
    this.verifiedCopy = verifiedCopy;
    this.sha256 = sha256;
  }

  /** The path to give {@code posix_spawn}, after verification when it is a file copy. */
  String execPath() throws SandboxLaunchException {
    if (verifiedCopy != null) {
      try {
        String actual = Hashing.sha256().hashBytes(Files.readAllBytes(verifiedCopy)).toString();
        if (!actual.equals(sha256)) {
          throw new SandboxLaunchException("verify helper", verifiedCopy.toString(), 0, "",
              "SHA-256 is " + actual + ", expected " + sha256 + ": the copy was modified; delete it");
        }
      } catch (IOException e) {
        throw new SandboxLaunchException("verify helper", verifiedCopy.toString(), 0, "", e.toString(), e);
      }
    }
    return execPath;
  }

  /** How the helper is run, for diagnostics. */
  String describe() {
    return verifiedCopy != null ? "verified copy " + verifiedCopy
        : execPath.startsWith("/proc/self/fd/") ? "sealed memfd" : "installed " + execPath;
  }

  static String resourceDirectory() {
    return "/org/sandbox4j/linux/helper/linux-" + System.getProperty("os.arch").toLowerCase(Locale.ROOT) + "/";
  }

  static boolean bundled() {
    return HelperBinary.class.getResource(resourceDirectory() + NAME) != null;
  }

  static HelperBinary load() throws SandboxLaunchException {
    return load(true);
  }

  /** {@code allowMemfd = false} takes the verified-copy path, as a host that forbids memfd exec would. */
  static HelperBinary load(boolean allowMemfd) throws SandboxLaunchException {
    String installed = System.getProperty(PROPERTY);
    if (installed != null && !installed.isEmpty()) {
      Path path = Path.of(installed);
      if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
        throw new SandboxLaunchException("find helper", installed, 0, "",
            "-D" + PROPERTY + " names no executable file");
      }
      return new HelperBinary(path.toAbsolutePath().toString(), null, null);
    }
    byte[] binary = resource(NAME);
    String expected = new String(resource(NAME + ".sha256"), US_ASCII).trim();
    String actual = Hashing.sha256().hashBytes(binary).toString();
    if (!actual.equals(expected)) {
      throw new SandboxLaunchException("verify helper", resourceDirectory() + NAME, 0, "",
          "SHA-256 of the bundled helper is " + actual + ", the build recorded " + expected);
    }
    int fd = allowMemfd ? sealedMemfd(binary) : -1;
    if (fd >= 0) {
      return new HelperBinary("/proc/self/fd/" + fd, null, null);
    }
    return new HelperBinary(null, null, null).withCopy(binary, actual);
  }

  private HelperBinary withCopy(byte[] binary, String hash) throws SandboxLaunchException {
    Path directory = privateDirectory();
    Path copy = directory.resolve(NAME + "-" + hash);
    try {
      // Absent, or not what this jar holds (tampered, truncated): write it anew, atomically.
      if (!Files.exists(copy, LinkOption.NOFOLLOW_LINKS)
          || !Hashing.sha256().hashBytes(Files.readAllBytes(copy)).toString().equals(hash)) {
        Path temp = Files.createTempFile(directory, NAME, ".tmp");
        try {
          Files.write(temp, binary);
          Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("r-x------"));
          Files.move(temp, copy, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          throw new IOException("cannot place the helper atomically in " + directory, e);
        } finally {
          Files.deleteIfExists(temp);
        }
      }
    } catch (IOException e) {
      throw new SandboxLaunchException("install helper", copy.toString(), 0, "", e.toString(), e);
    }
    HelperBinary helper = new HelperBinary(copy.toString(), copy, hash);
    helper.execPath();
    return helper;
  }

  /** {@code $XDG_RUNTIME_DIR/sandbox4j} or {@code java.io.tmpdir/sandbox4j-<uid>}, 0700, ours. */
  private static Path privateDirectory() throws SandboxLaunchException {
    String runtime = System.getenv("XDG_RUNTIME_DIR");
    Path directory = runtime != null && !runtime.isEmpty()
        ? Path.of(runtime, "sandbox4j")
        : Path.of(System.getProperty("java.io.tmpdir"), "sandbox4j-" + LibC.INSTANCE.geteuid());
    Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rwx------");
    try {
      if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(ownerOnly));
      }
      int owner = (Integer) Files.getAttribute(directory, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS) || owner != LibC.INSTANCE.geteuid()
          || !Files.getPosixFilePermissions(directory, LinkOption.NOFOLLOW_LINKS).equals(ownerOnly)) {
        throw new SandboxLaunchException("install helper", directory.toString(), 0, "",
            "must be a directory owned by uid " + LibC.INSTANCE.geteuid() + " with mode 0700 (not a link)");
      }
      return directory;
    } catch (IOException e) {
      throw new SandboxLaunchException("install helper", directory.toString(), 0, "", e.toString(), e);
    }
  }

  private static byte[] resource(String name) throws SandboxLaunchException {
    String path = resourceDirectory() + name;
    try (InputStream in = HelperBinary.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new SandboxLaunchException("find helper", path, 0, "",
            "no helper for this architecture in sandbox-linux; build it there or set -D" + PROPERTY);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new SandboxLaunchException("find helper", path, 0, "", e.toString(), e);
    }
  }

  /** A sealed, executable memfd with the helper, or -1 where the kernel does not allow one. */
  private static int sealedMemfd(byte[] binary) {
    if (memfdExecForbidden()) {
      return -1;
    }
    LibC libc = LibC.INSTANCE;
    int fd = libc.memfd_create(NAME, LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING | LibC.MFD_EXEC);
    if (fd < 0 && LibC.errno() == LibC.EINVAL) {
      // Kernels before 6.3 do not know MFD_EXEC; there every memfd is executable.
      fd = libc.memfd_create(NAME, LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING);
    }
    if (fd < 0) {
      return -1;
    }
    int written = 0;
    while (written < binary.length) {
      byte[] chunk = written == 0 ? binary : java.util.Arrays.copyOfRange(binary, written, binary.length);
      long n = libc.write(fd, chunk, chunk.length);
      if (n <= 0 && LibC.errno() != LibC.EINTR) {
        libc.close(fd);
        return -1;
      }
      written += Math.max(0, (int) n);
    }
    int seals = LibC.F_SEAL_SHRINK | LibC.F_SEAL_GROW | LibC.F_SEAL_WRITE | LibC.F_SEAL_SEAL;
    if (libc.fcntl(fd, LibC.F_ADD_SEALS, seals) != 0) {
      libc.close(fd);
      return -1;
    }
    return fd;
  }

  private static boolean memfdExecForbidden() {
    // One large read: a sysctl file answers a short first read with a truncated value and
    // then EOF (it does not support reading in pieces).
    try (InputStream in = Files.newInputStream(Path.of("/proc/sys/vm/memfd_noexec"))) {
      byte[] buffer = new byte[64];
      int n = in.read(buffer);
      return n > 0 && new String(buffer, 0, n, US_ASCII).trim().equals("2");
    } catch (IOException e) {
      return false; // before 6.3 there is no such policy
    }
  }
}
