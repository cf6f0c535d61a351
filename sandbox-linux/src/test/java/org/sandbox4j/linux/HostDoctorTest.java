package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sandbox4j.HostReport;
import org.sandbox4j.HostReport.Check;
import org.sandbox4j.HostReport.Status;
import org.sandbox4j.Namespace;
import org.sandbox4j.Sandbox;

/**
 * {@code doctor()} on this host: a hybrid cgroup host (every controller on v1, an empty v2
 * beside them) or the pure v2 VM, with a kernel that has every feature sandbox4j uses; as
 * root, or as an unprivileged user, who gets cgroups only where a subtree is delegated.
 */
class HostDoctorTest {
  private static HostReport report;

  @BeforeAll
  static void examineTheHost() throws Exception {
    report = Sandbox.doctor();
  }

  private static Map<String, Check> byName(HostReport report) {
    return report.checks().stream().collect(Collectors.toMap(Check::name, Function.identity()));
  }

  private static Check check(String name) {
    Check check = byName(report).get(name);
    assertThat(check).as("a check named %s in\n%s", name, report).isNotNull();
    return check;
  }

  @Test
  void everyNamespaceCanBeCreated() {
    for (Namespace ns : Namespace.values()) {
      Check check = check("namespace " + ns.name().toLowerCase(java.util.Locale.ROOT));
      assertThat(check.status()).as("%s", check).isEqualTo(Status.PASS);
      assertThat(check.detail()).contains("created for uid " + Integer.toUnsignedLong(LibC.INSTANCE.geteuid()) + " (");
    }
  }

  @Test
  void theCgroupModeAndDriverMatchTheHost() throws Exception {
    TestHost.assumeCgroups();
    Check mode = check("cgroup mode");
    assertThat(mode.status()).isEqualTo(Status.INFO);
    if (RunCgroups.hostUsesV1()) { // the development hosts: v1 controllers, an empty v2 beside them
      assertThat(mode.detail()).startsWith("hybrid (v1 controllers ").contains("empty v2").contains("uses cgroup v1");
      assertThat(check("cgroup driver").detail()).startsWith("cgroup v1: ");
    } else { // the VM stage: pure cgroup v2
      assertThat(mode.detail()).startsWith("v2").contains("uses cgroup v2");
      assertThat(check("cgroup driver").detail()).startsWith("cgroup v2: ");
    }
    assertThat(check("cgroup driver").status()).isEqualTo(Status.PASS);
    assertThat(check("cgroupfs writable").status()).isEqualTo(Status.PASS);
  }

  @Test
  void theControllersTheAccountNeedsAreUsable() throws Exception {
    TestHost.assumeCgroups();
    boolean v1 = RunCgroups.hostUsesV1();
    for (String controller : v1 ? new String[] {"memory", "pids", "cpuacct"} : new String[] {"memory", "pids", "cpu"}) {
      Check check = check("cgroup " + controller);
      assertThat(check.status()).as("%s", check).isEqualTo(Status.PASS);
      assertThat(check.detail()).startsWith(v1 ? "usable: run cgroups in /sys/fs/cgroup/" + controller + "/"
          : "enabled for run cgroups in ");
    }
    Check run = check("cgroup run");
    assertThat(run.status()).as("%s", run).isEqualTo(Status.PASS);
    assertThat(run.detail()).contains("us of CPU").contains("KiB at peak");
    assertThat(check("memory.peak").status()).isEqualTo(Status.PASS);
    if (v1) {
      assertThat(check("memory.peak").detail()).isEqualTo("cgroup v1: memory.max_usage_in_bytes");
    }
  }

  @Test
  void withoutACgroupTheDriverAndEachControllerFailWithTheDelegationRemedy() throws Exception {
    TestHost.assumeNoCgroups();
    assertThat(check("cgroup mode").status()).isEqualTo(Status.INFO);
    Check driver = check("cgroup driver");
    assertThat(driver.status()).isEqualTo(Status.FAIL);
    assertThat(driver.detail()).isEqualTo(TestHost.noCgroups().getMessage() + "; limits fail to launch");
    String remedy = "run as root, or start the JVM in a cgroup v2 subtree delegated to this user"
        + " (systemd-run --user --scope -p Delegate=yes java ...), or set -Dsandbox4j.cgroup.parent to one";
    assertThat(driver.remedy()).isEqualTo(remedy);
    boolean v1 = RunCgroups.hostUsesV1();
    for (String controller : v1 ? new String[] {"memory", "pids", "cpuacct"} : new String[] {"memory", "pids", "cpu"}) {
      Check check = check("cgroup " + controller);
      assertThat(check.status()).as("%s", check).isEqualTo(Status.FAIL);
      assertThat(check.remedy()).isEqualTo(remedy);
    }
    assertThat(byName(report)).doesNotContainKey("cgroup run"); // no driver, no run cgroup to try
  }

