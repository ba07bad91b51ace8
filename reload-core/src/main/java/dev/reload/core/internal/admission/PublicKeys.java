package dev.reload.core.internal.admission;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Parses the Ed25519 public keys of {@code reload.security.public-keys}. Public because {@link
 * dev.reload.core.ReloadSettings} checks the keys as they are set. Stateless and thread-safe.
 */
public final class PublicKeys {

  private PublicKeys() {}

  /**
   * Each of {@code base64Keys} as an Ed25519 public key, from the Base64 of its X.509
   * SubjectPublicKeyInfo (a PEM "PUBLIC KEY" body; PEM armour and line breaks are ignored).
   *
   * @throws IllegalArgumentException naming the first key ("public key 2") that is not one
   */
  public static List<PublicKey> parseAll(List<String> base64Keys) {
    List<PublicKey> keys = new ArrayList<>();
    for (int i = 0; i < base64Keys.size(); i++) {
      keys.add(parse(base64Keys.get(i), "public key " + (i + 1)));
    }
    return List.copyOf(keys);
  }

  private static PublicKey parse(String base64, String what) {
    String body = base64.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    try {
      return KeyFactory.getInstance("Ed25519")
          .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(body)));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          what + " is not a Base64 X.509 Ed25519 public key: " + e.getMessage(), e);
    }
  }
}
