package dev.reload.core.internal.watch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The directory entries the kernel walks through to open a path, as it would walk them now: one
 * {@link Link} per component of the path and of every symlink met on the way. A change to any of
 * them (a release symlink switched, a directory deleted and recreated or renamed away, the file
 * itself replaced) can change what the path opens, so a watcher must watch every directory named
 * here, for the entry named here. The walk stops at the first entry that does not exist (the
 * watcher then waits for that entry to appear) or that cannot be followed.
 *
 * <p>Immutable and thread-safe.
 *
 * @param links the entries in walking order; the last is the file itself when the path resolves
 */
record PathChain(List<Link> links) {

  /** Symlinks followed at most, as Linux's {@code MAXSYMLINKS}. */
  private static final int MAX_SYMLINKS = 40;

  /** One directory entry on the way: {@code name} inside the real directory {@code dir}. */
  record Link(Path dir, String name) {}

  PathChain {
    links = List.copyOf(links);
  }

  /** Walks {@code path} (made absolute against the working directory) as the kernel would. */
  static PathChain of(Path path) {
    Path absolute = path.toAbsolutePath();
    Deque<String> rest = new ArrayDeque<>();
    absolute.forEach(name -> rest.addLast(name.toString()));
    List<Link> links = new ArrayList<>();
    Path dir = absolute.getRoot();
    int symlinks = 0;
    while (!rest.isEmpty()) {
      String name = rest.removeFirst();
      if (name.equals(".")) {
        continue;
      }
      if (name.equals("..")) {
        dir = dir.getParent() == null ? dir : dir.getParent();
        continue;
      }
      links.add(new Link(dir, name));
      Path entry = dir.resolve(name);
      BasicFileAttributes attributes;
      try {
        attributes =
            Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (IOException e) {
        break; // missing (or unreadable): watch its directory for it to appear
      }
      if (attributes.isSymbolicLink()) {
        Path target;
        try {
          target = Files.readSymbolicLink(entry);
        } catch (IOException e) {
          break;
        }
        if (++symlinks > MAX_SYMLINKS) {
          break;
        }
        List<String> names = new ArrayList<>();
        target.forEach(part -> names.add(part.toString()));
        for (int i = names.size() - 1; i >= 0; i--) {
          rest.addFirst(names.get(i));
        }
        if (target.isAbsolute()) {
          dir = target.getRoot();
        }
      } else if (attributes.isDirectory()) {
        dir = entry;
      } else if (!rest.isEmpty()) {
        break; // a file where a directory should be: nothing further can exist
      }
    }
    return new PathChain(links);
  }

  /** Whether {@code link} is the last entry walked: the file itself, or where the walk stopped. */
  boolean endsAt(Link link) {
    return !links.isEmpty() && links.get(links.size() - 1).equals(link);
  }
}
