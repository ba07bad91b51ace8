package dev.reload.core.internal.admission;

import dev.reload.PluginSettings;
import dev.reload.ReloadStep;
import dev.reload.core.ReloadSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Decides whether a library file may be loaded at all: it must resolve (symlinks and {@code ..}
 * followed) inside an allowed directory, itself resolved at each check, so that a release symlink
 * switched under a configured directory ({@code current -> releases/v2}) stays allowed; with
 * strict permissions neither it nor its directory may be writable by group or others or owned by
 * anyone but this process's user or root, and no directory above them may be either, unless it
 * is sticky like {@code /tmp} (as OpenSSH's StrictModes); its bytes must match a pinned SHA-256
 * and carry a valid Ed25519 signature ({@code <library>.sig}) when configured. These are {@link
 * Admission}'s {@link ReloadStep#TRUST} checks, run for new files only. Immutable and
 * thread-safe.
 */
public final class TrustPolicy {

  static final String SIGNATURE_SUFFIX = ".sig";
  private static final int RAW_SIGNATURE_BYTES = 64;

  private final List<Path> allowedDirs;
  private final boolean strictPermissions;
  private final UserPrincipal self;
  /** {@link #self}'s user id, for {@link DirectoryAccess}; -1 where there are no user ids. */
  private final int selfUid;

  private final List<PublicKey> publicKeys;
  private final boolean requireSignature;

  private TrustPolicy(
      List<Path> allowedDirs,
      boolean strictPermissions,
      UserPrincipal self,
      int selfUid,
      List<PublicKey> publicKeys,
      boolean requireSignature) {
    this.allowedDirs = List.copyOf(allowedDirs);
    this.strictPermissions = strictPermissions;
    this.self = self;
    this.selfUid = selfUid;
    this.publicKeys = List.copyOf(publicKeys);
    this.requireSignature = requireSignature;
  }

  /**
   * The trust rules of {@code settings}: the configured allowed directories, or else {@code
   * searchDirs} and the directory of each library given by absolute path; all made absolute here
   * and resolved at each check. Files must belong to {@code store}'s owner (or root).
   *
   * @throws IllegalArgumentException naming a configured public key that is not one
   */
  public static TrustPolicy from(
      ReloadSettings settings, List<Path> searchDirs, ShadowStore store) {
    Set<Path> allowed = new LinkedHashSet<>();
    if (!settings.allowedDirs().isEmpty()) {
      settings.allowedDirs().forEach(dir -> allowed.add(absolute(dir)));
    } else {
      searchDirs.forEach(dir -> allowed.add(absolute(dir)));
      for (PluginSettings plugin : settings.plugins().values()) {
        Path library = Path.of(plugin.library());
        if (!plugin.platformName() && library.isAbsolute()) {
          allowed.add(absolute(library.getParent()));
        }
      }
    }
    return new TrustPolicy(
        List.copyOf(allowed),
        settings.strictPermissions(),
        store.owner(),
        store.ownerUid(),
        PublicKeys.parseAll(settings.publicKeys()),
        settings.requireSignature());
  }

  private static Path absolute(Path dir) {
    return dir.toAbsolutePath().normalize();
  }

  /** A library file as checked: its real path and identity (inode). */
  record Checked(Path realPath, Object fileKey) {}

  /**
   * Checks where {@code source} really is and who may change it.
   *
   * @return the real path to copy from, so that the check and the copy see the same file
   * @throws StepFailure at {@link ReloadStep#TRUST} naming the rule broken, or at {@link
   *     ReloadStep#COPY} if the file is missing or cannot be resolved: nothing is there to trust
   */
  Checked checkSource(Path source) throws StepFailure {
    Path real;
    try {
      real = source.toRealPath();
    } catch (NoSuchFileException e) {
      throw new StepFailure(
          ReloadStep.COPY, "library " + source + " does not exist (deleted or being replaced?)", e);
    } catch (IOException e) {
      throw new StepFailure(ReloadStep.COPY, "cannot resolve library " + source + ": " + e, e);
    }
    List<Path> allowedNow = allowedDirs.stream().map(TrustPolicy::resolveNow).toList();
    if (allowedNow.stream().noneMatch(real::startsWith)) {
      throw new StepFailure(
          ReloadStep.TRUST,
          "library " + source + " resolves to " + real
              + ", outside the allowed directories " + describe(allowedNow) + " (a symlink or '..'"
              + " escaping them?); refused");
    }
    if (strictPermissions) {
      requireSafe(real, "library " + source);
      requireSafe(real.getParent(), "directory " + real.getParent() + " of library " + source);
      requireSafeAncestors(real.getParent(), source);
    }
    return new Checked(real, fileKey(real, source));
  }

  /** Where {@code dir} leads now; a directory that does not exist stays as configured. */
  private static Path resolveNow(Path dir) {
    try {
      return dir.toRealPath();
    } catch (IOException e) {
      return dir.normalize();
    }
  }

  /** The allowed directories as configured, with where each resolves now when that differs. */
  private String describe(List<Path> allowedNow) {
    List<String> shown = new ArrayList<>();
    for (int i = 0; i < allowedDirs.size(); i++) {
      Path configured = allowedDirs.get(i);
      shown.add(
          configured.equals(allowedNow.get(i))
              ? configured.toString()
              : configured + " (now " + allowedNow.get(i) + ")");
    }
    return shown.toString();
  }

  /**
   * Confirms after copying that {@code source} still resolves to the file checked, so a path
   * swapped between the check and the copy is refused rather than loaded.
   *
   * @throws StepFailure at {@link ReloadStep#COPY}: the copy is of a file no longer there
   */
  void confirm(Checked checked, Path source) throws StepFailure {
    try {
      if (!source.toRealPath().equals(checked.realPath())
          || !Objects.equals(fileKey(checked.realPath(), source), checked.fileKey())) {
        throw new StepFailure(
            ReloadStep.COPY,
            "library " + source + " was replaced while it was"
                + " being copied; the next finished change will be picked up");
      }
    } catch (IOException e) {
      throw new StepFailure(
          ReloadStep.COPY, "library " + source + " disappeared while it was being copied", e);
    }
  }

  private static Object fileKey(Path real, Path source) throws StepFailure {
    try {
      return Files.readAttributes(real, BasicFileAttributes.class).fileKey();
    } catch (IOException e) {
      throw new StepFailure(ReloadStep.COPY, "cannot read library " + source + ": " + e, e);
    }
  }

  /**
   * Every directory above the library's must belong to this user or root and be writable by no
   * one else, unless it is sticky (like {@code /tmp}: others cannot rename what is in it).
   */
  private void requireSafeAncestors(Path dir, Path source) throws StepFailure {
    for (Path ancestor = dir.getParent(); ancestor != null; ancestor = ancestor.getParent()) {
      DirectoryAccess access;
      try {
        access = DirectoryAccess.of(ancestor);
      } catch (UnsupportedOperationException | IllegalArgumentException e) {
        return; // no unix view here: the file and directory checks are what can be done
      } catch (IOException e) {
        throw new StepFailure(
            ReloadStep.TRUST,
            "cannot read the permissions of " + ancestor + " above library " + source + ": " + e,
            e);
      }
      if (access.othersMayRename()) {
        throw new StepFailure(
            ReloadStep.TRUST,
            "directory " + ancestor + " above library " + source
                + " is writable by other users (mode "
                + Integer.toOctalString(access.mode() & 07777)
                + "), so anyone could swap the library's directory; refused (chmod go-w, or set"
                + " reload.security.strict-permissions = false)");
      }
      if (!access.ownedBySelfOrRoot(selfUid)) {
        throw new StepFailure(
            ReloadStep.TRUST,
            "directory " + ancestor + " above library " + source
                + " is owned by " + ownerName(ancestor) + ", neither this process's user nor root;"
                + " refused (or set reload.security.strict-permissions = false)");
      }
    }
  }

  /** The name of {@code path}'s owner, for messages. */
  private static String ownerName(Path path) {
    try {
      return Files.getOwner(path, LinkOption.NOFOLLOW_LINKS).getName();
    } catch (IOException e) {
      return "another user";
    }
  }

  /**
   * Checks the bytes of {@code copy}, a private copy of {@code source}, against the plugin's
   * pinned SHA-256 and, when keys are configured, the signature file next to {@code source}: the
   * bytes checked are the bytes that will be loaded.
   *
   * @throws StepFailure at {@link ReloadStep#TRUST} naming the check failed
   */
  void checkContent(ShadowStore.Copy copy, String pinnedSha256, Path source) throws StepFailure {
    if (pinnedSha256 != null && !pinnedSha256.equalsIgnoreCase(copy.sha256())) {
      throw new StepFailure(
          ReloadStep.TRUST,
          "library " + source + " has SHA-256 " + copy.sha256() + ", not the pinned "
              + pinnedSha256.toLowerCase(Locale.ROOT) + "; refused");
    }
    Path signatureFile = source.resolveSibling(source.getFileName() + SIGNATURE_SUFFIX);
    if (!Files.exists(signatureFile)) {
      if (requireSignature) {
        throw new StepFailure(
            ReloadStep.TRUST,
            "library " + source + " has no signature " + signatureFile
                + " and reload.security.require-signature is on; refused");
      }
      return;
    }
    if (publicKeys.isEmpty()) {
      return;
    }
    try {
      byte[] signature = readSignature(signatureFile);
      byte[] bytes = Files.readAllBytes(copy.path());
      for (PublicKey key : publicKeys) {
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(key);
        verifier.update(bytes);
        if (verifier.verify(signature)) {
          return;
        }
      }
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new StepFailure(
          ReloadStep.TRUST,
          "cannot verify signature " + signatureFile + " of library " + source + ": "
              + e.getMessage(),
          e);
    }
    throw new StepFailure(
        ReloadStep.TRUST,
        "signature " + signatureFile + " of library " + source
            + " does not match its bytes under any of the " + publicKeys.size()
            + " configured public key(s) (reload.security.public-keys); refused");
  }

  /** A raw 64-byte Ed25519 signature, or the same in Base64 text. */
  private static byte[] readSignature(Path file) throws IOException {
    byte[] content = Files.readAllBytes(file);
    if (content.length == RAW_SIGNATURE_BYTES) {
      return content;
    }
    return Base64.getMimeDecoder().decode(new String(content, StandardCharsets.US_ASCII).trim());
  }

  private void requireSafe(Path path, String what) throws StepFailure {
    PosixFileAttributes attributes;
    try {
      attributes = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (UnsupportedOperationException e) {
      return; // not a POSIX file system (Windows): its ACLs are out of scope here
    } catch (IOException e) {
      throw new StepFailure(
          ReloadStep.TRUST, "cannot read the permissions of " + what + ": " + e, e);
    }
    Set<PosixFilePermission> permissions = attributes.permissions();
    if (permissions.contains(PosixFilePermission.GROUP_WRITE)
        || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
      throw new StepFailure(
          ReloadStep.TRUST,
          what + " is writable by "
              + (permissions.contains(PosixFilePermission.OTHERS_WRITE) ? "others" : "its group")
              + " ("
              + PosixFilePermissions.toString(permissions)
              + "), so anyone could swap its code; refused"
              + " (chmod go-w, or set reload.security.strict-permissions = false)");
    }
    String owner = attributes.owner().getName();
    if (!attributes.owner().equals(self) && !owner.equals("root")) {
      throw new StepFailure(
          ReloadStep.TRUST,
          what + " is owned by " + owner + ", neither this"
              + " process's user " + self.getName() + " nor root; refused (chown it, or set"
              + " reload.security.strict-permissions = false)");
    }
  }
}
