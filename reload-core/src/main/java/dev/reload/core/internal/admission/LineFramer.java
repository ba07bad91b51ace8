package dev.reload.core.internal.admission;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Cuts a byte stream into UTF-8 lines of bounded length, as the server reads the probe's pipes.
 * A line ends at {@code \n} (a {@code \r} before it is dropped); a line longer than the bound
 * keeps only its last {@link #maxLineBytes()} bytes, where an answer glued to a library's output
 * would be; an unfinished last line is handed on too, at the end of the stream or when the pipe
 * breaks. However long the input, with or without newlines, framing it costs a fixed amount of
 * memory.
 *
 * <p>Thread-safe: it holds only its bound; each {@link #drain} call has buffers of its own.
 */
final class LineFramer {

  private static final int CHUNK_BYTES = 8192;

  private final int maxLineBytes;

  LineFramer(int maxLineBytes) {
    if (maxLineBytes <= 0) {
      throw new IllegalArgumentException("maxLineBytes must be positive, was " + maxLineBytes);
    }
    this.maxLineBytes = maxLineBytes;
  }

  /** The most bytes a line handed on holds, its {@code \r} included. */
  int maxLineBytes() {
    return maxLineBytes;
  }

  /**
   * Reads {@code in} to its end, or until reading it fails (the pipe broke with the process),
   * handing each line to {@code sink} without its line break, then closes it.
   */
  void drain(InputStream in, Consumer<String> sink) {
    byte[] chunk = new byte[CHUNK_BYTES];
    // Twice the bound, so the tail of a long line is kept with one copy per maxLineBytes bytes.
    byte[] line = new byte[2 * maxLineBytes];
    int length = 0;
    try (in) {
      for (int read; (read = in.read(chunk)) != -1; ) {
        for (int i = 0; i < read; i++) {
          if (chunk[i] == '\n') {
            sink.accept(decode(line, length));
            length = 0;
            continue;
          }
          if (length == line.length) {
            System.arraycopy(line, length - maxLineBytes, line, 0, maxLineBytes);
            length = maxLineBytes;
          }
          line[length++] = chunk[i];
        }
      }
    } catch (IOException e) {
      // The pipe broke with the process: what came before it still counts.
    }
    if (length > 0) {
      sink.accept(decode(line, length));
    }
  }

  private String decode(byte[] line, int length) {
    int start = Math.max(0, length - maxLineBytes);
    int end = length > start && line[length - 1] == '\r' ? length - 1 : length;
    return new String(line, start, end - start, StandardCharsets.UTF_8);
  }
}
