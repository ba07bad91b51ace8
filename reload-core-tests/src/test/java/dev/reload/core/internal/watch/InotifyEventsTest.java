package dev.reload.core.internal.watch;

import static dev.reload.core.internal.watch.InotifyEvent.IN_CLOSE_NOWRITE;
import static dev.reload.core.internal.watch.InotifyEvent.IN_CLOSE_WRITE;
import static dev.reload.core.internal.watch.InotifyEvent.IN_CREATE;
import static dev.reload.core.internal.watch.InotifyEvent.IN_DELETE;
import static dev.reload.core.internal.watch.InotifyEvent.IN_DELETE_SELF;
import static dev.reload.core.internal.watch.InotifyEvent.IN_IGNORED;
import static dev.reload.core.internal.watch.InotifyEvent.IN_ISDIR;
import static dev.reload.core.internal.watch.InotifyEvent.IN_MOVED_FROM;
import static dev.reload.core.internal.watch.InotifyEvent.IN_MOVED_TO;
import static dev.reload.core.internal.watch.InotifyEvent.IN_MOVE_SELF;
import static dev.reload.core.internal.watch.InotifyEvent.IN_OPEN;
import static dev.reload.core.internal.watch.InotifyEvent.IN_Q_OVERFLOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.reload.core.internal.watch.InotifyEvents.Batch;
import dev.reload.core.internal.watch.InotifyEvents.CreatedEntry;
import dev.reload.core.internal.watch.PathChain.Link;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What each inotify event means for a watched file, from plain values: no kernel, no file. The
 * file {@code /srv/plugins/libgreeter.so} is watched along its walk {@code /} (wd 1), {@code /srv}
 * (wd 2) and {@code /srv/plugins} (wd 3).
 */
class InotifyEventsTest {

  private static final Path ROOT = Path.of("/");
  private static final Path SRV = Path.of("/srv");
  private static final Path PLUGINS = Path.of("/srv/plugins");
  private static final Path GREETER = PLUGINS.resolve("libgreeter.so");
  private static final int ROOT_WD = 1;
  private static final int SRV_WD = 2;
  private static final int PLUGINS_WD = 3;
  private static final boolean REARM = true;
  private static final boolean SAME_WALK = false;
  private static final Asked NOTHING = new Asked(List.of(), List.of(), SAME_WALK);

  /** Everything a batch asks the watcher for, compared at once. */
  private record Asked(List<Path> complete, List<Path> arriving, boolean rearm) {}

  /** What the lookup is told a created entry is, per entry; anything unlisted is OTHER. */
  private final Map<Path, CreatedEntry> created = new HashMap<>();
  /** The entries the lookup was asked about, in order. */
  private final List<Path> lookedUp = new ArrayList<>();

  private final InotifyEvents events = new InotifyEvents(List.of(GREETER), entry -> {
    lookedUp.add(entry);
    return created.getOrDefault(entry, CreatedEntry.OTHER);
  });

  InotifyEventsTest() {
    events.armed(
        Map.of(GREETER, walk(GREETER)), Map.of(ROOT, ROOT_WD, SRV, SRV_WD, PLUGINS, PLUGINS_WD));
  }

  private static PathChain walk(Path file) {
    return new PathChain(List.of(
        new Link(ROOT, "srv"),
        new Link(SRV, "plugins"),
        new Link(PLUGINS, file.getFileName().toString())));
  }

  private static Asked asks(List<Path> complete, List<Path> arriving, boolean rearm) {
    return new Asked(complete, arriving, rearm);
  }

  private Asked handle(InotifyEvent... read) {
    return handle(events, read);
  }

  private static Asked handle(InotifyEvents events, InotifyEvent... read) {
    Batch batch = new Batch();
    for (InotifyEvent event : read) {
      events.handle(event, batch);
    }
    return new Asked(List.copyOf(batch.complete()), List.copyOf(batch.arriving()), batch.rearm());
  }

  private static InotifyEvent event(int wd, int mask, String name) {
    return new InotifyEvent(wd, mask, name);
  }

