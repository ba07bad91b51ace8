package dev.reload.core.internal.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the server cuts the probe's pipes into lines: bounded, whatever the bytes. */
class LineFramerTest {

  private static final int MAX = 16;
  private final LineFramer framer = new LineFramer(MAX);

  private List<String> lines(InputStream in) {
    List<String> lines = new ArrayList<>();
    framer.drain(in, lines::add);
    return lines;
  }

  private List<String> lines(String text) {
    return lines(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void linesAreHandedOnWithoutTheirLineBreaks() {
    assertThat(lines("one\ntwo\r\n\nthree\n")).containsExactly("one", "two", "", "three");
  }

  @Test
  void onlyTheCarriageReturnBeforeTheNewlineIsDropped() {
    assertThat(lines("a\rb\n\r\r\n")).containsExactly("a\rb", "\r");
  }

  @Test
  void anUnfinishedLastLineIsHandedOnToo() {
    assertThat(lines("done\nunfinished")).containsExactly("done", "unfinished");
    assertThat(lines("")).isEmpty();
  }

  @Test
  void aLongLineKeepsItsLastBytes() {
    String answer = "5eed\tOK";
    String glued = "x".repeat(10 * MAX + 3) + answer;

    assertThat(lines(glued + "\nnext\n"))
        .containsExactly(glued.substring(glued.length() - MAX), "next");
    assertThat(lines(glued)).containsExactly(glued.substring(glued.length() - MAX));
    assertThat(lines(glued.substring(glued.length() - MAX) + "\n"))
        .containsExactly(glued.substring(glued.length() - MAX));
  }

  @Test
  void aLongLineKeepsItsLastBytesWhateverTheReadsItArrivesIn() {
    String line = "0123456789abcdefghijklmnopqrstuvwxyz".repeat(400); // beyond one 8 KiB read
    byte[] bytes = (line + "\nshort\n" + line).getBytes(StandardCharsets.US_ASCII);
    String tail = line.substring(line.length() - MAX);

    assertThat(lines(oneByteAtATime(bytes))).containsExactly(tail, "short", tail);
    assertThat(lines(new ByteArrayInputStream(bytes))).containsExactly(tail, "short", tail);
  }

  @Test
  void aCarriageReturnAtTheEndOfALongLineIsDroppedFromItsTail() {
    String line = "y".repeat(3 * MAX) + "z".repeat(MAX - 1);

    assertThat(lines(line + "\r\n")).containsExactly("z".repeat(MAX - 1));
  }

  @Test
  void linesAreUtf8() {
    assertThat(lines("grüße → ok\n")).containsExactly("grüße → ok");
  }

  @Test
  void whatCameBeforeABrokenPipeStillCounts() {
    byte[] bytes = "whole\nhalf".getBytes(StandardCharsets.US_ASCII);
    InputStream breaking = new InputStream() {
      private int next;

      @Override
      public int read() throws IOException {
        if (next == bytes.length) {
          throw new IOException("Broken pipe");
        }
        return bytes[next++];
      }
    };

    assertThat(lines(breaking)).containsExactly("whole", "half");
  }

  @Test
  void theStreamIsClosedOnceDrained() {
    boolean[] closed = {false};
    InputStream in = new ByteArrayInputStream(new byte[0]) {
      @Override
      public void close() {
        closed[0] = true;
      }
    };

    lines(in);

    assertThat(closed[0]).isTrue();
  }

  @Test
  void theBoundMustBePositive() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new LineFramer(0))
        .withMessage("maxLineBytes must be positive, was 0");
    assertThat(new LineFramer(8000).maxLineBytes()).isEqualTo(8000);
  }

  private static InputStream oneByteAtATime(byte[] bytes) {
    return new ByteArrayInputStream(bytes) {
      @Override
      public synchronized int read(byte[] buffer, int offset, int length) {
        return super.read(buffer, offset, Math.min(1, length));
      }
    };
  }
}
