package org.sandbox4j.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** One view's state on a fake clock: how often it reads its cgroup, what it keeps, how its load moves. */
class ProcViewLiveTest {
  private static final long MIB = 1 << 20;
  private static final long SECOND = 1_000_000_000L;
  private static final ProcViewHost HOST = new ProcViewHost(16L << 30, 0, "processor\t: 0\n\n", 4096);

  /**
   * A cgroup whose use grows by 1 MiB per reading, with two running tasks; it can be made to
   * fail, and its readings to take time (on the fake clock).
   */
  private final class Source implements ProcViewReadings.Source {
    int readings;
    int taskReadings;
    boolean fail;
    long readingCost;
    long tasksCost;

    @Override
    public ProcViewReadings viewReadings() throws IOException {
      now += readingCost;
      if (fail) {
        throw new IOException("the run cgroup is gone");
      }
      readings++;
      return ProcViewReadings.builder().memoryUsageBytes(readings * MIB).build();
    }

    @Override
    public ProcViewReadings.Tasks viewTasks() throws IOException {
      now += tasksCost;
      if (fail) {
        throw new IOException("the run cgroup is gone");
      }
      taskReadings++;
      return new ProcViewReadings.Tasks(2, new int[] {1, 2}, new byte[] {'R', 'R'});
    }
  }

  private final Source source = new Source();
  private long now = 100 * SECOND;
  private int hostReads;
  private int cpuinfoReads;
  private final ProcViewHost countingHost = new ProcViewHost(16L << 30, 0, () -> {
    cpuinfoReads++;
    return "processor\t: 0\n\n";
  }, 4096);
  private final ProcViewLive view = new ProcViewLive(ProcViewModel.builder()
      .memoryLimitBytes(OptionalLong.of(64 * MIB)).visibleCpus(List.of(0)).originBootNanos(now)
      .source(Optional.of(source)).build(), () -> HOST, () -> now);

  private String read(String name) {
    return new String(view.render(view.fileNames().indexOf(name), 0), UTF_8);
  }

  @Test
  void oneReadingServesEveryOpenWithinTenMilliseconds() {
    // (no reading takes time here: the minimum lifetime decides)
    byte[] first = view.render(0, 0);
    read("stat");
    read("loadavg");
    now += ProcViewLive.CACHE_NANOS - 1;
    assertThat(view.render(0, 0)).isSameAs(first); // rendered once, served as it is
    assertThat(read("meminfo")).contains("MemFree:           64512 kB");
    assertThat(source.readings).isEqualTo(1);
    now += 1;
    assertThat(read("meminfo")).contains("MemFree:           63488 kB");
    assertThat(source.readings).isEqualTo(2);
  }

  @Test
  void aSlowReadingServesFromItsEndForSeveralTimesItsCost() {
    source.readingCost = 50_000_000L; // 50 ms: a loaded host
    read("meminfo");
    assertThat(source.readings).isEqualTo(1);
    for (int i = 0; i < 19; i++) {
      now += 10_000_000L; // an open every 10 ms: each past the 10 ms minimum, none past 4 x 50 ms
      read(i % 2 == 0 ? "meminfo" : "uptime");
    }
    assertThat(source.readings).as("readings for 20 opens over 190 ms").isEqualTo(1);
    now += 20_000_000L; // 200 ms after the reading ended
    read("meminfo");
    assertThat(source.readings).isEqualTo(2);
  }

  @Test
  void theTasksAreReadOnlyForStatAndLoadavgAndAtMostOnceASecond() {
    for (String name : List.of("meminfo", "cpuinfo", "uptime", "swaps", "cpus")) {
      read(name);
    }
    assertThat(source.taskReadings).isZero();
    read("stat");
    read("loadavg");
    assertThat(source.taskReadings).isEqualTo(1);
    now += ProcViewLive.TASKS_CACHE_NANOS - 1;
    read("stat");
    read("loadavg");
    assertThat(source.taskReadings).isEqualTo(1);
    assertThat(source.readings).as("the counters move on meanwhile").isGreaterThan(1);
    now += 1;
    read("loadavg");
    assertThat(source.taskReadings).isEqualTo(2);
    // A slow reading of many tasks (400 ms) serves for four times that.
    source.tasksCost = 400_000_000L;
    now += ProcViewLive.TASKS_CACHE_NANOS;
    read("stat");
    assertThat(source.taskReadings).isEqualTo(3);
    now += 4 * source.tasksCost - 1;
    read("stat");
    assertThat(source.taskReadings).isEqualTo(3);
    now += 1;
    read("stat");
    assertThat(source.taskReadings).isEqualTo(4);
  }