  @Test
  void finishedWriteOfTheFileProvesItComplete() {
    assertThat(handle(event(PLUGINS_WD, IN_CLOSE_WRITE, "libgreeter.so")))
        .isEqualTo(asks(List.of(GREETER), List.of(), SAME_WALK));
  }

  @Test
  void renameIntoPlaceProvesTheFileComplete() {
    assertThat(handle(event(PLUGINS_WD, IN_MOVED_TO, "libgreeter.so")))
        .isEqualTo(asks(List.of(GREETER), List.of(), SAME_WALK));
  }

  @Test
  void newFileOnlyMayBeArriving() {
    assertThat(handle(event(PLUGINS_WD, IN_CREATE, "libgreeter.so")))
        .isEqualTo(asks(List.of(), List.of(GREETER), SAME_WALK));
    assertThat(lookedUp).containsExactly(GREETER);
  }

  @Test
  void hardLinkAsCargoPublishesProvesTheFileComplete() {
    created.put(GREETER, CreatedEntry.HARD_LINK);

    assertThat(handle(event(PLUGINS_WD, IN_CREATE, "libgreeter.so")))
        .isEqualTo(asks(List.of(GREETER), List.of(), SAME_WALK));
  }

  @Test
  void symlinkCreatedProvesTheFileCompleteAndMovesTheWalk() {
    created.put(GREETER, CreatedEntry.SYMLINK);

    assertThat(handle(event(PLUGINS_WD, IN_CREATE, "libgreeter.so")))
        .isEqualTo(asks(List.of(GREETER), List.of(), REARM));
  }

  @Test
  void deletionIsNeverAChange() {
    assertThat(handle(event(PLUGINS_WD, IN_DELETE, "libgreeter.so"))).isEqualTo(NOTHING);
  }

  @Test
  void renameAwayIsNeverAChange() {
    assertThat(handle(event(PLUGINS_WD, IN_MOVED_FROM, "libgreeter.so"))).isEqualTo(NOTHING);
  }

  @Test
  void deleteThenRecreateOfTheFileMayBeArriving() {
    // gcc -o: the old file unlinked, a new one created and written.
    assertThat(handle(
            event(PLUGINS_WD, IN_DELETE, "libgreeter.so"),
            event(PLUGINS_WD, IN_CREATE, "libgreeter.so")))
        .isEqualTo(asks(List.of(), List.of(GREETER), SAME_WALK));
  }

  @Test
  void completeFileIsNotAlsoArriving() {
    assertThat(handle(
            event(PLUGINS_WD, IN_CREATE, "libgreeter.so"),
            event(PLUGINS_WD, IN_CLOSE_WRITE, "libgreeter.so")))
        .isEqualTo(asks(List.of(GREETER), List.of(), SAME_WALK));
  }

  @Test
  void eventsForUnrelatedNamesAreIgnored() {
    assertThat(handle(
            event(PLUGINS_WD, IN_CLOSE_WRITE, "libother.so"),
            event(PLUGINS_WD, IN_MOVED_TO, "libgreeter.so.tmp"),
            event(PLUGINS_WD, IN_CREATE, "libgreeter.so.sig"),
            event(SRV_WD, IN_CREATE | IN_ISDIR, "cache"),
            event(ROOT_WD, IN_DELETE, "tmp")))
        .isEqualTo(NOTHING);
    assertThat(lookedUp).isEmpty();
  }

  @Test
  void eventsOfADroppedWatchAreIgnored() {
    assertThat(handle(event(42, IN_CLOSE_WRITE, "libgreeter.so"), event(42, IN_IGNORED, "")))
        .isEqualTo(NOTHING);
  }

  @Test
  void directoryOnTheWayRemovedMovesTheWalkWithoutAChange() {
    assertThat(handle(event(SRV_WD, IN_DELETE | IN_ISDIR, "plugins")))
        .isEqualTo(asks(List.of(), List.of(), REARM));
  }

  @Test
  void directoryOnTheWayRecreatedMovesTheWalkAndTheFileMayBeArriving() {
    assertThat(handle(event(SRV_WD, IN_CREATE | IN_ISDIR, "plugins")))
        .isEqualTo(asks(List.of(), List.of(GREETER), REARM));
  }

