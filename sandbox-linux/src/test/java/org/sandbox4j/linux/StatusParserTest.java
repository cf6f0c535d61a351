package org.sandbox4j.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.sandbox4j.Termination;

class StatusParserTest {

  private static byte[] started(int init, int target) {
    return ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
        .putShort((short) 1).putShort((short) 8).putInt(init).putInt(target).array();
  }

  private static byte[] stageError(int errno, String stage, String path, String detail) {
    byte[] s = stage.getBytes(UTF_8);
    byte[] p = path.getBytes(UTF_8);
    byte[] d = detail.getBytes(UTF_8);
    int length = 4 + 2 + s.length + 2 + p.length + 2 + d.length;
    return ByteBuffer.allocate(4 + length).order(ByteOrder.LITTLE_ENDIAN)
        .putShort((short) 2).putShort((short) length).putInt(errno)
        .putShort((short) s.length).put(s).putShort((short) p.length).put(p).putShort((short) d.length).put(d)
        .array();
  }

  private static byte[] exit(int termination, int code, int signal, long micros) {
    return ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN)
        .putShort((short) 3).putShort((short) 20).put((byte) termination).put(new byte[3])
        .putInt(code).putInt(signal).putLong(micros).array();
  }

  @Test
  void recordsSplitAcrossReadsAreReassembled() {
    byte[] stream = concat(started(100, 101), exit(2, 137, 9, 1234));
    StatusParser parser = new StatusParser();
    for (byte b : stream) {
      parser.accept(new byte[] {b}, 1);
    }
    assertThat(parser.started()).isTrue();
    assertThat(parser.targetPid()).isEqualTo(101);
    assertThat(parser.result().termination()).isEqualTo(Termination.SIGNALED);
    assertThat(parser.result().signal()).isEqualTo(9);
    assertThat(parser.result().exitCode()).isEqualTo(137);
    assertThat(parser.result().wallTimeMicros()).isEqualTo(1234);
  }

  @Test
  void stageErrorsBecomeLaunchExceptionsWithStagePathAndErrno() {
    StatusParser parser = new StatusParser();
    byte[] stream = concat(stageError(2, "execve", "/usr/bin/python3", "not found inside the sandbox"),
        exit(5, 127, 0, 0));
    parser.accept(stream, stream.length);
    assertThat(parser.started()).isFalse();
    assertThat(parser.stageError()).hasMessage("execve /usr/bin/python3: ENOENT (not found inside the sandbox)");
    assertThat(parser.stageError().stage()).isEqualTo("execve");
    assertThat(parser.stageError().errno()).isEqualTo(2);
    assertThat(parser.result().termination()).isEqualTo(Termination.SETUP_FAILED);
  }

  @Test
  void aStartedRecordWithoutTheProgramsPidFallsBackToInit() {
    StatusParser parser = new StatusParser();
    byte[] record = started(300, -1);
    parser.accept(record, record.length);
    assertThat(parser.started()).isTrue();
    assertThat(parser.targetPid()).isEqualTo(300);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  @Test
  void everyDocumentedTerminationIsKnown() {
    Termination[] expected = {Termination.EXITED, Termination.SIGNALED, Termination.WALL_TIME_LIMIT,
        Termination.KILLED, Termination.SETUP_FAILED, Termination.CPU_TIME_LIMIT, Termination.OUTPUT_LIMIT};
    for (int code = 1; code <= expected.length; code++) {
      StatusParser parser = new StatusParser();
      byte[] record = exit(code, 137, 9, 1);
      parser.accept(record, record.length);
      assertThat(parser.result().termination()).isEqualTo(expected[code - 1]);
    }
  }
}