  @Test
  void theLoadSampleServesStatAndLoadavgWhileFresh() {
    now += 5 * SECOND;
    view.sampleLoad();
    assertThat(source.taskReadings).isEqualTo(1);
    read("loadavg");
    read("stat");
    assertThat(source.taskReadings).isEqualTo(1);
  }

  @Test
  void theHostIsReadOnlyForFilesThatShowItAndCpuinfoOnlyForCpuinfo() {
    ProcViewLive counted = new ProcViewLive(ProcViewModel.builder().visibleCpus(List.of(0)).originBootNanos(now)
        .source(Optional.of(source)).build(), () -> {
          hostReads++;
          return countingHost;
        }, () -> now);
    for (String name : List.of("stat", "uptime", "loadavg", "cpus")) {
      counted.render(counted.fileNames().indexOf(name), 0);
    }
    assertThat(hostReads).isZero();
    counted.render(counted.fileNames().indexOf("meminfo"), 0);
    counted.render(counted.fileNames().indexOf("swaps"), 0);
    assertThat(hostReads).isEqualTo(2);
    assertThat(cpuinfoReads).as("meminfo and swaps need no cpuinfo").isZero();
    byte[] cpuinfo = counted.render(counted.fileNames().indexOf("cpuinfo"), 0);
    assertThat(new String(cpuinfo, UTF_8)).isEqualTo("processor\t: 0\n\n");
    now += SECOND; // new counters: cpuinfo does not show them, and is not rendered anew
    assertThat(counted.render(counted.fileNames().indexOf("cpuinfo"), 0)).isSameAs(cpuinfo);
  }

  @Test
  void theHostsCpuinfoIsReadOnceAMinuteOrWhenTheOnlineCpusChange() throws IOException {
    long[] clock = {0};
    int[] reads = {0};
    String[] online = {"0-3\n"};
    ProcViewHost.CpuinfoCache cache = new ProcViewHost.CpuinfoCache(() -> "cpuinfo " + ++reads[0],
        () -> online[0], () -> clock[0]);
    assertThat(reads[0]).as("nothing is read before it is asked for").isZero();
    assertThat(cache.get()).isEqualTo("cpuinfo 1");
    for (int i = 0; i < 59; i++) {
      clock[0] += SECOND;
      assertThat(cache.get()).isEqualTo("cpuinfo 1");
    }
    clock[0] += SECOND; // a minute
    assertThat(cache.get()).isEqualTo("cpuinfo 2");
    online[0] = "0-2\n"; // CPU 3 went offline
    clock[0] += SECOND / 2;
    assertThat(cache.get()).as("the online list is looked at once a second").isEqualTo("cpuinfo 2");
    clock[0] += SECOND / 2;
    assertThat(cache.get()).isEqualTo("cpuinfo 3");
    clock[0] += 10 * SECOND;
    assertThat(cache.get()).isEqualTo("cpuinfo 3");
  }

  @Test
  void aFailedReadingKeepsTheLastGoodOne() {
    read("meminfo");
    source.fail = true;
    now += SECOND;
    assertThat(read("meminfo")).contains("MemFree:           64512 kB");
    view.sampleLoad(); // no exception escapes either
  }

  @Test
  void theLoadAverageMovesWithTheSamplesAndTheReads() {
    assertThat(read("loadavg")).isEqualTo("0.00 0.00 0.00 2/2 2\n");
    now += 60 * SECOND;
    view.sampleLoad();
    assertThat(source.taskReadings).isGreaterThanOrEqualTo(2);
    now += ProcViewLive.CACHE_NANOS;
    assertThat(read("loadavg")).startsWith("1.27 0.36 0.13 2/2 2");
  }

  @Test
  void theFilesAreTheViewsAndTheirTimeIsTheRunsStart() {
    assertThat(view.fileNames()).containsExactly("meminfo", "cpuinfo", "stat", "uptime", "loadavg", "swaps", "cpus");
    assertThat(read("cpuinfo")).isEqualTo("processor\t: 0\n\n");
    assertThat(read("cpus")).isEqualTo("0\n");
    now += 1500 * 1_000_000L;
    assertThat(read("uptime")).startsWith("1.50 ");
  }
}
