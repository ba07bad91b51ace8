package dev.reload.core.internal.watch;

import static dev.reload.core.internal.watch.InotifyEvent.IN_CLOSE_NOWRITE;
import static dev.reload.core.internal.watch.InotifyEvent.IN_CLOSE_WRITE;
import static dev.reload.core.internal.watch.InotifyEvent.IN_CREATE;
import static dev.reload.core.internal.watch.InotifyEvent.IN_DELETE;
import static dev.reload.core.internal.watch.InotifyEvent.IN_DELETE_SELF;
import static dev.reload.core.internal.watch.InotifyEvent.IN_DONT_FOLLOW;
import static dev.reload.core.internal.watch.InotifyEvent.IN_IGNORED;
import static dev.reload.core.internal.watch.InotifyEvent.IN_ISDIR;
import static dev.reload.core.internal.watch.InotifyEvent.IN_MOVED_FROM;
import static dev.reload.core.internal.watch.InotifyEvent.IN_MOVED_TO;
import static dev.reload.core.internal.watch.InotifyEvent.IN_MOVE_SELF;
import static dev.reload.core.internal.watch.InotifyEvent.IN_ONLYDIR;
import static dev.reload.core.internal.watch.InotifyEvent.IN_OPEN;
import static dev.reload.core.internal.watch.InotifyEvent.IN_Q_OVERFLOW;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What inotify events mean for the watched library files. {@link InotifyWatcher} makes the
 * system calls; this decides, from plain values, which directories to watch with which mask
 * ({@link #masks}), and, once told the walks it armed ({@link #armed}), what each event it reads
 * asks for ({@link #handle}): a file proved complete, a file that may be arriving, or the walks
 * to be armed again.
 *
 * <ul>
 *   <li>Complete: the file's own {@code IN_CLOSE_WRITE}; an {@code IN_MOVED_TO} of any entry on
 *       its walk (a rename into place, a symlink or directory swapped in); an {@code IN_CREATE}
 *       of a symlink, or of the file as a second name of an existing one (cargo publishes by
 *       hard link).
 *   <li>Arriving: any other {@code IN_CREATE} (a new file being written, a directory recreated),
 *       a watched directory gone ({@code IN_IGNORED}, {@code IN_DELETE_SELF}, {@code
 *       IN_MOVE_SELF}) for every file whose walk passed it, and every file after {@code
 *       IN_Q_OVERFLOW}.
 *   <li>Re-arm: any event on an entry before the last (a directory or symlink on the way), on a
 *       directory, a watched directory gone, a symlink created, or an overflow.
 *   <li>Nothing: a deletion or a rename away (the reappearance is the change), an event of a
 *       watch dropped by an earlier re-arm, an event for a name no walk passes.
 * </ul>
 *
 * <p>It also counts the opens of each file not yet closed ({@link #isOpen}): a linker creates its
 * output long before it writes it, so a file held open must not settle.
 *
 * <p>Not thread-safe: confined to the watcher thread. It makes no system call and reads no file;
 * what a created entry is comes from the {@link EntryLookup} it is given.
 */
final class InotifyEvents {

  // Logged under the watcher's name, where a user looks for what the watcher did.
  private static final Logger log = LoggerFactory.getLogger(InotifyWatcher.class);

  /** What changes which entry a directory holds, or the directory itself. */
  static final int STRUCTURE = IN_CREATE
      | IN_DELETE
      | IN_MOVED_FROM
      | IN_MOVED_TO
      | IN_DELETE_SELF
      | IN_MOVE_SELF
      | IN_ONLYDIR
      | IN_DONT_FOLLOW;
  /** The directory holding a library file also reports opens and closes. */
  static final int CONTENT = STRUCTURE | IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE;

  /** What a directory entry just created is. */
  enum CreatedEntry {
    /** A symlink: the walk leads elsewhere now, to a file already complete. */
    SYMLINK,
    /** A second name of an existing file (link count above one): complete as it appears. */
    HARD_LINK,
    /** Anything else: a file that may still be being written, or a directory. */
    OTHER
  }

  /** Tells what a just-created entry is; the watcher asks the file system. */
  @FunctionalInterface
  interface EntryLookup {
    CreatedEntry lookUp(Path entry);
  }

  /** A watched library file that depends on one directory entry. */
  private record Interest(Path file, boolean last) {}

  /**
   * What one run of events asks the watcher to do. Not thread-safe: filled and read by the
   * watcher thread.
   */
  static final class Batch {
    private boolean rearm;
    private final Set<Path> complete = new LinkedHashSet<>();
    private final Set<Path> arriving = new LinkedHashSet<>();

    /** Whether the walks may lead elsewhere now, so the watches must be armed again. */
    boolean rearm() {
      return rearm;
    }

    /** The files proved complete: to be compared with their last look at once. */
    Set<Path> complete() {
      return Collections.unmodifiableSet(complete);
    }

    /** The files that may be arriving and are not proved complete: to be settled. */
    Set<Path> arriving() {
      Set<Path> onlyArriving = new LinkedHashSet<>(arriving);
      onlyArriving.removeAll(complete);
      return onlyArriving;
    }
  }

  private final EntryLookup lookup;
  /** The library files, as configured (not resolved). Confined to the watcher thread. */
  private final Set<Path> files;
  /** The directory of each watch descriptor armed. Confined to the watcher thread. */
  private Map<Integer, Path> directories = Map.of();
  /** Per watch descriptor, per entry name, who depends on it. Confined to the watcher thread. */
  private Map<Integer, Map<String, List<Interest>>> interests = Map.of();
  /** Files opened and not closed yet, with how many opens. Confined to the watcher thread. */
  private final Map<Path, Integer> open = new HashMap<>();

  /** Watches {@code files}; {@code lookup} tells what a created entry is. */
  InotifyEvents(Collection<Path> files, EntryLookup lookup) {
    this.files = new LinkedHashSet<>(files);
    this.lookup = lookup;
  }

  /** The library files watched, as configured; a read-only view. */
  Set<Path> files() {
    return Collections.unmodifiableSet(files);
  }

  /** Watches {@code file} as well; its events count once its walk is {@link #armed}. */
  void watch(Path file) {
    files.add(file);
  }

  /** Stops watching {@code file} and forgets its opens. */
  void unwatch(Path file) {
    files.remove(file);
    open.remove(file);
  }

  /** Whether {@code file} was opened since and not closed: it may still be being written. */
  boolean isOpen(Path file) {
    return open.containsKey(file);
  }

  /**
   * The directories to watch for {@code walks} (each file's {@link PathChain}), each with its
   * mask: {@link #CONTENT} for a directory holding a walk's last entry, else {@link #STRUCTURE}.
   */
  static Map<Path, Integer> masks(Map<Path, PathChain> walks) {
    Map<Path, Integer> masks = new LinkedHashMap<>();
    for (PathChain walk : walks.values()) {
      for (PathChain.Link link : walk.links()) {
        masks.merge(link.dir(), walk.endsAt(link) ? CONTENT : STRUCTURE, (a, b) -> a | b);
      }
    }
    return masks;
  }

  /**
   * Reads later events against {@code walks} (per file), armed as {@code descriptors} (the watch
   * descriptor of each directory the kernel accepted; a directory missing there is not watched).
   */
  void armed(Map<Path, PathChain> walks, Map<Path, Integer> descriptors) {
    Map<Integer, Path> armedDirectories = new HashMap<>();
    descriptors.forEach((dir, wd) -> armedDirectories.putIfAbsent(wd, dir));
    Map<Integer, Map<String, List<Interest>>> armedInterests = new HashMap<>();
    walks.forEach((file, walk) -> {
      for (PathChain.Link link : walk.links()) {
        Integer wd = descriptors.get(link.dir());
        if (wd != null) {
          armedInterests
              .computeIfAbsent(wd, any -> new HashMap<>())
              .computeIfAbsent(link.name(), any -> new ArrayList<>())
              .add(new Interest(file, walk.endsAt(link)));
        }
      }
    });
    directories = armedDirectories;
    interests = armedInterests;
  }

  /** Adds to {@code batch} what {@code event} asks for, and counts the file's opens. */
  void handle(InotifyEvent event, Batch batch) {
    if (event.any(IN_Q_OVERFLOW)) {
      log.info("inotify event queue overflowed; watching again and rescanning every plugin file");
      open.clear(); // closes may have been lost with the overflow
      batch.rearm = true;
      batch.arriving.addAll(files);
      return;
    }
    Map<String, List<Interest>> byName = interests.get(event.wd());
    if (byName == null) {
      return; // a watch dropped by an earlier re-arm
    }
    if (event.any(IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
      if (!event.any(IN_DELETE_SELF)) { // a deletion also brings IN_IGNORED: say it once
        log.info(
            "watched directory {} was {}; watching the plugin files' paths again and"
                + " rescanning them",
            directories.get(event.wd()),
            event.any(IN_MOVE_SELF) ? "renamed away" : "removed or unmounted");
      }
      batch.rearm = true;
      byName
          .values()
          .forEach(list -> list.forEach(interest -> {
            batch.arriving.add(interest.file());
            open.remove(interest.file()); // its directory is gone: so are the opens counted in it
          }));
      return;
    }
    List<Interest> affected = byName.get(event.name());
    if (affected == null) {
      return;
    }
    Path dir = directories.get(event.wd());
    // Asked once per event, however many files' walks pass through the entry.
    CreatedEntry created = event.any(IN_CREATE) && dir != null
        ? lookup.lookUp(dir.resolve(event.name()))
        : CreatedEntry.OTHER;
    for (Interest interest : affected) {
      if (interest.last()) {
        countOpens(event, interest.file());
      }
      classify(event, created, interest, batch);
    }
  }

  private void countOpens(InotifyEvent event, Path file) {
    if (event.any(IN_OPEN)) {
      open.merge(file, 1, Integer::sum);
    }
    if (event.any(IN_CLOSE_WRITE | IN_CLOSE_NOWRITE)) {
      open.computeIfPresent(file, (any, count) -> count > 1 ? count - 1 : null);
    }
    if (event.any(IN_DELETE | IN_MOVED_FROM | IN_CREATE | IN_MOVED_TO)) {
      open.remove(file); // another file now: what was open was the old one
    }
  }

  /**
   * Decides what an event on an entry of {@code interest}'s walk means for its file; {@code
   * created} is what the entry is if the event created it.
   */
  private static void classify(
      InotifyEvent event, CreatedEntry created, Interest interest, Batch batch) {
    Path file = interest.file();
    if (!interest.last() || event.any(IN_ISDIR)) {
      // A directory or symlink on the way changed: the walk may lead elsewhere now.
      batch.rearm = true;
    }
    if (event.any(IN_DELETE | IN_MOVED_FROM)) {
      return; // a deletion is never a reload; the reappearance will be
    }
    if (event.any(IN_MOVED_TO) || event.any(IN_CLOSE_WRITE) && interest.last()) {
      batch.complete.add(file); // renamed into place, or a write finished
    } else if (event.any(IN_CREATE)) {
      if (created == CreatedEntry.SYMLINK) {
        batch.rearm = true;
        batch.complete.add(file);
      } else if (created == CreatedEntry.HARD_LINK && interest.last() && !event.any(IN_ISDIR)) {
        batch.complete.add(file); // complete the moment it appears, as cargo publishes
      } else {
        batch.arriving.add(file); // a new file being written, or a recreated directory
      }
    }
  }
}
