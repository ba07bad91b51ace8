package dev.reload.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void readsAnObjectOfStringsWithEscapes() {
    assertThat(Json.stringObject(
            " {\"library\" : \"lib\\u0067reeter.so\", \"a\":\"\\\"\\\\\\/\\n\"}\n"))
        .containsExactly(Map.entry("library", "libgreeter.so"), Map.entry("a", "\"\\/\n"));
    assertThat(Json.stringObject("{}")).isEmpty();
  }

  @Test
  void refusesAnythingElseSayingWhatWasExpectedAndWhere() {
    assertThatThrownBy(() -> Json.stringObject(""))
        .hasMessage("invalid JSON: expected '{' at character 1, found the end of the text");
    assertThatThrownBy(() -> Json.stringObject("{\"library\": 7}"))
        .hasMessage("invalid JSON: expected a string value for \"library\" at character 13,"
            + " found '7'");
    assertThatThrownBy(() -> Json.stringObject("{\"library\": \"x\",}"))
        .hasMessageContaining("expected a member name in double quotes at character 17");
    assertThatThrownBy(() -> Json.stringObject("{\"a\": \"x\", \"a\": \"y\"}"))
        .hasMessage("invalid JSON: member \"a\" appears twice (at character 12)");
    assertThatThrownBy(() -> Json.stringObject("{\"a\": \"x\"} {}"))
        .hasMessageContaining("expected the end of the text after the object at character 12");
    assertThatThrownBy(() -> Json.stringObject("{\"a\": \"\\x\"}"))
        .hasMessageContaining("expected a valid escape")
        .hasMessageContaining("found 'x'");
    assertThatThrownBy(() -> Json.stringObject("{\"a\": \"\\u12G4\"}"))
        .hasMessageContaining("four hex digits after \\u");
    assertThatThrownBy(() -> Json.stringObject("{\"a\": \"tab\there\"}"))
        .hasMessageContaining("no control character inside a string");
    assertThatThrownBy(() -> Json.stringObject("{\"a\": \"open"))
        .hasMessageContaining("the closing '\"' of a string");
  }
}
