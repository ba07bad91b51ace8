package dev.reload.core.internal.platform;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * Which of some files a process maps, from its {@code /proc/<pid>/maps}: each line is an address
 * range, permissions, offset, device and inode, then the path from its first {@code '/'}, with
 * {@code " (deleted)"} after it once the file is unlinked.
 *
 * <p>Reads the lines as bytes through one buffer and compares them with the names' bytes: a JVM
 * maps hundreds of files, and a {@code String} per line (with a reader's buffers) was 90 KB of
 * garbage per reload, 40% of what the reload thread allocated in the reload harness.
 *
 * <p>Immutable and thread-safe; each {@link #find} reads the file anew.
 */
public final class ProcMaps {

  private static final byte[] DELETED = " (deleted)".getBytes(StandardCharsets.UTF_8);

  private final Path file;
  private final int bufferBytes;

  /** The maps of {@code file}, read {@code bufferBytes} at a time (more for a longer line). */
  public ProcMaps(Path file, int bufferBytes) {
    this.file = file;
    this.bufferBytes = bufferBytes;
  }

  /**
   * Those of {@code paths} the maps name, as they were given; stops reading once it found them all.
   *
   * @throws IOException if the maps cannot be read
   */
  public Set<String> find(Collection<String> paths) throws IOException {
    Set<String> found = new HashSet<>();
    if (paths.isEmpty()) {
      return found;
    }
    String[] names = paths.toArray(String[]::new);
    byte[][] wanted = new byte[names.length][];
    for (int i = 0; i < names.length; i++) {
      wanted[i] = names[i].getBytes(StandardCharsets.UTF_8);
    }
    byte[] buffer = new byte[bufferBytes];
    int filled = 0;
    try (InputStream in = Files.newInputStream(file)) {
      for (int read;
          found.size() < names.length
              && (read = in.read(buffer, filled, buffer.length - filled)) != -1; ) {
        filled += read;
        int lineStart = 0;
        for (int i = filled - read; i < filled; i++) {
          if (buffer[i] == '\n') {
            match(buffer, lineStart, i, wanted, names, found);
            lineStart = i + 1;
          }
        }
        // Keep the unfinished line at the start; a line longer than the buffer grows it.
        filled -= lineStart;
        System.arraycopy(buffer, lineStart, buffer, 0, filled);
        if (filled == buffer.length) {
          buffer = Arrays.copyOf(buffer, buffer.length * 2);
        }
      }
    }
    return found;
  }

  /** Adds to {@code found} the name whose path the line {@code [from, to)} ends with, if any. */
  private static void match(
      byte[] line, int from, int to, byte[][] wanted, String[] names, Set<String> found) {
    int path = from;
    while (path < to && line[path] != '/') {
      path++;
    }
    if (path == to) {
      return; // an anonymous mapping, [heap], [stack]...
    }
    int end = endsWith(line, path, to, DELETED) ? to - DELETED.length : to;
    for (int i = 0; i < wanted.length; i++) {
      if (Arrays.equals(line, path, end, wanted[i], 0, wanted[i].length)) {
        found.add(names[i]);
      }
    }
  }

  private static boolean endsWith(byte[] line, int from, int to, byte[] suffix) {
    return to - from >= suffix.length
        && Arrays.equals(line, to - suffix.length, to, suffix, 0, suffix.length);
  }
}
