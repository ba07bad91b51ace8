package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.typesafe.config.ConfigFactory;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.fixtures.Calls;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.PluginDir;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.opentest4j.TestAbortedException;

/**
 * The shadow root, against real registries: a root another user owns or may write is refused
 * before anything in it is touched; cleanup of dead processes' copies never follows a symlink and
 * deletes only this user's directories; the default root is one nobody can pre-create; a root on a
 * {@code noexec} mount is refused before any library is loaded. The tests run as root (as CI
 * does), so that they can hand files to the user {@code nobody} and mount file systems.
 */
@EnabledOnOs(OS.LINUX)
class ShadowStoreTest {

  private static final int NOBODY = 65534;
  private static final String OWN_DIR = "reload-" + ProcessHandle.current().pid() + "-[0-9a-f]{16}";

  @TempDir
  Path root;

  private PluginDir dir;
  private final List<PluginRegistry> registries = new ArrayList<>();
  private final List<Path> mounts = new ArrayList<>();

  @BeforeEach
  void setUp() {
    dir = new PluginDir(root);
    dir.publish("counter", Sources.counter(1));
  }

  @AfterEach
  void tearDown() throws Exception {
    registries.forEach(PluginRegistry::close);
    for (Path mount : mounts) {
      if (run("umount", mount.toString()) != 0) {
        run("umount", "-l", mount.toString()); // busy: detach it now, the kernel frees it later
      }
    }
  }

  private PluginRegistry start(ReloadSettings.Builder settings) {
    PluginRegistry registry = RegistryBuilder.of(settings
            .watchEnabled(false)
            .plugin(PluginSettings.builder("counter").build())
            .build())
        .build();
    registries.add(registry);
    return registry;
  }

  /** The id of a process that has exited. */
  private static long deadPid() throws Exception {
    Process process = new ProcessBuilder("true").start();
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    return process.pid();
  }

