package org.sandbox4j.linux;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where this host mounts its cgroup hierarchies and where this process sits in them, read
 * from {@code /proc/self/mountinfo} and {@code /proc/self/cgroup}. Pure parsing, so it is
 * tested on the layouts of other hosts too (hybrid, pure v2, co-mounted controllers).
 */
final class CgroupLayout {
  /** The v1 controllers sandbox4j uses. */
  static final Set<String> V1_CONTROLLERS = Set.of("memory", "cpu", "cpuacct", "cpuset", "pids", "blkio", "freezer");

  /** A v1 hierarchy: its mount point, the controllers bound to it, and our cgroup in it. */
  static final class Hierarchy {
    final String mountPoint;
    final Set<String> controllers;
    final String ownPath;

    Hierarchy(String mountPoint, Set<String> controllers, String ownPath) {
      this.mountPoint = mountPoint;
      this.controllers = controllers;
      this.ownPath = ownPath;
    }

    @Override
    public String toString() {
      return mountPoint + controllers + ownPath;
    }
  }

  /** v1 controller -> its hierarchy (co-mounted controllers share one). */
  final Map<String, Hierarchy> v1;
  /** The cgroup2 mount point, if any. */
  final Optional<String> v2MountPoint;
  /** Our cgroup in the v2 hierarchy ("0::/path"), if any. */
  final Optional<String> v2OwnPath;

  private CgroupLayout(Map<String, Hierarchy> v1, Optional<String> v2MountPoint, Optional<String> v2OwnPath) {
    this.v1 = v1;
    this.v2MountPoint = v2MountPoint;
    this.v2OwnPath = v2OwnPath;
  }

  static CgroupLayout parse(List<String> mountinfo, List<String> procSelfCgroup) {
    Map<String, String> ownV1 = new LinkedHashMap<>();
    String ownV2 = null;
    for (String line : procSelfCgroup) {
      String[] parts = line.split(":", 3);
      if (parts.length != 3) {
        continue;
      }
      if (parts[0].equals("0") && parts[1].isEmpty()) {
        ownV2 = parts[2];
      } else {
        for (String controller : parts[1].split(",")) {
          ownV1.put(controller, parts[2]);
        }
      }
    }
    Map<String, Hierarchy> v1 = new LinkedHashMap<>();
    String v2Mount = null;
    for (String line : mountinfo) {
      // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
      int dash = line.indexOf(" - ");
      if (dash < 0) {
        continue;
      }
      String[] before = line.substring(0, dash).split(" ");
      String[] after = line.substring(dash + 3).split(" ");
      if (before.length < 5 || after.length < 3) {
        continue;
      }
      String root = unescape(before[3]);
      String mountPoint = unescape(before[4]);
      if (after[0].equals("cgroup2")) {
        // A mount of a subtree (root != "/", as in a container) shows our path relative to it.
        if (v2Mount == null && root.equals("/")) {
          v2Mount = mountPoint;
        }
      } else if (after[0].equals("cgroup") && root.equals("/")) {
        Set<String> controllers = new java.util.TreeSet<>();
        for (String option : after[2].split(",")) {
          if (V1_CONTROLLERS.contains(option)) {
            controllers.add(option);
          }
        }
        if (controllers.isEmpty()) {
          continue;
        }
        String own = ownV1.get(controllers.iterator().next());
        if (own == null) {
          continue;
        }
        Hierarchy h = new Hierarchy(mountPoint, Set.copyOf(controllers), own);
        for (String controller : controllers) {
          v1.putIfAbsent(controller, h);
        }
      }
    }
    return new CgroupLayout(Map.copyOf(v1), Optional.ofNullable(v2Mount),
        v2Mount == null ? Optional.empty() : Optional.ofNullable(ownV2));
  }

  /** mountinfo escapes space, tab, newline and backslash as octal. */
  private static String unescape(String field) {
    if (field.indexOf('\\') < 0) {
      return field;
    }
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length()) {
        s.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        s.append(c);
      }
    }
    return s.toString();
  }
}
