package dev.reload.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The ways builds and deploys put a new library where a registry watches it. A test that passes
 * with one may fail with another: a watcher sees each as different file-system events.
 *
 * <pre>{@code
 * Publish.SYMLINK_SWAP.publish(build.compile(source), dir.lib("counter"));
 * }</pre>
 *
 * <p>Thread-safe; publishing twice to one target at once is as racy as it is in a real deploy.
 */
public enum Publish {

  /** Copy beside the target, then rename over it: {@code make}'s and most packagers' way. */
  RENAME {
    @Override
    void onto(Path build, Path target) throws IOException {
      Path temp = sibling(target, "rename");
      Files.copy(build, temp);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
  },

  /** Remove the target and hard-link the build in its place: cargo's way with its output. */
  HARD_LINK {
    @Override
    void onto(Path build, Path target) throws IOException {
      Files.deleteIfExists(target);
      Files.createLink(target, build);
    }
  },

  /**
   * Write the bytes into the existing file, truncating it first ({@code cp build target}): a
   * watcher sees the file change size and content while it is being written.
   */
  COPY_IN_PLACE {
    @Override
    void onto(Path build, Path target) throws IOException {
      Files.copy(build, target, StandardCopyOption.REPLACE_EXISTING);
    }
  },

  /**
   * Copy the build into a new release directory beside the target and swap the target, a
   * symlink, to it in one rename ({@code ln -s releases/N/lib.so tmp && mv -T tmp lib.so}): the
   * release-directory deploys of Capistrano, Kubernetes ConfigMaps and the like.
   */
  SYMLINK_SWAP {
    @Override
    void onto(Path build, Path target) throws IOException {
      Path release =
          target.resolveSibling(".releases").resolve(Integer.toString(RELEASES.incrementAndGet()));
      Files.createDirectories(release);
      Path file = release.resolve(target.getFileName());
      Files.copy(build, file);
      Path link = sibling(target, "link");
      Files.createSymbolicLink(link, target.getParent().relativize(file));
      Files.move(link, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
  };

  private static final AtomicInteger RELEASES = new AtomicInteger();

  /**
   * Publishes the library {@code build} as {@code target}, creating the target's directory if
   * needed. {@code build} itself is left as it is.
   *
   * @param build the built library
   * @param target where the library is published
   * @return {@code target}
   */
  public Path publish(Path build, Path target) {
    try {
      Files.createDirectories(target.toAbsolutePath().getParent());
      onto(build, target);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot publish " + build + " as " + target + " by " + this, e);
    }
  }

  abstract void onto(Path build, Path target) throws IOException;

  private static Path sibling(Path target, String purpose) {
    return target.resolveSibling(
        "." + target.getFileName() + "." + purpose + "-" + RELEASES.incrementAndGet());
  }
}
