package dev.reload.core.internal.admission;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mounts this process sees, read from Linux's {@code /proc/self/mountinfo}, to tell which
 * file system a directory is on and with which per-mount flags ({@code noexec}, {@code ro}, ...).
 * A line looks like
 *
 * <pre>
 * 41 26 0:38 / /tmp/mnt\040a rw,noexec,relatime shared:5 - tmpfs tmpfs rw,size=16384k
 * </pre>
 *
 * <p>mount id, parent id, device, root within the file system, mount point, per-mount options,
 * zero or more optional fields ended by {@code -}, then the file system type, the source and the
 * super-block options. The kernel writes space, tab, newline and backslash in paths as octal
 * escapes ({@code \040}). Lines that do not have this shape are skipped.
 *
 * <p>Immutable and thread-safe.
 */
final class MountTable {

  private static final Logger log = LoggerFactory.getLogger(MountTable.class);
  static final Path SELF = Path.of("/proc/self/mountinfo");

  /** One mount: where it is, its per-mount options, and what is mounted. */
  record Mount(
      int id, int parentId, Path mountPoint, Set<String> options, String type, String source) {

    /** Whether the kernel refuses to map files of this mount as code ({@code MS_NOEXEC}). */
    boolean noexec() {
      return options.contains("noexec");
    }
  }

  private final List<Mount> mounts;

  private MountTable(List<Mount> mounts) {
    this.mounts = List.copyOf(mounts);
  }

  /** This process's mount table, or empty where there is none to read (not Linux, no /proc). */
  static Optional<MountTable> readSelf() {
    try {
      return Optional.of(parse(Files.readAllLines(SELF, StandardCharsets.UTF_8)));
    } catch (IOException | RuntimeException e) {
      log.debug("cannot read {}: {}", SELF, e.toString());
      return Optional.empty();
    }
  }

  /** The mounts of {@code lines} of a mountinfo file, skipping any line it cannot read. */
  static MountTable parse(List<String> lines) {
    List<Mount> mounts = new ArrayList<>();
    for (String line : lines) {
      Mount mount = parseLine(line);
      if (mount != null) {
        mounts.add(mount);
      } else if (!line.isBlank()) {
        log.debug("skipping a mountinfo line of an unknown shape: {}", line);
      }
    }
    return new MountTable(mounts);
  }

  /** The mount of one mountinfo line, or null if the line does not have the documented shape. */
  static Mount parseLine(String line) {
    String[] fields = line.trim().split(" ");
    int separator = List.of(fields).indexOf("-");
    if (separator < 6 || fields.length < separator + 3) {
      return null;
    }
    try {
      Path mountPoint = Path.of(unescape(fields[4]));
      if (!mountPoint.isAbsolute()) {
        return null;
      }
      return new Mount(
          Integer.parseInt(fields[0]),
          Integer.parseInt(fields[1]),
          mountPoint,
          Set.copyOf(Arrays.asList(fields[5].split(","))),
          unescape(fields[separator + 1]),
          unescape(fields[separator + 2]));
    } catch (IllegalArgumentException e) { // NumberFormatException, InvalidPathException
      return null;
    }
  }

  /**
   * The mount that holds {@code realPath} (a path with every symlink resolved): the one with the
   * longest mount point containing it; of several mounted on that same point, the one on top (the
   * one no other of them is mounted over).
   */
  Optional<Mount> mountOf(Path realPath) {
    Mount best = null;
    for (Mount mount : mounts) {
      if (!realPath.startsWith(mount.mountPoint())) {
        continue;
      }
      int depth = mount.mountPoint().getNameCount();
      if (best == null
          || depth > best.mountPoint().getNameCount()
          || (depth == best.mountPoint().getNameCount() && mount.parentId() == best.id())) {
        best = mount;
      }
    }
    return Optional.ofNullable(best);
  }

  /** All mounts, in the kernel's order. */
  List<Mount> mounts() {
    return mounts;
  }

  /**
   * Decodes the kernel's octal escapes ({@code \040} space, {@code \011} tab, {@code \012}
   * newline, {@code \134} backslash); any other byte stays as it is (file names are UTF-8 here).
   */
  static String unescape(String field) {
    if (field.indexOf('\\') < 0) {
      return field;
    }
    byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length);
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\\'
          && i + 3 < bytes.length
          && bytes[i + 1] >= '0'
          && bytes[i + 1] <= '3'
          && isOctal(bytes[i + 2])
          && isOctal(bytes[i + 3])) {
        out.write((bytes[i + 1] - '0') * 64 + (bytes[i + 2] - '0') * 8 + (bytes[i + 3] - '0'));
        i += 3;
      } else {
        out.write(bytes[i]);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static boolean isOctal(byte b) {
    return b >= '0' && b <= '7';
  }
}
