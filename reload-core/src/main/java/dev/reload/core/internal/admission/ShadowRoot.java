package dev.reload.core.internal.admission;

import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.reload.core.internal.platform.Platform;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shadow root ({@code reload.shadow-dir}) and the private directory each {@link ShadowStore}
 * gets in it: what is checked before anything inside the root is touched, how the directory is
 * made, and how directories are deleted without ever following a symlink.
 *
 * <p><b>The root and who may touch it.</b> The store lives in the configured root
 * ({@code reload.shadow-dir}). Whoever can rename entries in a directory on the way to a copy can
 * swap it between its checks and its load, and whoever owns a directory the store cleans can
 * plant symlinks into the server user's files. So, before anything inside the root is read or
 * deleted:
 *
 * <ul>
 *   <li>a missing root is created with mode 0700;
 *   <li>the root and every directory above it (symlinks resolved) must belong to this process's
 *       user or root, and be writable by no one else, unless it is sticky like {@code /tmp}
 *       (others may add entries there but cannot rename or delete ours); otherwise the store
 *       refuses, naming the directory, its owner or mode, and what to change;
 *   <li>on Linux, the root's file system must not be mounted {@code noexec} ({@link MountTable}):
 *       the kernel would refuse to map every copy ("failed to map segment from shared object"),
 *       so the store refuses at start rather than at each load.
 * </ul>
 *
 * <p>Its own directory is {@code reload-<pid>-<64 random bits>}, made by one exclusive
 * {@code mkdir} with mode 0700 (it fails on any existing entry, a symlink included) and checked
 * afterwards; the name cannot be guessed, so nobody can create it first. The pid lets a later
 * store find the directories of dead processes. Those are deleted relative to open directories
 * ({@link SecureDirectoryStream}, {@code openat}/{@code unlinkat}): never following a symlink, and
 * only directories (not symlinks to them) owned by this user. Where the JDK has no
 * {@code SecureDirectoryStream} (Windows), dead processes' directories are left, with a log line.
 *
 * <p><b>The default root</b> is {@code java.io.tmpdir} itself, not a fixed directory in it: on
 * Linux that is {@code /tmp}, owned by root and sticky, so the only thing created there is this
 * store's unguessable private directory. A fixed name such as {@code /tmp/reload-shadow} could be
 * created first by any local user, who would then own the root: the server would refuse to start,
 * and a store that cleaned up inside the root before checking it would act on whatever that
 * user put there; two users of one host would also collide on it. (On macOS and Windows {@code
 * java.io.tmpdir} is already per user.)
 *
 * <p>Thread-safe: stateless; two stores may open in one root at once (each touches only its own
 * directory and dead processes'); the shared {@link SecureRandom} is thread-safe.
 */
final class ShadowRoot {

  private static final Logger log = LoggerFactory.getLogger(ShadowRoot.class);
  private static final Pattern OWN_DIR = Pattern.compile("reload-(\\d+)-[0-9a-f]+");
  private static final Set<PosixFilePermission> PRIVATE =
      PosixFilePermissions.fromString("rwx------");
  /** Names of store directories: unguessable, so no other user can create one first. */
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The one libc call needed here: which user this process creates files as. */
  interface LibC extends Library {
    int geteuid();
  }

  private static final class Holder {
    static final LibC LIBC = Native.load("c", LibC.class);
  }

  private ShadowRoot() {}

  /**
   * Checks the root {@code root} (owner, mode, mount), creating it private if it is missing,
   * creates a new private directory in it, and deletes what dead processes of this user left.
   *
   * @return the new directory, empty and private to this process's user
   * @throws UncheckedIOException naming {@code reload.shadow-dir}, the directory and what to
   *     change if the root is not private to this user or is on a {@code noexec} mount, or if the
   *     directory cannot be created
   */
  static Path createPrivateDirectory(Path root, Platform platform) {
    Path absolute = root.toAbsolutePath().normalize();
    boolean posix = platform != Platform.WINDOWS;
    try {
      Files.createDirectories(
          absolute,
          posix
              ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PRIVATE)}
              : new FileAttribute<?>[0]);
      Path real = absolute.toRealPath();
      int self = posix ? effectiveUid() : -1;
      if (posix) {
        requirePrivate(root, real, self);
        requireExecutable(root, real, platform);
      }
      Object rootKey = Files.readAttributes(real, BasicFileAttributes.class).fileKey();
      Path dir = createOwnDirectory(root, real, posix, self);
      deleteDeadProcessDirs(real, rootKey, dir);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create the shadow directory under " + absolute + " (reload.shadow-dir): " + e, e);
    }
  }

  /** Deletes {@code dir} and everything in it, without following symlinks; failures are logged. */
  static void deleteDirectory(Path dir) {
    try (DirectoryStream<Path> parent = Files.newDirectoryStream(dir.getParent())) {
      if (parent instanceof SecureDirectoryStream<Path> secure) {
        deleteTree(secure, dir.getFileName(), null);
        return;
      }
    } catch (NoSuchFileException e) {
      return;
    } catch (IOException | DirectoryIteratorException e) {
      log.warn("cannot delete shadow directory {}: {}", dir, e.toString());
      return;
    }
    deleteTree(dir);
  }

  /**
   * Refuses a root that another user could change: the root and every directory above it must
   * belong to this user or root and be writable by no one else, unless sticky. Reads only the
   * directories' own attributes, nothing inside the root.
   */
  private static void requirePrivate(Path configured, Path real, int self) throws IOException {
    for (Path directory = real; directory != null; directory = directory.getParent()) {
      DirectoryAccess access = DirectoryAccess.of(directory);
      int uid = access.uid();
      int mode = access.mode();
      boolean isRoot = directory.equals(real);
      String what = isRoot
          ? setting(configured, real)
          : "directory " + directory + " above " + setting(configured, real);
      if (!access.ownedBySelfOrRoot(self)) {
        throw refusal(what + " is owned by "
            + Files.getOwner(directory, LinkOption.NOFOLLOW_LINKS).getName() + " (uid " + uid
            + "), neither this process's user (uid " + self + ") nor root, so that user could "
            + (isRoot
                ? "replace a library copy between its checks and its load"
                : "swap the shadow directory for another")
            + "; nothing in it was touched. "
            + (isRoot
                ? "Set reload.shadow-dir to a directory owned by this user and writable by"
                    + " no one else (or remove " + directory
                    + " and let the registry create it with"
                    + " mode 700)"
                : "Set reload.shadow-dir to a directory whose parents all belong to this user or"
                    + " root")
            + ", or leave it unset to use a private directory in java.io.tmpdir");
      }
      if (access.othersMayRename()) {
        throw refusal(what + " is writable by other users (mode " + permissions(mode)
            + ") and not sticky, so they could rename or replace "
            + (isRoot ? "the library copies in it before they are loaded" : "the shadow directory")
            + "; nothing in it was touched. "
            + (isRoot
                ? "Make it private (chmod 700 " + directory + ")"
                : "Make it sticky or not writable by others (chmod +t or chmod go-w " + directory
                    + ")")
            + ", or set reload.shadow-dir to a directory only this user can write");
      }
    }
  }

  /** Refuses a root on a Linux mount that forbids mapping code from its files. */
  private static void requireExecutable(Path configured, Path real, Platform platform) {
    if (platform != Platform.LINUX) {
      return;
    }
    Optional<MountTable.Mount> mount = MountTable.readSelf().flatMap(table -> table.mountOf(real));
    if (mount.isPresent() && mount.get().noexec()) {
      throw refusal(setting(configured, real) + " is on a file system mounted noexec (mount"
          + " point " + mount.get().mountPoint() + ", type " + mount.get().type() + "): the"
          + " kernel refuses to map code from it, so every plugin would fail to load with"
          + " \"failed to map segment from shared object\". Set reload.shadow-dir to a directory"
          + " on a file system mounted without noexec, owned by this server's user and writable"
          + " by no one else, such as one under its home directory or /var/lib/<app>");
    }
  }

  /**
   * Creates this store's directory by one exclusive {@code mkdir} (it fails on any existing
   * entry, even a symlink) with mode 0700, under a name no one can guess, and checks the result.
   */
  private static Path createOwnDirectory(Path configured, Path real, boolean posix, int self)
      throws IOException {
    Path dir = real.resolve("reload-" + ProcessHandle.current().pid() + "-"
        + HexFormat.of().toHexDigits(RANDOM.nextLong()));
    if (!posix) {
      return Files.createDirectory(dir);
    }
    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE));
    DirectoryAccess made = DirectoryAccess.of(dir);
    int mode = made.mode();
    if (made.uid() != self || (mode & 0077) != 0) {
      Files.deleteIfExists(dir);
      throw refusal(setting(configured, real) + ": the new directory " + dir + " came out owned"
          + " by uid " + made.uid() + " with mode " + permissions(mode) + ", not"
          + " private to this process's user (uid " + self + "); does the file system"
          + " ignore owners and modes? Set reload.shadow-dir to a directory on a local POSIX file"
          + " system");
    }
    return dir;
  }

  /**
   * Deletes the directories of dead processes of this user in {@code root}, relative to the
   * open root: never following a symlink, and never deleting anything but a directory owned by
   * the user who owns {@code ownDir}. Where that is impossible, or the root was replaced since it
   * was checked, leaves them. Logs failures rather than throwing: a leftover never stops a start.
   */
  private static void deleteDeadProcessDirs(Path root, Object rootKey, Path ownDir) {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
      UserPrincipal self = Files.getOwner(ownDir, LinkOption.NOFOLLOW_LINKS);
      if (!(entries instanceof SecureDirectoryStream<Path> secure)) {
        log.info(
            "not deleting shadow directories of dead processes in {}: this platform cannot"
                + " delete relative to an open directory (no SecureDirectoryStream), and"
                + " deleting by"
                + " path could follow a symlink",
            root);
        return;
      }
      Object key = secure
          .getFileAttributeView(BasicFileAttributeView.class)
          .readAttributes()
          .fileKey();
      if (!Objects.equals(key, rootKey)) {
        log.warn(
            "not deleting shadow directories of dead processes in {}: it was replaced"
                + " after its owner and mode were checked",
            root);
        return;
      }
      for (Path entry : secure) {
        Path name = entry.getFileName();
        Matcher own = OWN_DIR.matcher(name.toString());
        if (own.matches() && !isAlive(Long.parseLong(own.group(1)))) {
          deleteDeadProcessDir(secure, name, root.resolve(name), own.group(1), self);
        }
      }
    } catch (IOException | DirectoryIteratorException e) {
      log.warn("cannot delete shadow directories of dead processes in {}: {}", root, e.toString());
    }
  }

  private static void deleteDeadProcessDir(
      SecureDirectoryStream<Path> root, Path name, Path shown, String pid, UserPrincipal self) {
    try {
      PosixFileAttributes attributes = root.getFileAttributeView(
              name, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
          .readAttributes();
      if (!attributes.isDirectory()) {
        log.info(
            "leaving {}: named like a shadow directory of dead process {}, but it is not a"
                + " directory{}",
            shown,
            pid,
            attributes.isSymbolicLink() ? " (a symlink)" : "");
        return;
      }
      if (!attributes.owner().equals(self)) {
        log.debug(
            "leaving {}: the shadow directory of dead process {} belongs to {}",
            shown,
            pid,
            attributes.owner().getName());
        return;
      }
      log.info("deleting shadow copies left by dead process {}: {}", pid, shown);
      deleteTree(root, name, self);
    } catch (IOException e) {
      log.warn(
          "cannot delete shadow directory {} of dead process {}: {}", shown, pid, e.toString());
    }
  }

  private static boolean isAlive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /**
   * Deletes the directory {@code name} of {@code parent} and everything in it, each step
   * relative to an open directory: a symlink is unlinked as a link, never followed; a directory
   * swapped for a symlink meanwhile fails to open ({@code O_NOFOLLOW}) instead of being entered.
   * With an {@code owner}, the directory is left unless it, as opened, belongs to that user.
   */
  private static void deleteTree(SecureDirectoryStream<Path> parent, Path name, UserPrincipal owner)
      throws IOException {
    try (SecureDirectoryStream<Path> directory =
        parent.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
      if (owner != null
          && !directory
              .getFileAttributeView(PosixFileAttributeView.class)
              .readAttributes()
              .owner()
              .equals(owner)) {
        throw new IOException("it changed owner while being deleted");
      }
      for (Path entry : directory) {
        Path child = entry.getFileName();
        BasicFileAttributes attributes = directory
            .getFileAttributeView(child, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
            .readAttributes();
        if (attributes.isDirectory()) {
          deleteTree(directory, child, null);
        } else {
          directory.deleteFile(child);
        }
      }
    } catch (DirectoryIteratorException e) {
      throw e.getCause();
    }
    parent.deleteDirectory(name);
  }

  /**
   * Deletes a tree by path where no {@link SecureDirectoryStream} exists; links are not followed.
   */
  private static void deleteTree(Path root) {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> {
        try {
          Files.deleteIfExists(path);
        } catch (FileSystemException e) {
          log.warn("cannot delete shadow copy {}: {}", path, e.toString());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      log.warn("cannot delete shadow directory {}: {}", root, e.toString());
    }
  }

  /** How messages name the root: the setting as given, and where it really is if that differs. */
  private static String setting(Path configured, Path real) {
    return "reload.shadow-dir " + configured
        + (configured.toAbsolutePath().normalize().equals(real) ? "" : " (" + real + ")");
  }

  /** {@code rwxr-x---}-style permissions of a {@code unix:mode}. */
  private static String permissions(int mode) {
    String letters = "rwxrwxrwx";
    StringBuilder text = new StringBuilder(letters.length());
    for (int bit = 0; bit < letters.length(); bit++) {
      text.append((mode & (0400 >> bit)) != 0 ? letters.charAt(bit) : '-');
    }
    return text.toString();
  }

  /** The refusal of a root: the same exception type as any other failure to open the store. */
  private static UncheckedIOException refusal(String message) {
    return new UncheckedIOException(message, new IOException(message));
  }

  /** The user id this process creates files as. */
  private static int effectiveUid() throws IOException {
    try {
      return Holder.LIBC.geteuid();
    } catch (LinkageError e) {
      throw new IOException("cannot tell which user this process runs as (geteuid): " + e, e);
    }
  }
}
