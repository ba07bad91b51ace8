package dev.reload.core.internal.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reload.core.internal.watch.PathChain.Link;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** The walk a watcher must watch: every entry the kernel passes to open a path. */
@EnabledOnOs({OS.LINUX, OS.MAC})
class PathChainTest {

  @TempDir
  Path tmp;

  private Path root() throws Exception {
    return tmp.toRealPath();
  }

  @Test
  void plainPathIsEveryComponentFromTheRoot() throws Exception {
    Path file = Files.createDirectories(root().resolve("a/b")).resolve("lib.so");
    Files.createFile(file);

    PathChain chain = PathChain.of(file);

    assertThat(chain.links()).hasSize(file.getNameCount());
    assertThat(chain.links())
        .endsWith(new Link(root().resolve("a"), "b"), new Link(root().resolve("a/b"), "lib.so"));
    assertThat(chain.endsAt(new Link(root().resolve("a/b"), "lib.so"))).isTrue();
  }

  @Test
  void symlinksOnTheWayAreFollowedAndEachStepIsKept() throws Exception {
    // current -> releases/v1 (relative); v1/lib.so -> /abs/out/lib.so (absolute)
    Path out = Files.createDirectories(root().resolve("out"));
    Files.createFile(out.resolve("lib.so"));
    Path v1 = Files.createDirectories(root().resolve("releases/v1"));
    Files.createSymbolicLink(v1.resolve("lib.so"), out.resolve("lib.so"));
    Files.createSymbolicLink(root().resolve("current"), Path.of("releases/v1"));

    PathChain chain = PathChain.of(root().resolve("current/lib.so"));

    assertThat(chain.links())
        .contains(
            new Link(root(), "current"),
            new Link(root(), "releases"),
            new Link(root().resolve("releases"), "v1"),
            new Link(v1, "lib.so"),
            new Link(out, "lib.so"));
    assertThat(chain.endsAt(new Link(out, "lib.so"))).isTrue();
  }

  @Test
  void dotDotAfterASymlinkLeavesTheTargetNotTheLink() throws Exception {
    Path deep = Files.createDirectories(root().resolve("x/deep"));
    Files.createFile(root().resolve("x/lib.so"));
    Files.createSymbolicLink(root().resolve("link"), deep);

    PathChain chain = PathChain.of(root().resolve("link/../lib.so"));

    assertThat(chain.links()).last().isEqualTo(new Link(root().resolve("x"), "lib.so"));
  }

  @Test
  void walkStopsAtTheFirstMissingEntry() throws Exception {
    PathChain chain = PathChain.of(root().resolve("gone/plugins/lib.so"));

    assertThat(chain.links()).last().isEqualTo(new Link(root(), "gone"));
  }

  @Test
  void symlinkLoopEnds() throws Exception {
    Files.createSymbolicLink(root().resolve("a"), Path.of("b"));
    Files.createSymbolicLink(root().resolve("b"), Path.of("a"));

    PathChain chain = PathChain.of(root().resolve("a/lib.so"));

    assertThat(chain.links()).hasSizeLessThan(100);
  }
}
