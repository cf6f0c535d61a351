package org.sandbox4j.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationParserTest {
  @ParameterizedTest
  @CsvSource({
      "500ms, 500000000",
      "2s, 2000000000",
      "1.5s, 1500000000",
      "1m, 60000000000",
      "1min, 60000000000",
      "100us, 100000",
      "100µs, 100000",
      "250ns, 250",
      "2h, 7200000000000",
      "0.5ms, 500000",
      "'  3S ', 3000000000",
      "'10 ms', 10000000",
      ".25s, 250000000",
      "0s, 0",
  })
  void parsesNumberAndUnit(String text, long nanos) {
    assertThat(DurationParser.parse(text)).isEqualTo(Duration.ofNanos(nanos));
  }

  @Test
  void aBareNumberIsRefusedBecauseItsUnitWouldBeAGuess() {
    assertThatThrownBy(() -> DurationParser.parse("5"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a duration: \"5\" (give a unit: ns, us, ms, s, m or h)");
  }

  @Test
  void namesAnUnknownUnit() {
    assertThatThrownBy(() -> DurationParser.parse("3d"))
        .hasMessage("not a duration: \"3d\" (unknown unit \"d\"; use ns, us, ms, s, m or h)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "s", "abc", "-1s", "+1s", "1e3s", ".s", "1.2.3s", "PT1S"})
  void refusesWhatIsNoDuration(String text) {
    assertThatThrownBy(() -> DurationParser.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not a duration: \"" + text + "\"");
  }

  @Test
  void refusesFractionsOfANanosecond() {
    assertThatThrownBy(() -> DurationParser.parse("1.5ns")).hasMessageContaining("finer than a nanosecond");
    assertThat(DurationParser.parse("1.000ns")).isEqualTo(Duration.ofNanos(1));
  }

  @Test
  void refusesWhatDurationCannotHold() {
    assertThatThrownBy(() -> DurationParser.parse("99999999999999999999h")).hasMessageContaining("too large");
  }
}
