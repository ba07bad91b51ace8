package dev.reload.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdminTokenTest {

  private static ServerSettings settings(Optional<String> token) {
    return new ServerSettings("127.0.0.1", 0, Path.of("."), token);
  }

  @Test
  void acceptsOnlyTheExactBearerToken() {
    AdminToken token = AdminToken.of(settings(Optional.of("configured-token-123")));
    assertThat(token.generated()).isFalse();
    assertThat(token.accepts("Bearer configured-token-123")).isTrue();
    assertThat(token.accepts("Bearer configured-token-1234")).isFalse();
    assertThat(token.accepts("Basic configured-token-123")).isFalse();
    assertThat(token.accepts("configured-token-123")).isFalse();
    assertThat(token.accepts(null)).isFalse();
  }

  @Test
  void generatesADifferentLongTokenWhenNoneIsConfigured() {
    AdminToken first = AdminToken.of(settings(Optional.empty()));
    AdminToken second = AdminToken.of(settings(Optional.empty()));
    assertThat(first.generated()).isTrue();
    assertThat(first.value()).hasSize(48).isNotEqualTo(second.value());
    assertThat(first.accepts("Bearer " + first.value())).isTrue();
  }

  @Test
  void jsonStringsAreEscaped() {
    assertThat(Json.string("a \"quoted\"\\path\n\u0001"))
        .isEqualTo("\"a \\\"quoted\\\"\\\\path\\n\\u0001\"");
    assertThat(Json.string(null)).isEqualTo("null");
  }
}