  /** Gives {@code path} (itself, not a symlink's target) to the user and group nobody. */
  private static void chownToNobody(Path path) throws IOException {
    Files.setAttribute(path, "unix:uid", NOBODY, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(path, "unix:gid", NOBODY, LinkOption.NOFOLLOW_LINKS);
  }

  private static Path file(Path path, String content) throws IOException {
    Files.createDirectories(path.getParent());
    return Files.writeString(path, content);
  }

  private static List<String> names(Path directory) throws IOException {
    try (Stream<Path> entries = Files.list(directory)) {
      return entries.map(entry -> entry.getFileName().toString()).sorted().toList();
    }
  }

  private static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(
        Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
  }

  private static int run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getInputStream().transferTo(System.out);
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return -1;
    }
    return process.exitValue();
  }

  /** Mounts a fresh tmpfs at a new directory named {@code name}, or skips the test if it cannot. */
  private Path mountTmpfs(String name, String options) throws Exception {
    Path mountPoint = Files.createDirectories(root.resolve(name));
    int status =
        run("mount", "-t", "tmpfs", "-o", options + ",size=16m", "tmpfs", mountPoint.toString());
    if (status != 0) {
      throw new TestAbortedException("cannot mount a tmpfs here (mount exited with " + status
          + "; not root, or no CAP_SYS_ADMIN)");
    }
    mounts.add(mountPoint);
    return mountPoint.toRealPath();
  }

  // Regression: the registry deleted inside a foreign root before checking whose it was.
  @Test
  void rootOwnedByAnotherUserIsRefusedBeforeAnythingInItIsTouched() throws Exception {
    Path ourFile = file(root.resolve("ours/secret.txt"), "ours");
    Path ourDir = root.resolve("ours/dir");
    Path ourFileInDir = file(ourDir.resolve("keep.txt"), "ours too");
    Path shadow = Files.createDirectories(dir.shadow());
    long dead = deadPid();
    Path deadDir = Files.createDirectory(shadow.resolve("reload-" + dead + "-abc"));
    Path linkInside = Files.createSymbolicLink(deadDir.resolve("counter-1-libcounter.so"), ourFile);
    Path linkAsDir = Files.createSymbolicLink(shadow.resolve("reload-" + dead + "-def"), ourDir);
    for (Path planted : List.of(shadow, deadDir, linkInside, linkAsDir)) {
      chownToNobody(planted);
    }
    Files.setPosixFilePermissions(shadow, PosixFilePermissions.fromString("rwxr-xr-x"));

    Throwable refusal = catchThrowable(() -> start(dir.settings()));

    assertThat(ourFile).hasContent("ours");
    assertThat(ourFileInDir).hasContent("ours too");
    assertThat(names(shadow)).containsExactly("reload-" + dead + "-abc", "reload-" + dead + "-def");
    assertThat(names(deadDir)).containsExactly("counter-1-libcounter.so");
    assertThat(linkInside).isSymbolicLink();
    assertThat(linkAsDir).isSymbolicLink();
    assertThat(refusal)
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("reload.shadow-dir " + shadow)
        .hasMessageContaining("is owned by nobody (uid " + NOBODY + ")")
        .hasMessageContaining("nothing in it was touched");
  }

  @ParameterizedTest
  @ValueSource(strings = {"rwxrwxrwx", "rwxrwx---"})
  void writableRootThatIsNotStickyIsRefusedBeforeAnythingInItIsDeleted(String mode)
      throws Exception {
    Path shadow = Files.createDirectories(dir.shadow());
    Path deadDir = Files.createDirectory(shadow.resolve("reload-" + deadPid() + "-abc"));
    Path leftOver = file(deadDir.resolve("counter-1-libcounter.so"), "left behind");
    Files.setPosixFilePermissions(shadow, PosixFilePermissions.fromString(mode));

    Throwable refusal = catchThrowable(() -> start(dir.settings()));

    assertThat(leftOver).hasContent("left behind");
    assertThat(names(shadow)).containsExactly(deadDir.getFileName().toString());
    assertThat(refusal)
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("reload.shadow-dir " + shadow)
        .hasMessageContaining("is writable by other users (mode " + mode + ") and not sticky")
        .hasMessageContaining("chmod 700 " + shadow);
  }

  @Test
  void deadProcessDirOfThisUserIsDeletedWithoutFollowingItsSymlinks() throws Exception {
    Path ourFile = file(root.resolve("ours/secret.txt"), "ours");
    Path ourDir = root.resolve("ours/dir");
    Path ourFileInDir = file(ourDir.resolve("keep.txt"), "ours too");
    Path shadow = Files.createDirectories(dir.shadow());
    Path deadDir = Files.createDirectory(shadow.resolve("reload-" + deadPid() + "-abc"));
    file(deadDir.resolve("counter-1-libcounter.so"), "left behind");
    file(deadDir.resolve("nested/deeper.so"), "left behind");
    Files.createSymbolicLink(deadDir.resolve("counter-2-libcounter.so"), ourFile);
    Files.createSymbolicLink(deadDir.resolve("nested/dir-link"), ourDir);
    Path liveDir =
        Files.createDirectory(shadow.resolve("reload-" + ProcessHandle.current().pid() + "-def"));

    PluginRegistry registry = start(dir.settings());

    assertThat(deadDir).doesNotExist();
    assertThat(ourFile).hasContent("ours");
    assertThat(ourFileInDir).hasContent("ours too");
    assertThat(liveDir).isDirectory();
    assertThat(Calls.next(registry, "counter")).isEqualTo(1);
  }

  @Test
  void onlyRealDirectoriesOfThisUserAreDeletedAsDeadProcessDirs() throws Exception {
    Path ourDir = root.resolve("ours/dir");
    Path ourFileInDir = file(ourDir.resolve("keep.txt"), "ours");
    Path shadow = Files.createDirectories(dir.shadow());
    long dead = deadPid();
    Path linkAsDir = Files.createSymbolicLink(shadow.resolve("reload-" + dead + "-abc"), ourDir);
    Path othersDir = Files.createDirectory(shadow.resolve("reload-" + dead + "-def"));
    Path othersFile = file(othersDir.resolve("counter-1-libcounter.so"), "not ours");
    chownToNobody(othersFile);
    chownToNobody(othersDir);
    Path plainFile = file(shadow.resolve("reload-" + dead + "-f00"), "a file");

    start(dir.settings());

    assertThat(linkAsDir).isSymbolicLink();
    assertThat(ourFileInDir).hasContent("ours");
    assertThat(othersFile).hasContent("not ours");
    assertThat(plainFile).hasContent("a file");
  }

  @Test
  void missingRootIsCreatedPrivate() throws Exception {
    Path shadow = root.resolve("state/reload");

    PluginRegistry registry = start(dir.settings().shadowDir(shadow));

    Path own = registry.plugin("counter").current().shadowPath().getParent();
    assertThat(own.getParent()).isEqualTo(shadow.toRealPath());
    assertThat(mode(shadow)).isEqualTo("rwx------");
    assertThat(mode(own)).isEqualTo("rwx------");
  }

  @Test
  void defaultRootIsTheTempDirectoryWithAPrivateUnguessableDirectoryPerRegistry() throws Exception {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    // Nothing with a fixed name below java.io.tmpdir, which another user could create first.
    assertThat(ReloadSettings.builder().build().shadowDir()).isEqualTo(tmp);
    assertThat(ReloadSettings.fromConfig(ConfigFactory.load()).shadowDir()).isEqualTo(tmp);

    PluginRegistry first =
        start(ReloadSettings.builder().searchPaths(dir.libs()).preflight(false));
    PluginRegistry second =
        start(ReloadSettings.builder().searchPaths(dir.libs()).preflight(false));

    Path firstDir = first.plugin("counter").current().shadowPath().getParent();
    Path secondDir = second.plugin("counter").current().shadowPath().getParent();
    assertThat(firstDir).isNotEqualTo(secondDir);
    for (Path own : List.of(firstDir, secondDir)) {
      assertThat(own.getParent()).isEqualTo(tmp.toRealPath());
      // The pid lets a later process find a dead one's copies; 64 random bits make it unguessable.
      assertThat(own.getFileName().toString()).matches(OWN_DIR);
      assertThat(mode(own)).isEqualTo("rwx------");
      assertThat(Files.getOwner(own, LinkOption.NOFOLLOW_LINKS))
          .isEqualTo(Files.getOwner(dir.libs()));
    }
    first.close();
    assertThat(firstDir).doesNotExist();
    assertThat(secondDir).isDirectory();
  }

  // Regression: with /tmp mounted noexec every load failed with "failed to map segment".
  @Test
  void rootOnANoexecMountIsRefusedBeforeAnyLoad() throws Exception {
    Path mount = mountTmpfs("mnt a", "noexec");
    Path shadow = mount.resolve("shadow");

    assertThatThrownBy(() -> start(dir.settings().shadowDir(shadow)))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("reload.shadow-dir " + shadow)
        .hasMessageContaining("mount point " + mount + ", type tmpfs")
        .hasMessageContaining("noexec")
        .hasMessageNotContaining("cannot load library"); // the old failure, at the first load
    try (Stream<Path> files = Files.walk(mount)) {
      assertThat(files.filter(Files::isRegularFile)).isEmpty();
    }
    assertThat(PluginDir.mappedUnder(mount)).isEmpty();
  }

  @Test
  void rootOnAnExecMountWorks() throws Exception {
    Path mount = mountTmpfs("mnt b", "exec");

    PluginRegistry registry = start(dir.settings().shadowDir(mount.resolve("shadow")));

    assertThat(Calls.next(registry, "counter")).isEqualTo(1);
    assertThat(PluginDir.mappedUnder(mount)).isNotEmpty();
    assertThat(
            new String(Files.readAllBytes(Path.of("/proc/self/mountinfo")), StandardCharsets.UTF_8))
        .contains(mount.toString().replace(" ", "\\040"));
  }
}
