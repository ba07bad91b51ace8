package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.ReloadEvent;
import dev.reload.ReloadOutcome;
import dev.reload.fixtures.Calls;
import dev.reload.fixtures.CounterSnapshot;
import dev.reload.fixtures.InEveryWatchMode;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.PluginDir;
import dev.reload.testkit.RegistryUnderTest;
import dev.reload.testkit.ReloadExtension;
import dev.reload.testkit.Shell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every way builds and deploys publish a library, done with the real tools ({@code ln}, {@code
 * cp}, {@code mv}, {@code rm -rf && mkdir}, release symlinks) against a watching registry, in
 * every watch mode: each change is picked up, and the next one after it too (the watch survived).
 * Regression tests: the inotify watcher once missed hard links, lost a recreated directory for
 * good, never saw a switched release symlink (and trust then refused the new release) and missed a
 * rebuilt symlink target.
 */
@EnabledOnOs(OS.LINUX)
@ExtendWith(ReloadExtension.class)
class DeployLayoutTest {

  private static final Duration WAIT = Duration.ofSeconds(15);

  private Path root;
  private PluginDir dir;
  private RegistryUnderTest underTest;
  private PluginRegistry registry;

  @BeforeEach
  void setUp(PluginDir dir, RegistryUnderTest underTest) {
    this.dir = dir;
    this.underTest = underTest;
    this.root = dir.root();
  }

  /** Starts a watching registry of the counter plugin found through {@code searchPath}. */
  private void start(ReloadSettings.WatchMode mode, Path searchPath, Path... allowedDirs) {
    registry = underTest.start(RegistryBuilder.of(dir.settings()
            .searchPaths(searchPath)
            .allowedDirs(List.of(allowedDirs))
            .watchMode(mode)
            .pollInterval(Duration.ofMillis(50))
            .plugin(
                PluginSettings.builder("counter").requiredSymbols("counter_set").build())
            .build())
        .stateSnapshot("counter", new CounterSnapshot()));
    assertThat(version()).isEqualTo(1);
    assertThat(Calls.next(registry, "counter")).isEqualTo(1);
  }

  /** Publishes build 1 as plugins/libcounter.so and starts watching it. */
  private void startWithFirstBuild(ReloadSettings.WatchMode mode) {
    dir.publish("counter", Sources.counter(1));
    start(mode, dir.libs());
  }

  /** A script line copying build {@code n} next to {@code target}, then renaming it into place. */
  private String renameInto(String target, int n) {
    return "cp " + build(n) + " " + target + ".tmp && mv " + target + ".tmp " + target;
  }

  private int version() {
    return Calls.version(registry, "counter");
  }

  /** A build of version {@code n}, relative to {@link #root}, for the shell scripts. */
  private String build(int n) {
    return root.relativize(dir.build().compile(Sources.counter(n))).toString();
  }

  private void awaitVersion(int n) {
    await().atMost(WAIT).until(() -> version() == n);
    assertThat(underTest.events()).noneMatch(ReloadEvent.Failed.class::isInstance);
  }

  /** The counter kept its state across every reload so far: one call per version seen. */
  private void assertStateKept(long calls) {
    assertThat(Calls.next(registry, "counter")).isEqualTo(calls + 1);
  }

  @InEveryWatchMode
  void hardLinkAfterDeleteIsPickedUp(ReloadSettings.WatchMode mode) {
    // What cargo does in target/release: remove the old file, hard-link the new build from deps/.
    startWithFirstBuild(mode);

    Shell.run(root, "rm plugins/libcounter.so && ln " + build(2) + " plugins/libcounter.so");
    awaitVersion(2);
    Shell.run(root, "rm plugins/libcounter.so && ln " + build(3) + " plugins/libcounter.so");
    awaitVersion(3);
    assertStateKept(1);
  }

  @InEveryWatchMode
  void copyOfANewFileIsPickedUpOnceComplete(ReloadSettings.WatchMode mode) {
    startWithFirstBuild(mode);

    Shell.run(root, "rm plugins/libcounter.so && cp " + build(2) + " plugins/libcounter.so");
    awaitVersion(2);
    Shell.run(root, "cp " + build(3) + " plugins/libcounter.so"); // in place, same inode
    awaitVersion(3);
    assertStateKept(1);
  }