  @Test
  void directoryRenamedInOnTheWayProvesTheFileComplete() {
    // A release directory swapped in by rename (mv plugins.new plugins).
    assertThat(handle(event(SRV_WD, IN_MOVED_TO | IN_ISDIR, "plugins")))
        .isEqualTo(asks(List.of(GREETER), List.of(), REARM));
  }

  @Test
  void hardLinkOfAnEntryOnTheWayIsNotProofOfCompleteness() {
    // Only the file's own entry may be a second name; elsewhere a creation is a new walk.
    created.put(PLUGINS, CreatedEntry.HARD_LINK);

    assertThat(handle(event(SRV_WD, IN_CREATE, "plugins")))
        .isEqualTo(asks(List.of(), List.of(GREETER), REARM));
  }

  @Test
  void closeWriteOfAnEntryOnTheWayIsNotTheFileFinished() {
    assertThat(handle(event(SRV_WD, IN_CLOSE_WRITE, "plugins")))
        .isEqualTo(asks(List.of(), List.of(), REARM));
  }

  @ParameterizedTest(name = "mask {0}")
  @ValueSource(ints = {IN_IGNORED, IN_DELETE_SELF, IN_MOVE_SELF})
  void watchedDirectoryGoneRearmsAndRescansTheFilesWhoseWalkPassedIt(int gone) {
    // Removed or unmounted (IN_IGNORED, also after IN_DELETE_SELF), or renamed away.
    for (int wd : new int[] {SRV_WD, PLUGINS_WD}) {
      assertThat(handle(event(wd, gone, "")))
          .as("wd %d", wd)
          .isEqualTo(asks(List.of(), List.of(GREETER), REARM));
    }
  }

  @Test
  void overflowRearmsAndRescansEveryFile() {
    Path counter = PLUGINS.resolve("libcounter.so");
    events.watch(counter);

    assertThat(handle(event(-1, IN_Q_OVERFLOW, "")))
        .isEqualTo(asks(List.of(), List.of(GREETER, counter), REARM));
  }

  @Test
  void unwatchedFileIsNotRescanned() {
    events.unwatch(GREETER);

    assertThat(handle(event(-1, IN_Q_OVERFLOW, "")).arriving()).isEmpty();
  }

  @Test
  void fileHeldOpenIsOpenUntilEveryOpenIsClosed() {
    handle(
        event(PLUGINS_WD, IN_OPEN, "libgreeter.so"), event(PLUGINS_WD, IN_OPEN, "libgreeter.so"));
    assertThat(events.isOpen(GREETER)).isTrue();

    handle(event(PLUGINS_WD, IN_CLOSE_NOWRITE, "libgreeter.so"));
    assertThat(events.isOpen(GREETER)).isTrue();

    assertThat(handle(event(PLUGINS_WD, IN_CLOSE_WRITE, "libgreeter.so")).complete())
        .containsExactly(GREETER);
    assertThat(events.isOpen(GREETER)).isFalse();
  }

  @Test
  void opensOfAnotherNameAreNotCounted() {
    handle(event(PLUGINS_WD, IN_OPEN, "libother.so"));

    assertThat(events.isOpen(GREETER)).isFalse();
  }

  @Test
  void replacedFileForgetsTheOpensOfTheOldOne() {
    for (int replacement : new int[] {IN_DELETE, IN_MOVED_FROM, IN_CREATE, IN_MOVED_TO}) {
      handle(event(PLUGINS_WD, IN_OPEN, "libgreeter.so"));

      handle(event(PLUGINS_WD, replacement, "libgreeter.so"));

      assertThat(events.isOpen(GREETER)).as("after mask 0x%x", replacement).isFalse();
    }
  }

  @Test
  void overflowForgetsEveryOpen() {
    handle(event(PLUGINS_WD, IN_OPEN, "libgreeter.so"));

    handle(event(-1, IN_Q_OVERFLOW, ""));

    assertThat(events.isOpen(GREETER)).isFalse();
  }

  @Test
  void removedDirectoryForgetsTheOpensCountedInIt() {
    handle(event(PLUGINS_WD, IN_OPEN, "libgreeter.so"));

    handle(event(PLUGINS_WD, IN_IGNORED, ""));

    assertThat(events.isOpen(GREETER)).isFalse();
  }

