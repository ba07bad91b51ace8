package dev.reload.core.internal.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The preflight's wire protocol, as both ends read and write it. */
class ProbeProtocolTest {

  /** {@code message} as the other end's line reader hands it on: without its newline. */
  private static String line(String message) {
    assertThat(message).endsWith("\n");
    return message.substring(0, message.length() - 1);
  }

  @Test
  void requestReadsBackAsSent() {
    String request = ProbeProtocol.request("5eed", 2, "/shadow/libx-1.so", List.of("a", "b"));

    assertThat(ProbeProtocol.parseRequest(line(request)))
        .isEqualTo(new ProbeProtocol.Request("5eed", 2, "/shadow/libx-1.so", List.of("a", "b")));
    assertThat(
            ProbeProtocol.parseRequest(line(ProbeProtocol.request("5eed", 2, "/x.so", List.of())))
                .symbols())
        .isEmpty();
  }

  @Test
  void fieldThatWouldBreakTheLineIsRefusedByName() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> ProbeProtocol.request("1", 2, "/odd\ndir/libx.so", List.of()))
        .withMessageContaining("library path '/odd\ndir/libx.so'")
        .withMessageContaining("a line break");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> ProbeProtocol.request("1", 2, "/x.so", List.of("a,b")))
        .withMessageContaining("symbol name 'a,b'")
        .withMessageContaining("a comma");
  }

  @Test
  void malformedRequestIsRefusedToItsId() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> ProbeProtocol.parseRequest("7\tx\t/x.so\t"))
        .withMessageContaining("open flags 'x'");
    assertThat(ProbeProtocol.idOf("7\tonly two")).isEqualTo("7");
  }

  @Test
  void answersReadBackFromTheirMarker() {
    String glued = "a library's last words, no newline" + line(ProbeProtocol.passed("5eed"));
    String answer = glued.substring(glued.indexOf(ProbeProtocol.marker("5eed")));

    assertThat(ProbeProtocol.parseAnswer("5eed", answer).verdict())
        .isEqualTo(ProbeProtocol.Verdict.PASSED);
    assertThat(
            ProbeProtocol.parseAnswer("5eed", line(ProbeProtocol.ready("5eed"))).verdict())
        .isEqualTo(ProbeProtocol.Verdict.READY);
    assertThat(ProbeProtocol.parseAnswer("5eed", line(ProbeProtocol.refused("5eed", "no\tgood"))))
        .isEqualTo(new ProbeProtocol.Answer(ProbeProtocol.Verdict.REFUSED, "no good"));
    assertThat(ProbeProtocol.parseAnswer("5eed", "5eed\tOKAY").reason())
        .contains("malformed answer from the probe: 'OKAY'");
  }

  @Test
  void refusalIsOneLineThatFitsOneAtomicWrite() {
    String reason = "\uD83D\uDCA5 line\nbreak\ttab ".repeat(2000);

    String answer = ProbeProtocol.refused("5eed", reason);

    assertThat(answer.getBytes(StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(ProbeProtocol.MAX_ANSWER_BYTES);
    assertThat(line(answer))
        .doesNotContain("\n")
        .startsWith("5eed\tFAIL\t\uD83D\uDCA5 line break tab");
    assertThat(line(answer).split("\t")).hasSize(3);
  }
}
