package dev.reload.example;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The bearer token admin calls must present: the configured one, or a random one generated at
 * start-up. Immutable and thread-safe.
 */
final class AdminToken {

  private static final String BEARER = "Bearer ";

  private final byte[] token;
  private final boolean generated;

  private AdminToken(String token, boolean generated) {
    this.token = token.getBytes(StandardCharsets.UTF_8);
    this.generated = generated;
  }

  /** The configured token, or a new random one. */
  static AdminToken of(ServerSettings settings) {
    return settings.adminToken().map(token -> new AdminToken(token, false)).orElseGet(() -> {
      byte[] random = new byte[24];
      new SecureRandom().nextBytes(random);
      return new AdminToken(HexFormat.of().formatHex(random), true);
    });
  }

  /** Whether the token was generated, so the server must print it once. */
  boolean generated() {
    return generated;
  }

  String value() {
    return new String(token, StandardCharsets.UTF_8);
  }

  /** Whether an {@code Authorization} header carries this token; constant-time. */
  boolean accepts(String authorization) {
    if (authorization == null || !authorization.startsWith(BEARER)) {
      return false;
    }
    byte[] given = authorization.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(token, given);
  }
}