  @InEveryWatchMode
  void directoryRemovedAndRecreatedIsWatchedAgain(ReloadSettings.WatchMode mode) {
    startWithFirstBuild(mode);

    Shell.run(root, "rm -rf plugins && mkdir plugins && cp " + build(2) + " plugins/libcounter.so");
    awaitVersion(2);
    Shell.run(root, renameInto("plugins/libcounter.so", 3));
    awaitVersion(3);
    assertStateKept(1);
  }

  @InEveryWatchMode
  void directoryRenamedAwayAndAnotherRenamedInIsPickedUp(ReloadSettings.WatchMode mode) {
    startWithFirstBuild(mode);

    Shell.run(
        root,
        "mkdir plugins.new && cp " + build(2) + " plugins.new/libcounter.so"
            + " && mv plugins plugins.old && mv plugins.new plugins");
    awaitVersion(2);
    // The old directory's watch must not stand in for the new one.
    Shell.run(root, renameInto("plugins.old/libcounter.so", 9));
    Shell.run(root, renameInto("plugins/libcounter.so", 3));
    awaitVersion(3);
    assertStateKept(1);
  }

  @InEveryWatchMode
  void releaseSymlinkSwitchedUnderTheSearchPathIsPickedUpAndTrusted(ReloadSettings.WatchMode mode)
      throws Exception {
    // Capistrano-style: current -> releases/v1; a deploy unpacks releases/v2, then renames a new
    // symlink over current. The search path is current/plugins.
    Shell.run(
        root,
        "mkdir -p releases/v1/plugins && cp " + build(1)
            + " releases/v1/plugins/libcounter.so && ln -s releases/v1 current");
    start(mode, root.resolve("current/plugins"));

    Shell.run(
        root,
        "mkdir -p releases/v2/plugins && cp " + build(2)
            + " releases/v2/plugins/libcounter.so && ln -s releases/v2 current.tmp"
            + " && mv -T current.tmp current");
    awaitVersion(2);
    assertThat(registry.plugin("counter").current().sourcePath())
        .isEqualTo(root.resolve("current/plugins/libcounter.so"));
    // The new release is inside the allowed directory as it resolves now: a manual reload is
    // not refused, and a rebuild inside the new release is seen.
    assertThat(registry.reload("counter").join()).isInstanceOf(ReloadOutcome.Unchanged.class);
    Shell.run(root, renameInto("releases/v2/plugins/libcounter.so", 3));
    awaitVersion(3);
    assertStateKept(1);
  }

  @InEveryWatchMode
  void libraryThatIsASymlinkIntoAnotherDirectoryFollowsRebuildsOfItsTarget(
      ReloadSettings.WatchMode mode) {
    Shell.run(
        root,
        "mkdir out && cp " + build(1) + " out/libcounter.so"
            + " && ln -s ../out/libcounter.so plugins/libcounter.so");
    start(mode, dir.libs(), dir.libs(), root.resolve("out"));

    Shell.run(root, renameInto("out/libcounter.so", 2));
    awaitVersion(2);
    Shell.run(root, "rm out/libcounter.so && ln " + build(3) + " out/libcounter.so");
    awaitVersion(3);
    assertStateKept(1);
  }

  @InEveryWatchMode
  void deletedFileIsNeverAReloadButItsReappearanceIs(ReloadSettings.WatchMode mode)
      throws Exception {
    startWithFirstBuild(mode);

    Shell.run(root, "rm -rf plugins");
    String second = build(2);
    assertThat(Calls.next(registry, "counter")).isEqualTo(2);
    assertThat(underTest.events()).isEmpty();

    Files.createDirectories(dir.libs());
    Shell.run(root, "cp " + second + " plugins/libcounter.so");
    awaitVersion(2);
    assertStateKept(2);
    assertThat(underTest.events()).noneMatch(ReloadEvent.Failed.class::isInstance);
  }
}
