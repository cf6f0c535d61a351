package org.sandbox4j.examples.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class OutputCopierTest {
  @Test
  void copiesEverythingUntilEndOfStreamAndClosesTheSource() throws Exception {
    byte[] data = new byte[100_000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) i;
    }
    AtomicBoolean closed = new AtomicBoolean();
    InputStream from = new ByteArrayInputStream(data) {
      @Override
      public void close() {
        closed.set(true);
      }
    };
    ByteArrayOutputStream to = new ByteArrayOutputStream();

    OutputCopier.start("test-copier", from, new PrintStream(to)).join();

    assertThat(to.toByteArray()).isEqualTo(data);
    assertThat(closed).isTrue();
  }

  @Test
  void flushesWhatItReadBeforeWaitingForMore() throws Exception {
    PipedOutputStream program = new PipedOutputStream();
    PipedInputStream from = new PipedInputStream(program);
    ByteArrayOutputStream to = new ByteArrayOutputStream();
    // A buffer larger than the prompt: the prompt shows only if the copier flushes.
    PrintStream buffered = new PrintStream(new BufferedOutputStream(to, 1 << 16), false, UTF_8);

    OutputCopier copier = OutputCopier.start("test-copier", from, buffered);
    program.write("name? ".getBytes(UTF_8));
    program.flush();
    while (to.size() < 6) {
      Thread.sleep(5);
    }
    assertThat(to.toString(UTF_8)).isEqualTo("name? ");
    program.close();
    copier.join();
  }

  @Test
  void stopsAndClosesTheSourceWhenTheDestinationFails() throws Exception {
    AtomicBoolean closed = new AtomicBoolean();
    InputStream endless = new InputStream() {
      @Override
      public int read() {
        return 'y';
      }

      @Override
      public int read(byte[] b, int off, int len) {
        Arrays.fill(b, off, off + len, (byte) 'y');
        return len;
      }

      @Override
      public void close() {
        closed.set(true);
      }
    };
    OutputStream gone = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        throw new IOException("Broken pipe");
      }
    };

    OutputCopier.start("test-copier", endless, new PrintStream(gone)).join();

    assertThat(closed).isTrue();
  }

  @Test
  void endsQuietlyWhenTheSourceIsClosedUnderIt() throws Exception {
    InputStream closedUnderUs = new InputStream() {
      @Override
      public int read() throws IOException {
        throw new IOException("Stream closed");
      }
    };
    ByteArrayOutputStream to = new ByteArrayOutputStream();

    OutputCopier.start("test-copier", closedUnderUs, new PrintStream(to)).join();

    assertThat(to.size()).isZero();
  }
}
