package org.sandbox4j.linux;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.sandbox4j.SandboxLaunchException;
import org.sandbox4j.SandboxResult;
import org.sandbox4j.Termination;

/**
 * Reads the helper's status records (fd 4) as bytes arrive, in whatever pieces: STARTED,
 * STAGE_ERROR and EXIT, as {@code docs/helper-protocol.md} defines them.
 */
final class StatusParser {
  static final int TYPE_STARTED = 1;
  static final int TYPE_STAGE_ERROR = 2;
  static final int TYPE_EXIT = 3;
  static final int TYPE_SECCOMP_VIOLATION = 4;
  private static final int MAX_RECORD = 1024;
  private static final Termination[] TERMINATIONS = {
    null, Termination.EXITED, Termination.SIGNALED, Termination.WALL_TIME_LIMIT, Termination.KILLED,
    Termination.SETUP_FAILED, Termination.CPU_TIME_LIMIT, Termination.OUTPUT_LIMIT, Termination.SECCOMP_VIOLATION
  };

  private byte[] pending = new byte[0];
  private boolean started;
  private long initPid;
  private long targetPid;
  private SandboxLaunchException stageError;
  private SandboxResult result;
  private String violation;

  /** Takes the next {@code length} bytes of the stream. */
  void accept(byte[] bytes, int length) {
    byte[] joined = Arrays.copyOf(pending, pending.length + length);
    System.arraycopy(bytes, 0, joined, pending.length, length);
    ByteBuffer in = ByteBuffer.wrap(joined).order(ByteOrder.LITTLE_ENDIAN);
    while (in.remaining() >= 4) {
      int start = in.position();
      int type = in.getShort() & 0xFFFF;
      int payloadLength = in.getShort() & 0xFFFF;
      if (payloadLength + 4 > MAX_RECORD) {
        throw new IllegalStateException("helper protocol: record of " + payloadLength + " bytes");
      }
      if (in.remaining() < payloadLength) {
        in.position(start);
        break;
      }
      ByteBuffer payload = in.slice().order(ByteOrder.LITTLE_ENDIAN).limit(payloadLength);
      in.position(in.position() + payloadLength);
      record(type, payload);
    }
    pending = Arrays.copyOfRange(joined, in.position(), joined.length);
  }

  private void record(int type, ByteBuffer payload) {
    switch (type) {
      case TYPE_STARTED:
        started = true;
        initPid = payload.getInt();
        targetPid = payload.getInt(); // -1 when the helper could not find it (it had exited)
        break;
      case TYPE_STAGE_ERROR: {
        int errno = payload.getInt();
        String stage = string(payload);
        String path = string(payload);
        String detail = string(payload);
        if (stageError == null) {
          stageError = new SandboxLaunchException(stage, path, errno, Errno.name(errno), detail);
        }
        break;
      }
      case TYPE_EXIT: {
        int termination = payload.get() & 0xFF;
        payload.position(4);
        int exitCode = payload.getInt();
        int signal = payload.getInt();
        long wallMicros = payload.getLong();
        if (termination < 1 || termination >= TERMINATIONS.length) {
          throw new IllegalStateException("helper protocol: unknown termination " + termination);
        }
        SandboxResult.Builder builder = SandboxResult.builder(TERMINATIONS[termination])
            .exitCode(exitCode).signal(signal).wallTimeMicros(wallMicros);
        if (TERMINATIONS[termination] == Termination.SECCOMP_VIOLATION) {
          builder.seccompViolation(violation != null ? violation : "unknown");
        }
        result = builder.build();
        break;
      }
      case TYPE_SECCOMP_VIOLATION: {
        int arch = payload.getInt();
        int nr = payload.getInt();
        if (violation == null) {
          violation = SyscallTable.forArch(arch).flatMap(table -> table.name(nr))
              .orElse("syscall " + nr + " (arch 0x" + Integer.toHexString(arch) + ")");
        }
        break;
      }
      default:
        throw new IllegalStateException("helper protocol: unknown record type " + type);
    }
  }

  private static String string(ByteBuffer payload) {
    int length = payload.getShort() & 0xFFFF;
    byte[] bytes = new byte[length];
    payload.get(bytes);
    return new String(bytes, UTF_8);
  }

  boolean started() {
    return started;
  }

  long initPid() {
    return initPid;
  }

  /** The program's host pid, or the sandbox init's when the helper could not find the program's. */
  long targetPid() {
    return targetPid > 0 ? targetPid : initPid;
  }

  /** The first stage error reported, or null. */
  SandboxLaunchException stageError() {
    return stageError;
  }

  /** The EXIT record, or null before it came. */
  SandboxResult result() {
    return result;
  }
}
