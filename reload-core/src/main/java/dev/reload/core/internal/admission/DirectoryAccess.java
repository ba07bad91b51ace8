package dev.reload.core.internal.admission;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

/**
 * Who owns a directory and whether other users may rename entries in it, read without following a
 * symlink. The one rule behind the trust policy's check of the directories above a library and
 * the shadow root's check of itself and the directories above it: a directory that belongs to
 * another user (not root), or that others may write without the sticky bit, lets that user swap
 * what lies below it. Immutable and thread-safe.
 *
 * @param uid the owner's user id
 * @param mode the {@code unix:mode} bits
 */
record DirectoryAccess(int uid, int mode) {

  private static final int ROOT_UID = 0;
  private static final int WRITABLE_BY_OTHERS = 0022;
  private static final int STICKY = 01000;

  /**
   * Reads {@code dir}'s owner and mode.
   *
   * @throws UnsupportedOperationException if the file system has no unix view (Windows)
   */
  static DirectoryAccess of(Path dir) throws IOException {
    Map<String, Object> attributes =
        Files.readAttributes(dir, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
    return new DirectoryAccess((Integer) attributes.get("uid"), (Integer) attributes.get("mode"));
  }

  /** Whether the directory belongs to the user {@code self} or to root. */
  boolean ownedBySelfOrRoot(int self) {
    return uid == self || uid == ROOT_UID;
  }

  /** Whether group or others may write it without the sticky bit (as on {@code /tmp}). */
  boolean othersMayRename() {
    return (mode & WRITABLE_BY_OTHERS) != 0 && (mode & STICKY) == 0;
  }
}
