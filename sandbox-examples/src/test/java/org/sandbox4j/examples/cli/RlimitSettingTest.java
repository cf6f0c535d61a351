package org.sandbox4j.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sandbox4j.Rlimit;
import org.sandbox4j.Sandbox;

class RlimitSettingTest {
  private static final long UNLIMITED = Rlimit.UNLIMITED;

  @ParameterizedTest
  @CsvSource({
      "nofile=256, NOFILE, 256, 256",
      "NOFILE=256, NOFILE, 256, 256",
      "NoFile=256:1024, NOFILE, 256, 1024",
      "nofile=unlimited, NOFILE, -1, -1",
      "nofile=1024:Unlimited, NOFILE, 1024, -1",
      "fsize=10m, FSIZE, 10485760, 10485760",
      "fsize=4096, FSIZE, 4096, 4096",
      "stack=8m:unlimited, STACK, 8388608, -1",
      "core=0, CORE, 0, 0",
      "core=UNLIMITED, CORE, -1, -1",
      "as=1g:2g, AS, 1073741824, 2147483648",
  })
  void readsNameAndValueOrSoftAndHard(String text, Rlimit resource, long soft, long hard) {
    assertThat(RlimitSetting.parse(text)).isEqualTo(new RlimitSetting(resource, soft, hard));
  }

  @Test
  void unlimitedIsTheApisValue() {
    assertThat(RlimitSetting.parse("as=unlimited").soft()).isEqualTo(UNLIMITED);
  }

  @Test
  void needsNameEqualsValue() {
    assertThatThrownBy(() -> RlimitSetting.parse("nofile"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected NAME=VALUE or NAME=SOFT:HARD, e.g. nofile=256");
  }

  @Test
  void namesTheResourcesItKnows() {
    assertThatThrownBy(() -> RlimitSetting.parse("cpu=10"))
        .hasMessage("unknown resource \"cpu\" (use fsize, nofile, stack, core or as)");
    assertThatThrownBy(() -> RlimitSetting.parse("=10"))
        .hasMessage("unknown resource \"\" (use fsize, nofile, stack, core or as)");
    assertThatThrownBy(() -> RlimitSetting.parse("RLIMIT_NOFILE=10")).hasMessageStartingWith("unknown resource");
  }

  @Test
  void countsDescriptorsWithoutUnitsOrSigns() {
    assertThatThrownBy(() -> RlimitSetting.parse("nofile=1k"))
        .hasMessage("not a number: \"1k\" (expected e.g. 256, or unlimited)");
    // -1 would otherwise pass as RLIM_INFINITY.
    assertThatThrownBy(() -> RlimitSetting.parse("nofile=-1"))
        .hasMessage("not a number: \"-1\" (expected e.g. 256, or unlimited)");
    assertThatThrownBy(() -> RlimitSetting.parse("nofile="))
        .hasMessage("not a number: \"\" (expected e.g. 256, or unlimited)");
    assertThatThrownBy(() -> RlimitSetting.parse("nofile=1:2:3"))
        .hasMessage("not a number: \"2:3\" (expected e.g. 256, or unlimited)");
    assertThatThrownBy(() -> RlimitSetting.parse("nofile=99999999999999999999"))
        .hasMessage("not a number: \"99999999999999999999\" (too large)");
  }

  @Test
  void reportsTheSizeParsersMessageForABadSize() {
    assertThatThrownBy(() -> RlimitSetting.parse("fsize=-1"))
        .hasMessage("not a size: \"-1\" (expected e.g. 4096, 512k, 64m, 1g)");
    assertThatThrownBy(() -> RlimitSetting.parse("stack=8m:lots"))
        .hasMessage("not a size: \"lots\" (expected e.g. 4096, 512k, 64m, 1g)");
  }

  @Test
  void leavesSoftAgainstHardToTheBuilder() {
    RlimitSetting setting = RlimitSetting.parse("nofile=1024:256");

    assertThatThrownBy(() -> setting.applyTo(Sandbox.builder()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rlimit NOFILE: soft limit 1024 is above the hard limit 256");
  }

  @Test
  void appliesToTheBuilderAsOneRlimitCall() {
    Sandbox sandbox = RlimitSetting.parse("nofile=256:1024").applyTo(Sandbox.builder()).build();

    assertThat(sandbox.limits().rlimits().get(Rlimit.NOFILE)).containsExactly(256, 1024);
  }
}
