package org.sandbox4j.linux;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What an attack must leave as it was on the host, taken before a run; {@link #changes()}
 * compares the host after it. Besides the files and the JVM's mount table it checks what
 * must be gone after any run: processes with the run's marker in their command line, this
 * JVM's run cgroups, and keys whose description holds the marker.
 */
final class HostSnapshot {
  /** Host files an escape would read or write; /etc/shadow only as a digest, never its text. */
  private static final List<Path> SENSITIVE = List.of(Path.of("/etc/passwd"), Path.of("/etc/shadow"),
      Path.of("/etc/hostname"), Path.of("/proc/sys/kernel/core_pattern"), Path.of("/proc/sys/kernel/hostname"));

  private final String marker;
  private final List<Path> files;
  private final Map<Path, String> digests;
  private final List<String> mountinfo;

  private HostSnapshot(String marker, List<Path> files) throws IOException {
    this.marker = marker;
    this.files = files;
    this.digests = new LinkedHashMap<>();
    for (Path file : files) {
      digests.put(file, digest(file));
    }
    this.mountinfo = HostProcesses.mounts();
  }

  /**
   * Takes a snapshot for a run whose processes carry {@code marker}; {@code watched} are
   * further host files the attack targets (a sentinel), besides the sensitive ones and the
   * helper binary.
   */
  static HostSnapshot take(String marker, Path... watched) throws IOException {
    List<Path> files = new ArrayList<>(SENSITIVE);
    files.addAll(List.of(watched));
    Path helper = helperBinary();
    if (helper != null) {
      files.add(helper);
    }
    return new HostSnapshot(marker, files);
  }

  /** Every difference between the host now and this snapshot, in words; empty when none. */
  List<String> changes() throws IOException {
    List<String> changes = new ArrayList<>();
    HostSnapshot now = new HostSnapshot(marker, files);
    for (Path file : files) {
      if (!digests.get(file).equals(now.digests.get(file))) {
        changes.add(file + " changed: " + digests.get(file) + " -> " + now.digests.get(file));
      }
    }
    if (!mountinfo.equals(now.mountinfo)) {
      changes.add("the JVM's mount table changed: added " + minus(now.mountinfo, mountinfo) + ", removed "
          + minus(mountinfo, now.mountinfo));
    }
    for (long pid : HostProcesses.withCommandLineContaining(marker)) {
      changes.add("host process " + pid + " outlived the run: " + commandLine(pid));
    }
    for (Path parent : RunCgroups.parents()) {
      for (Path run : RunCgroups.runsIn(parent)) {
        // Only this JVM's: other builds on the same host may be running sandboxes right now.
        if (run.getFileName().toString().startsWith("run-" + ProcessHandle.current().pid() + "-")) {
          changes.add("run cgroup left behind: " + run);
        }
      }
    }
    Path keys = Path.of("/proc/keys");
    for (String key : Files.exists(keys) ? Files.readAllLines(keys) : List.<String>of()) {
      if (key.contains(marker)) {
        changes.add("a key the run added is in the host's keyrings: " + key);
      }
    }
    return changes;
  }

  /** Free blocks (in bytes) and free inodes of the file system holding {@code path}. */
  static long[] freeSpaceAndInodes(Path path) throws IOException, InterruptedException {
    Process stat = new ProcessBuilder("stat", "-f", "-c", "%a %S %d", path.toString()).start();
    String[] fields = new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim().split(" ");
    if (stat.waitFor() != 0 || fields.length != 3) {
      throw new IOException("stat -f " + path + " failed");
    }
    return new long[] {Long.parseLong(fields[0]) * Long.parseLong(fields[1]), Long.parseLong(fields[2])};
  }

  private static List<String> minus(List<String> a, List<String> b) {
    return a.stream().filter(line -> !b.contains(line)).collect(Collectors.toList());
  }

  private static String commandLine(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8)
          .replace('\0', ' ').trim();
    } catch (IOException gone) {
      return "(gone)";
    }
  }

  private static String digest(Path file) throws IOException {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      return "sha256:" + HexFormat.of().formatHex(sha256.digest(Files.readAllBytes(file)));
    } catch (NoSuchFileException e) {
      return "absent";
    } catch (AccessDeniedException e) {
      return "unreadable by this JVM";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The helper as built into target/classes: an escape could try to rewrite it. */
  private static Path helperBinary() {
    URL url = HostSnapshot.class.getResource(
        "/org/sandbox4j/linux/helper/linux-" + System.getProperty("os.arch") + "/sandbox4j-helper");
    try {
      return url == null || !"file".equals(url.getProtocol()) ? null : Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
