package dev.reload.core.internal.admission;

import dev.reload.ReloadStep;
import dev.reload.core.internal.platform.Platform;
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
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The private copies libraries are loaded from. Every copy gets its own unique name under
 * a directory of this store's own, so that neither JNA's cache (by name and path) nor glibc's (by
 * path and inode) ever hands back an older version, and so that no writer of the source file can
 * change a mapped image. The directory is deleted on close; directories of processes that are no
 * longer alive are deleted when a store opens.
 *
 * <p>Where the directory lives, and what is checked before anything in it is touched, is {@link
 * ShadowRoot}'s job.
 *
 * <p>Thread-safe: names come from an atomic sequence; each copy is written by one caller; the
 * {@link CopyListener} is called on the copying thread.
 */
public final class ShadowStore implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ShadowStore.class);

  /** Bytes read and written at a time; each chunk is reported to {@link #listener}. */
  private static final int CHUNK_BYTES = 64 * 1024;

  private final Path dir;
  private final CopyListener listener;
  private final AtomicLong sequence = new AtomicLong();

  private ShadowStore(Path dir, CopyListener listener) {
    this.dir = dir;
    this.listener = listener;
  }

  /**
   * Opens a store under {@code root}: checks the root (owner, mode, mount), deletes what dead
   * processes of this user left there, and creates this store's private directory; {@code
   * listener} is told of every chunk copied ({@link CopyListener#NONE} for none).
   *
   * @throws UncheckedIOException naming {@code reload.shadow-dir}, the directory and what to
   *     change if the root is not private to this user or is on a {@code noexec} mount, or if the
   *     directory cannot be created
   */
  public static ShadowStore open(Path root, Platform platform, CopyListener listener) {
    return new ShadowStore(ShadowRoot.createPrivateDirectory(root, platform), listener);
  }

  /** This store's own directory. */
  public Path directory() {
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

  /** The user id this process writes files as, or -1 where the file system has no user ids. */
  int ownerUid() {
    try {
      return DirectoryAccess.of(dir).uid();
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return -1;
    }
  }

  /**
   * Copies {@code source} to a new unique file named after the plugin and its library file
   * {@code origin}, hashing it on the way. {@code source} is {@code origin}'s real path, or a copy
   * kept for rollback. Checks nothing of the content: that is {@link Admission}'s job.
   *
   * @throws StepFailure at {@link ReloadStep#COPY} if the source is missing, is not a regular file,
   *     changed while it was being copied, or cannot be copied into this store's directory
   */
  Copy copy(String plugin, Path source, Path origin) throws StepFailure {
    Path target =
        dir.resolve(plugin + "-" + sequence.incrementAndGet() + "-" + origin.getFileName());
    try {
      BasicFileAttributes before = Files.readAttributes(source, BasicFileAttributes.class);
      if (!before.isRegularFile()) {
        throw new StepFailure(ReloadStep.COPY, "library " + source + " is not a regular file");
      }
      MessageDigest sha256 = sha256();
      long copied = 0;
      try (InputStream in = Files.newInputStream(source);
          OutputStream out = new DigestOutputStream(
              Files.newOutputStream(target, StandardOpenOption.CREATE_NEW), sha256)) {
        byte[] chunk = new byte[CHUNK_BYTES];
        for (int read; (read = in.read(chunk)) != -1; ) {
          out.write(chunk, 0, read);
          copied += read;
          listener.copied(source, copied);
        }
      }
      // A writer still at work (cp writes in place) would leave a copy of no finished build.
      BasicFileAttributes after = Files.readAttributes(source, BasicFileAttributes.class);
      if (copied != before.size()
          || after.size() != before.size()
          || !after.lastModifiedTime().equals(before.lastModifiedTime())
          || !Objects.equals(after.fileKey(), before.fileKey())) {
        throw new StepFailure(
            ReloadStep.COPY,
            "library " + source
                + " changed while it was being copied (still being written?); the next finished"
                + " write"
                + " will be picked up");
      }
      return new Copy(target, HexFormat.of().formatHex(sha256.digest()));
    } catch (NoSuchFileException e) {
      delete(target);
      throw new StepFailure(
          ReloadStep.COPY, "library " + source + " does not exist (deleted or being replaced?)", e);
    } catch (IOException e) {
      delete(target);
      throw new StepFailure(
          ReloadStep.COPY,
          "cannot copy library " + source + " into the shadow directory " + dir + ": " + e,
          e);
    } catch (StepFailure e) {
      delete(target);
      throw e;
    }
  }

  /** Deletes a copy; a failure is logged, not thrown (the copy is removed with the directory). */
  public void delete(Path copy) {
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

  /** A private copy in this store and the SHA-256 of the bytes written to it. */
  record Copy(Path path, String sha256) {}

  /**
   * Told after each chunk a copy has written: the seam where tests change a source while it is
   * being copied. Called on the copying thread; an {@link IOException} fails the copy.
   */
  @FunctionalInterface
  public interface CopyListener {

    /** Listens to nothing: what a registry uses. */
    CopyListener NONE = (source, copied) -> {};

    /** {@code copied} bytes of {@code source} have been written to the copy so far. */
    void copied(Path source, long copied) throws IOException;
  }
}
