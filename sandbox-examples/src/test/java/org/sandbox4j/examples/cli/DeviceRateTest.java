package org.sandbox4j.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeviceRateTest {
  @Test
  void readsADeviceAndASizePerSecond() {
    assertThat(DeviceRate.parseBytesPerSecond("/dev/vda:1m")).isEqualTo(new DeviceRate(Path.of("/dev/vda"), 1 << 20));
    assertThat(DeviceRate.parseBytesPerSecond("/dev/vda:4096")).isEqualTo(new DeviceRate(Path.of("/dev/vda"), 4096));
  }

  @Test
  void readsADeviceAndOperationsPerSecond() {
    assertThat(DeviceRate.parseOperationsPerSecond("/dev/vda:100"))
        .isEqualTo(new DeviceRate(Path.of("/dev/vda"), 100));
  }

  @Test
  void splitsAtTheLastColonBecauseDevicePathsMayHoldColons() {
    assertThat(DeviceRate.parseBytesPerSecond("/dev/disk/by-path/pci-0000:00:05.0:512k"))
        .isEqualTo(new DeviceRate(Path.of("/dev/disk/by-path/pci-0000:00:05.0"), 512 * 1024));
    assertThat(DeviceRate.parseOperationsPerSecond("/dev/disk/by-path/pci-0000:00:05.0:7"))
        .isEqualTo(new DeviceRate(Path.of("/dev/disk/by-path/pci-0000:00:05.0"), 7));
  }

  @Test
  void resolvesARelativeDeviceAgainstTheCurrentDirectory() {
    assertThat(DeviceRate.parseOperationsPerSecond("vda:1").device())
        .isEqualTo(Path.of("").toAbsolutePath().resolve("vda"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/dev/vda", ":1m", "/dev/vda:", ":"})
  void needsDeviceAndRate(String text) {
    assertThatThrownBy(() -> DeviceRate.parseBytesPerSecond(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected DEV:RATE, e.g. /dev/vda:1m");
    assertThatThrownBy(() -> DeviceRate.parseOperationsPerSecond(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected DEV:N, e.g. /dev/vda:100");
  }

  @Test
  void reportsTheSizeParsersMessageForABadRate() {
    assertThatThrownBy(() -> DeviceRate.parseBytesPerSecond("/dev/vda:1x"))
        .hasMessage("not a size: \"1x\" (unknown unit \"x\"; use k, m, g or t)");
    assertThatThrownBy(() -> DeviceRate.parseBytesPerSecond("/dev/vda:-1m"))
        .hasMessage("not a size: \"-1m\" (expected e.g. 4096, 512k, 64m, 1g)");
  }

  @Test
  void refusesAnOperationCountThatIsNoNumber() {
    assertThatThrownBy(() -> DeviceRate.parseOperationsPerSecond("/dev/vda:1k"))
        .hasMessage("not a number of operations: \"1k\"");
  }

  @Test
  void leavesDeviceAndSignToTheThrottle() {
    // IoThrottle.of says whether the device is a block device and the amount positive.
    assertThat(DeviceRate.parseOperationsPerSecond("/no/such:0")).isEqualTo(new DeviceRate(Path.of("/no/such"), 0));
    assertThat(DeviceRate.parseOperationsPerSecond("/dev/null:-5").perSecond()).isEqualTo(-5);
  }
}
