package dev.reload.core.internal.watch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

/**
 * What a watched file looks like now, following symlinks: the file it resolves to, its identity
 * (inode), size and modification time. Two equal fingerprints mean "no change worth a reload".
 */
public record FileFingerprint(Path realPath, Object fileKey, long size, FileTime modified) {

  /** The file's fingerprint, or null if it does not exist (now). */
  public static FileFingerprint of(Path file) {
    try {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      if (!attributes.isRegularFile()) {
        return null;
      }
      return new FileFingerprint(
          file.toRealPath(),
          attributes.fileKey(),
          attributes.size(),
          attributes.lastModifiedTime());
    } catch (IOException e) {
      return null;
    }
  }
}
