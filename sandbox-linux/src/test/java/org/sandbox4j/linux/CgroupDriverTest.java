package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.sandbox4j.SandboxLaunchException;

class CgroupDriverTest {

  @Test
  void aParentThisUserCannotCreateCgroupsInMakesTheDriverUnavailable() {
    // Even root cannot make directories in procfs: it stands for a parent closed to us,
    // as root's sandbox4j cgroups are to an unprivileged user.
    assertThatThrownBy(() -> CgroupDriver.requireWritable(Path.of("/proc")))
        .isInstanceOf(SandboxLaunchException.class)
        .hasMessageContaining("this user cannot create cgroups there")
        .hasMessageContaining("-Dsandbox4j.cgroup.parent");
  }
}
