package dev.reload.core;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/** Parses the Ed25519 public keys of {@code reload.security.public-keys}. Stateless. */
public final class Keys {

  private Keys() {}

  /**
   * An Ed25519 public key from the Base64 of its X.509 SubjectPublicKeyInfo (a PEM "PUBLIC KEY"
   * body; PEM armour and line breaks are ignored).
   *
   * @throws IllegalArgumentException naming {@code what} if it is not one
   */
  public static PublicKey parse(String base64, String what) {
    String body = base64.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    try {
      return KeyFactory.getInstance("Ed25519")
          .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(body)));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new IllegalArgumentException(what + " is not a Base64 X.509 Ed25519 public key: "
          + e.getMessage(), e);
    }
  }
}
