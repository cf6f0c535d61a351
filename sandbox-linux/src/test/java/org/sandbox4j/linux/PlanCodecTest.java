package org.sandbox4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.sandbox4j.Access;
import org.sandbox4j.DataSize;
import org.sandbox4j.LaunchPlan;
import org.sandbox4j.Sandbox;

class PlanCodecTest {

  private static LaunchPlan richPlan() throws Exception {
    Sandbox sandbox = Sandbox.builder().strict().hostname("judge-7").runAs(1000, 1000)
        .bindMount(Path.of("/usr/share"), "/data", Access.READ_ONLY)
        .tmpfs("/scratch", DataSize.ofMebibytes(16))
        .workingDirectory("/tmp").wallTimeLimit(Duration.ofMillis(1500)).build();
    return Planner.plan(sandbox,
        sandbox.command("python3", "-c", "print('héllo')", "").env("LANG", "C.UTF-8").env("EMPTY", ""),
        4242, 4343);
  }

  @Test
  void roundTripKeepsEveryField() throws Exception {
    LaunchPlan plan = richPlan();
    assertThat(PlanCodec.decode(PlanCodec.encode(plan))).isEqualTo(plan);
  }

  @Test
  void headerIsTheDocumentedOne() throws Exception {
    byte[] bytes = PlanCodec.encode(richPlan());
    ByteBuffer header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(new String(bytes, 0, 4, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("S4JP");
    assertThat(header.getInt(0)).isEqualTo(PlanCodec.MAGIC);
    assertThat(header.getShort(4)).isEqualTo((short) 1);
    assertThat(header.getShort(6)).isEqualTo((short) 16);
    assertThat(header.getInt(8)).isEqualTo(bytes.length - 16);
    assertThat(header.getInt(12)).isZero();
  }

  @Test
  void wallTimeTravelsInMicroseconds() throws Exception {
    LaunchPlan decoded = PlanCodec.decode(PlanCodec.encode(richPlan()));
    assertThat(decoded.wallTimeLimit()).contains(Duration.ofMillis(1500));
  }

  @Test
  void malformedMessagesAreRejected() throws Exception {
    byte[] good = PlanCodec.encode(richPlan());
    byte[] badMagic = good.clone();
    badMagic[0] = 'X';
    assertThatThrownBy(() -> PlanCodec.decode(badMagic)).hasMessageContaining("bad magic");
    assertThatThrownBy(() -> PlanCodec.decode(Arrays.copyOf(good, good.length - 1)))
        .hasMessageContaining("bad body length");
    byte[] unknownTag = good.clone();
    unknownTag[16] = 99;
    assertThatThrownBy(() -> PlanCodec.decode(unknownTag)).hasMessageContaining("unknown tag 99");
  }
}
