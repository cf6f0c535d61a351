package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxLaunchException;
import org.sandbox4j.SandboxResult;
import org.sandbox4j.spi.ProcessControl;

/** The three ways the helper is executed: sealed memfd, verified copy, installed file. */
class HelperBinaryTest {
  private static final Sandbox STRICT = Sandbox.builder().strict().build();

  private static SandboxResult runWith(String helperPath) throws Exception {
    var plan = Planner.plan(STRICT, STRICT.command("/bin/true"), LibC.INSTANCE.geteuid(), LibC.INSTANCE.getegid());
    ProcessControl control = HelperProcess.start(plan, helperPath);
    try {
      return control.result().get(10, TimeUnit.SECONDS);
    } finally {
      control.close();
    }
  }

  @Test
  void theDefaultIsASealedMemfdThatCannotBeWritten() throws Exception {
    HelperBinary helper = HelperBinary.load();
    assertThat(helper.describe()).isEqualTo("sealed memfd");
    String path = helper.execPath();
    assertThat(runWith(path).succeeded()).isTrue();
    // F_SEAL_WRITE: opening for writing still works, but no write reaches the content.
    assertThatThrownBy(() -> Files.write(Path.of(path), new byte[] {0}, StandardOpenOption.APPEND))
        .isInstanceOf(java.io.IOException.class).hasMessageContaining("Operation not permitted");
    assertThatThrownBy(() -> Files.write(Path.of(path), new byte[] {0}, StandardOpenOption.TRUNCATE_EXISTING))
        .isInstanceOf(java.io.IOException.class);
    assertThat(runWith(path).succeeded()).isTrue();
  }

  @Test
  void theCopyFallbackIsVerifiedBeforeEveryUse() throws Exception {
    HelperBinary helper = HelperBinary.load(false);
    assertThat(helper.describe()).startsWith("verified copy ");
    Path copy = Path.of(helper.execPath());
    Path directory = copy.getParent();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory))).isEqualTo("rwx------");
    assertThat(runWith(helper.execPath()).succeeded()).isTrue();

    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwx------"));
    Files.write(copy, new byte[] {0}, StandardOpenOption.APPEND);
    assertThatThrownBy(helper::execPath).isInstanceOf(SandboxLaunchException.class)
        .hasMessageContaining("verify helper").hasMessageContaining("was modified");
    // A new load repairs the copy.
    HelperBinary repaired = HelperBinary.load(false);
    assertThat(runWith(repaired.execPath()).succeeded()).isTrue();
  }

  @Test
  void anInstalledHelperIsUsedWhenTheSystemPropertyNamesIt() throws Exception {
    Path installed = Files.createTempFile("sandbox4j-helper", "");
    try (var in = HelperBinary.class.getResourceAsStream(HelperBinary.resourceDirectory() + "sandbox4j-helper")) {
      Files.write(installed, in.readAllBytes());
    }
    Files.setPosixFilePermissions(installed, PosixFilePermissions.fromString("r-x------"));
    System.setProperty(HelperBinary.PROPERTY, installed.toString());
    try {
      HelperBinary helper = HelperBinary.load();
      assertThat(helper.describe()).isEqualTo("installed " + installed);
      assertThat(runWith(helper.execPath()).succeeded()).isTrue();
      System.setProperty(HelperBinary.PROPERTY, installed + ".absent");
      assertThatThrownBy(HelperBinary::load).isInstanceOf(SandboxLaunchException.class)
          .hasMessageContaining("names no executable file");
    } finally {
      System.clearProperty(HelperBinary.PROPERTY);
      Files.delete(installed);
    }
  }
}
