package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The layouts of real hosts: this one (hybrid), pure v2, co-mounted cpu,cpuacct, a container. */
class CgroupLayoutTest {

  @Test
  void hybridHostWithSeparateV1HierarchiesAndAnEmptyV2() {
    CgroupLayout layout = CgroupLayout.parse(List.of(
        "30 25 0:26 / /sys/fs/cgroup/cpu rw,relatime shared:9 - cgroup cgroup rw,cpu",
        "31 25 0:27 / /sys/fs/cgroup/cpuacct rw,relatime shared:10 - cgroup cgroup rw,cpuacct",
        "32 25 0:28 / /sys/fs/cgroup/memory rw,relatime shared:11 - cgroup cgroup rw,memory",
        "33 25 0:29 / /sys/fs/cgroup/pids rw,relatime shared:12 - cgroup cgroup rw,pids",
        "34 25 0:30 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
        "35 25 0:31 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw"),
        List.of("8:pids:/", "4:memory:/process_api/5ba8", "2:cpuacct:/", "1:cpu:/", "9:name=systemd:/", "0::/"));
    assertThat(layout.v1).containsOnlyKeys("cpu", "cpuacct", "memory", "pids");
    assertThat(layout.v1.get("memory").mountPoint).isEqualTo("/sys/fs/cgroup/memory");
    assertThat(layout.v1.get("memory").ownPath).isEqualTo("/process_api/5ba8");
    assertThat(layout.v2MountPoint).contains("/sys/fs/cgroup/unified");
    assertThat(layout.v2OwnPath).contains("/");
  }

  @Test
  void coMountedControllersShareOneHierarchy() {
    CgroupLayout layout = CgroupLayout.parse(List.of(
        "30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct"),
        List.of("3:cpu,cpuacct:/user.slice"));
    assertThat(layout.v1.get("cpu")).isSameAs(layout.v1.get("cpuacct"));
    assertThat(layout.v1.get("cpu").controllers).containsExactlyInAnyOrder("cpu", "cpuacct");
    assertThat(layout.v1.get("cpu").ownPath).isEqualTo("/user.slice");
    assertThat(layout.v2MountPoint).isEmpty();
  }

  @Test
  void pureV2() {
    CgroupLayout layout = CgroupLayout.parse(List.of(
        "25 20 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec - cgroup2 cgroup2 rw,nsdelegate"),
        List.of("0::/user.slice/user-1000.slice/session-2.scope"));
    assertThat(layout.v1).isEmpty();
    assertThat(layout.v2MountPoint).contains("/sys/fs/cgroup");
    assertThat(layout.v2OwnPath).contains("/user.slice/user-1000.slice/session-2.scope");
  }

  @Test
  void mountPointsWithEscapedCharacters() {
    CgroupLayout layout = CgroupLayout.parse(List.of(
        "25 20 0:22 / /mnt/my\\040cgroup rw - cgroup2 cgroup2 rw"), List.of("0::/"));
    assertThat(layout.v2MountPoint).contains("/mnt/my cgroup");
  }
}