  @Test
  void seccompHasUserNotificationAndTheFilterInstalls() {
    Check seccomp = check("seccomp");
    assertThat(seccomp.status()).isEqualTo(Status.PASS);
    assertThat(seccomp.detail()).contains("user_notif");
    assertThat(check("seccomp filter").status()).isEqualTo(Status.PASS);
    assertThat(check("pidfd").status()).isEqualTo(Status.PASS);
  }

  @Test
  void thisHostIsHealthyAndEveryFailureOrWarningHasARemedy() {
    if (TestHost.cgroupsUsable()) {
      assertThat(report.healthy()).as("%s", report).isTrue();
    } else {
      // An unprivileged user without a delegated cgroup: what fails is the cgroups, nothing else.
      assertThat(report.checks()).filteredOn(c -> c.status() == Status.FAIL).isNotEmpty()
          .allSatisfy(c -> assertThat(c.name()).startsWith("cgroup "));
    }
    for (Check c : report.checks()) {
      boolean needsRemedy = c.status() == Status.FAIL || c.status() == Status.WARN;
      assertThat(c.remedy().isEmpty()).as("%s", c).isEqualTo(!needsRemedy);
    }
    assertThat(check("kernel").detail()).startsWith("Linux " + System.getProperty("os.version"));
    assertThat(check("helper").detail()).isEqualTo("sealed memfd");
  }

  @Test
  void aWarmDoctorTakesWellUnderASecond() throws Exception {
    Sandbox.doctor(); // warm: the report above may have loaded the helper and JNR
    long start = System.nanoTime();
    HostReport again = Sandbox.doctor();
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertThat(millis).as("doctor() took %s ms", millis).isLessThan(1000);
    assertThat(again.checks()).extracting(Check::name)
        .containsExactlyElementsOf(report.checks().stream().map(Check::name).collect(Collectors.toList()));
  }

  @Test
  void anUnusableCgroupParentFailsWithTheRemedy() {
    // /sys refuses mkdir even to root: a parent cgroup can never be created there.
    String unusable = "/../../../../../../sys/sandbox4j-doctor-test";
    String before = System.getProperty(CgroupDriver.PARENT_PROPERTY);
    System.setProperty(CgroupDriver.PARENT_PROPERTY, unusable);
    HostReport broken;
    try {
      broken = new LinuxSandboxProvider().doctor(); // a fresh provider detects its driver anew
    } finally {
      if (before == null) {
        System.clearProperty(CgroupDriver.PARENT_PROPERTY);
      } else {
        System.setProperty(CgroupDriver.PARENT_PROPERTY, before);
      }
    }
    Map<String, Check> checks = byName(broken);

    assertThat(broken.healthy()).isFalse();
    Check driver = checks.get("cgroup driver");
    assertThat(driver.status()).isEqualTo(Status.FAIL);
    assertThat(driver.detail()).contains("cannot create the parent cgroup").contains("sandbox4j-doctor-test");
    assertThat(driver.remedy()).contains("-Dsandbox4j.cgroup.parent=" + unusable).contains("may create and write");
    Check memory = checks.get("cgroup memory");
    assertThat(memory.status()).isEqualTo(Status.FAIL);
    assertThat(memory.detail()).contains("does not exist");
    assertThat(memory.remedy()).isEqualTo(driver.remedy());
    assertThat(checks).doesNotContainKey("cgroup run"); // no driver, no run cgroup to try
    // Everything that does not depend on the cgroup parent still passes.
    assertThat(checks.get("namespace user").status()).isEqualTo(Status.PASS);
    assertThat(checks.get("seccomp filter").status()).isEqualTo(Status.PASS);
  }
}
