package org.sandbox4j.linux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** What {@link Process} gives for a stream that is not a pipe, as the JDK does. */
final class NullStreams {
  static final InputStream INPUT = InputStream.nullInputStream();

  static final OutputStream OUTPUT = new OutputStream() {
    @Override
    public void write(int b) throws IOException {
      throw new IOException("Stream closed: stdin of the sandbox is not a pipe");
    }
  };

  private NullStreams() {}
}
