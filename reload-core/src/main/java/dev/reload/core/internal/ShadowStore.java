package dev.reload.core.internal;

import dev.reload.ReloadStep;
import dev.reload.UnloadHazard;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The private copies libraries are loaded from. Every staged file gets its own unique name under
 * a directory of this store's own, so that neither JNA's cache (by name and path) nor glibc's (by
 * path and inode) ever hands back an older version, and so that no writer of the source file can
 * change a mapped image. The directory is deleted on close; directories of processes that are no
 * longer alive are deleted when a store opens.
 *
 * <p>Where the directory lives, and what is checked before anything in it is touched, is {@link
 * ShadowRoot}'s job.
 *
 * <p>Thread-safe: names come from an atomic sequence; each copy is written by one caller.
 */
final class ShadowStore implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ShadowStore.class);

  private final Path dir;
  private final boolean checkElf;
  private final AtomicLong sequence = new AtomicLong();

  private ShadowStore(Path dir, boolean checkElf) {
    this.dir = dir;
    this.checkElf = checkElf;
  }

  /**
   * Opens a store under {@code root}: checks the root (owner, mode, mount), deletes what dead
   * processes of this user left there, and creates this store's private directory.
   *
   * @throws UncheckedIOException naming {@code reload.shadow-dir}, the directory and what to
   *     change if the root is not private to this user or is on a {@code noexec} mount, or if the
   *     directory cannot be created
   */
  static ShadowStore open(Path root, Platform platform) {
    Path dir = ShadowRoot.createPrivateDirectory(root, platform);
    if (!platform.usesElf()) {
      log.info("libraries on {} are not ELF files: the header, segment and symbol checks are"
          + " skipped; the preflight probe and the load step still check each candidate",
          platform);
    }
    return new ShadowStore(dir, platform.usesElf());
  }

  /** This store's own directory. */
  Path directory() {
    return dir;
  }

  /** The user this process writes files as, or null where the file system has no owners. */
  UserPrincipal owner() {
    try {
      return Files.getOwner(dir);
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  /**
   * Copies {@code source} to a new unique file named after the plugin and its library file
   * {@code origin}, hashing it on the way, and checks the copy. {@code source} is {@code origin}
   * itself, or an older copy when rolling back.
   *
   * @throws StepFailure at {@link ReloadStep#STAGE} if the source is missing, changed while being
   *     copied, cannot be copied, or is not a complete library for this machine
   */
  StagedCopy stage(String plugin, Path source, Path origin) throws StepFailure {
    Path target = dir.resolve(plugin + "-" + sequence.incrementAndGet() + "-" + origin.getFileName());
    try {
      BasicFileAttributes before = Files.readAttributes(source, BasicFileAttributes.class);
      if (!before.isRegularFile()) {
        throw new StepFailure(ReloadStep.STAGE, "library " + source + " is not a regular file");
      }
      MessageDigest sha256 = sha256();
      long copied;
      try (InputStream in = Files.newInputStream(source);
          OutputStream out = new DigestOutputStream(
              Files.newOutputStream(target, StandardOpenOption.CREATE_NEW), sha256)) {
        copied = in.transferTo(out);
      }
      BasicFileAttributes after = Files.readAttributes(source, BasicFileAttributes.class);
      if (copied != before.size() || after.size() != before.size()
          || !after.lastModifiedTime().equals(before.lastModifiedTime())
          || !Objects.equals(after.fileKey(), before.fileKey())) {
        throw new StepFailure(ReloadStep.STAGE, "library " + source
            + " changed while it was being copied (still being written?); the next finished write"
            + " will be picked up");
      }
      Set<UnloadHazard> hazards = Set.of();
      if (checkElf) {
        ElfCheck.check(target, source);
        hazards = ElfCheck.unloadHazards(target, source);
      }
      return new StagedCopy(origin, target, HexFormat.of().formatHex(sha256.digest()), copied,
          hazards);
    } catch (NoSuchFileException e) {
      delete(target);
      throw new StepFailure(ReloadStep.STAGE, "library " + source + " does not exist (deleted or"
          + " being replaced?)", e);
    } catch (IOException e) {
      delete(target);
      throw new StepFailure(ReloadStep.STAGE, "cannot copy library " + source + " into the shadow"
          + " directory " + dir + ": " + e, e);
    } catch (StepFailure e) {
      delete(target);
      throw e;
    }
  }

  /** Deletes a copy; a failure is logged, not thrown (the copy is removed with the directory). */
  void delete(Path copy) {
    try {
      Files.deleteIfExists(copy);
    } catch (IOException e) {
      log.warn("cannot delete shadow copy {}: {}", copy, e.toString());
    }
  }

  /** Deletes this store's directory and every copy in it, without following symlinks. */
  @Override
  public void close() {
    ShadowRoot.deleteDirectory(dir);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * A checked copy of the library file {@code source}, ready to be loaded, with what in it can keep
   * it mapped after it is unloaded.
   */
  record StagedCopy(Path source, Path path, String sha256, long size,
      Set<UnloadHazard> unloadHazards) {

    StagedCopy {
      EnumSet<UnloadHazard> hazards = EnumSet.noneOf(UnloadHazard.class);
      hazards.addAll(unloadHazards);
      unloadHazards = Collections.unmodifiableSet(hazards); // in declaration order, for messages
    }
  }
}