  @Test
  void unwatchForgetsTheOpens() {
    handle(event(PLUGINS_WD, IN_OPEN, "libgreeter.so"));

    events.unwatch(GREETER);

    assertThat(events.isOpen(GREETER)).isFalse();
  }

  @Test
  void onlyCreatedEntriesAreLookedUp() {
    handle(
        event(PLUGINS_WD, IN_OPEN, "libgreeter.so"),
        event(PLUGINS_WD, IN_CLOSE_WRITE, "libgreeter.so"),
        event(PLUGINS_WD, IN_MOVED_TO, "libgreeter.so"),
        event(PLUGINS_WD, IN_DELETE, "libgreeter.so"),
        event(SRV_WD, IN_DELETE | IN_ISDIR, "plugins"));
    assertThat(lookedUp).isEmpty();

    handle(event(SRV_WD, IN_CREATE | IN_ISDIR, "plugins"));
    assertThat(lookedUp).containsExactly(PLUGINS);
  }

  @Test
  void symlinkSwapOnTheWayProvesEveryFileBehindItComplete() {
    // /srv/current -> releases/v2: both files are reached through the swapped symlink.
    Path current = SRV.resolve("current");
    Path v2 = SRV.resolve("releases/v2");
    Path greeter = current.resolve("libgreeter.so");
    Path counter = current.resolve("libcounter.so");
    Map<Path, PathChain> walks = new LinkedHashMap<>();
    for (Path file : List.of(greeter, counter)) {
      walks.put(
          file,
          new PathChain(List.of(
              new Link(ROOT, "srv"),
              new Link(SRV, "current"),
              new Link(SRV, "releases"),
              new Link(SRV.resolve("releases"), "v2"),
              new Link(v2, file.getFileName().toString()))));
    }
    InotifyEvents swapped = new InotifyEvents(walks.keySet(), entry -> CreatedEntry.SYMLINK);
    swapped.armed(walks, Map.of(ROOT, 1, SRV, 2, SRV.resolve("releases"), 4, v2, 5));

    // ln -s releases/v3 current.new && mv -T current.new current
    assertThat(handle(
            swapped,
            event(2, IN_CREATE, "current.new"),
            event(2, IN_MOVED_FROM, "current.new"),
            event(2, IN_MOVED_TO, "current")))
        .isEqualTo(asks(List.of(greeter, counter), List.of(), REARM));
  }

  @Test
  void directoriesNotAcceptedByTheKernelAreNotRead() {
    InotifyEvents partly = new InotifyEvents(List.of(GREETER), entry -> CreatedEntry.OTHER);
    partly.armed(Map.of(GREETER, walk(GREETER)), Map.of(ROOT, ROOT_WD, SRV, SRV_WD));

    assertThat(handle(
            partly,
            event(PLUGINS_WD, IN_CLOSE_WRITE, "libgreeter.so"),
            event(SRV_WD, IN_CREATE | IN_ISDIR, "plugins")))
        .isEqualTo(asks(List.of(), List.of(GREETER), REARM));
  }

  @Test
  void theFilesDirectoryReportsContentAndEveryOtherOnlyStructure() {
    Path counter = SRV.resolve("libcounter.so");
    Map<Path, PathChain> walks = new LinkedHashMap<>();
    walks.put(GREETER, walk(GREETER));
    walks.put(
        counter, new PathChain(List.of(new Link(ROOT, "srv"), new Link(SRV, "libcounter.so"))));

    Map<Path, Integer> masks = InotifyEvents.masks(walks);

    assertThat(masks)
        .containsExactly(
            Map.entry(ROOT, InotifyEvents.STRUCTURE),
            Map.entry(SRV, InotifyEvents.CONTENT),
            Map.entry(PLUGINS, InotifyEvents.CONTENT));
    int opensAndCloses = IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE;
    int entryChanges =
        IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF;
    assertThat(InotifyEvents.CONTENT & opensAndCloses).isEqualTo(opensAndCloses);
    assertThat(InotifyEvents.STRUCTURE & opensAndCloses).isZero();
    assertThat(InotifyEvents.STRUCTURE & entryChanges).isEqualTo(entryChanges);
  }
}
