package dev.reload.core.internal.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** How the probe's lines are sorted into answers and output kept for a crash report. */
class ProbeOutputTest {

  private static String answer(String message) {
    return message.substring(0, message.length() - 1); // as the framer hands it on
  }

  private static long now() {
    return System.nanoTime();
  }

  @Test
  void theAwaitedAnswerIsFoundBehindGluedOutput() throws InterruptedException {
    ProbeOutput output = new ProbeOutput("ready");
    output.expect("5eed");

    output.offer("last words without a newline" + answer(ProbeProtocol.passed("5eed")));

    assertThat(output.await("5eed", now())).isEqualTo(answer(ProbeProtocol.passed("5eed")));
    assertThat(output.printed()).containsExactly("last words without a newline");
  }

  @Test
  void linesWithoutTheAwaitedMarkerAreKeptNotAnswered() throws InterruptedException {
    ProbeOutput output = new ProbeOutput("ready");
    output.expect("5eed");

    output.offer(answer(ProbeProtocol.passed("forged")));
    output.offer("\tOK");

    assertThat(output.await("5eed", now())).isNull();
    assertThat(output.printed()).containsExactly(answer(ProbeProtocol.passed("forged")), "\tOK");
  }

  @Test
  void aStaleAnswerIsKeptAndSkipped() throws InterruptedException {
    ProbeOutput output = new ProbeOutput("old");
    output.offer(answer(ProbeProtocol.passed("old")));
    output.expect("new");
    output.offer(answer(ProbeProtocol.passed("new")));

    assertThat(output.await("new", now())).isEqualTo(answer(ProbeProtocol.passed("new")));
    assertThat(output.printed()).containsExactly(answer(ProbeProtocol.passed("old")));
  }

  @Test
  void theEndOfTheAnswerPipeComesAfterTheLinesBeforeIt() throws InterruptedException {
    ProbeOutput output = new ProbeOutput("ready");
    output.offer(answer(ProbeProtocol.ready("ready")));
    output.end();

    assertThat(output.await("ready", now())).isEqualTo(answer(ProbeProtocol.ready("ready")));
    assertThat(output.await("ready", now())).isEqualTo(ProbeOutput.END);
  }

  @Test
  void aWaitEndsAtItsDeadline() throws InterruptedException {
    ProbeOutput output = new ProbeOutput("ready");
    long start = now();

    assertThat(output.await("ready", start + 20_000_000L)).isNull();
    assertThat(now() - start).isGreaterThanOrEqualTo(20_000_000L);
  }

  @Test
  void onlyTheLatestFortyLinesAreKept() {
    ProbeOutput output = new ProbeOutput("ready");

    IntStream.range(0, 100).forEach(line -> output.keep("line " + line));

    assertThat(output.printed()).hasSize(40).startsWith("line 60").endsWith("line 99");
  }

  @Test
  void theCrashSignalOutlivesTheLinesAfterIt() {
    ProbeOutput output = new ProbeOutput("ready");

    output.keep("#  SIGSEGV (0xb) at pc=0x00007f, pid=42, tid=43");
    IntStream.range(0, 100).forEach(line -> output.keep("line " + line));

    assertThat(output.crashSignal()).isEqualTo("SIGSEGV");
    assertThat(output.printed()).noneMatch(line -> line.contains("SIGSEGV"));
  }

  @Test
  void anExpectedRequestForgetsEarlierOutput() {
    ProbeOutput output = new ProbeOutput("ready");
    output.keep("#  SIGABRT (0x6) at pc=0x00007f");

    output.expect("5eed");

    assertThat(output.crashSignal()).isNull();
    assertThat(output.printed()).isEmpty();
  }
}
