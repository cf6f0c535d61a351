package org.sandbox4j.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.SortedSet;
import java.util.TreeSet;

/** The kernel's list format ({@code 0-3,8}) and the host's CPUs and memory nodes in it. */
final class OnlineCpus {
  private OnlineCpus() {}

  static SortedSet<Integer> parse(String list) {
    SortedSet<Integer> ids = new TreeSet<>();
    if (list.isBlank()) {
      return ids;
    }
    for (String part : list.strip().split(",")) {
      String[] bounds = part.split("-");
      int from = Integer.parseInt(bounds[0].strip());
      int to = bounds.length > 1 ? Integer.parseInt(bounds[1].strip()) : from;
      for (int id = from; id <= to; id++) {
        ids.add(id);
      }
    }
    return ids;
  }

  /** Comma-separated ids, which every kernel accepts where it takes a list. */
  static String format(SortedSet<Integer> ids) {
    StringBuilder s = new StringBuilder();
    for (int id : ids) {
      if (s.length() > 0) {
        s.append(',');
      }
      s.append(id);
    }
    return s.toString();
  }

  static SortedSet<Integer> cpus() throws IOException {
    return parse(Files.readString(Path.of("/sys/devices/system/cpu/online")));
  }

  /** Memory nodes online; a kernel without NUMA support has just node 0. */
  static SortedSet<Integer> memoryNodes() throws IOException {
    try {
      return parse(Files.readString(Path.of("/sys/devices/system/node/online")));
    } catch (NoSuchFileException noNuma) {
      return parse("0");
    }
  }
}
