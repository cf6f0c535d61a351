package org.sandbox4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DataSizeTest {
  @Test
  void parsesBinaryUnits() {
    assertThat(DataSize.parse("4096").toBytes()).isEqualTo(4096);
    assertThat(DataSize.parse("512k").toBytes()).isEqualTo(512 * 1024);
    assertThat(DataSize.parse("64m")).isEqualTo(DataSize.ofMebibytes(64));
    assertThat(DataSize.parse("64MiB")).isEqualTo(DataSize.ofMebibytes(64));
    assertThat(DataSize.parse(" 1G ")).isEqualTo(DataSize.ofGibibytes(1));
  }

  @Test
  void printsTheLargestExactUnit() {
    assertThat(DataSize.ofMebibytes(64)).hasToString("64 MiB");
    assertThat(DataSize.ofBytes(1536)).hasToString("1536 B");
    assertThat(DataSize.ofKibibytes(1536)).hasToString("1536 KiB");
    assertThat(DataSize.ofBytes(0)).hasToString("0 B");
  }

  @Test
  void rejectsWhatIsNotASize() {
    assertThatThrownBy(() -> DataSize.parse("m")).hasMessageContaining("not a size: \"m\"");
    assertThatThrownBy(() -> DataSize.parse("12x")).hasMessageContaining("unknown unit \"x\"");
    assertThatThrownBy(() -> DataSize.parse("99999999999t")).hasMessageContaining("too large");
    assertThatThrownBy(() -> DataSize.ofBytes(-1)).hasMessageContaining("must not be negative");
  }
}
