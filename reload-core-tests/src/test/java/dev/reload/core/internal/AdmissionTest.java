package dev.reload.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reload.PluginSettings;
import dev.reload.PluginVersion;
import dev.reload.ReloadOutcome;
import dev.reload.ReloadStep;
import dev.reload.core.internal.admission.ShadowStore;
import dev.reload.fixtures.Calls;
import dev.reload.fixtures.CounterSnapshot;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.NativeBuild;
import dev.reload.testkit.PluginDir;
import dev.reload.testkit.ReloadExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Admission's copy step against a running registry, with a library changed while it is being
 * copied. The copy step's seam ({@link ShadowStore.CopyListener}) runs the change after the copy
 * has read the whole file and before it looks at the file again, so the race is deterministic:
 * without the check that catches it, the copy holds a complete, valid build and would be loaded.
 */
@EnabledOnOs(OS.LINUX)
@ExtendWith(ReloadExtension.class)
class AdmissionTest {

  private PluginDir dir;
  private DefaultPluginRegistry registry;
  /**
   * Done to the library during the next copy, once; set by the test, taken by the reload thread.
   */
  private final AtomicReference<Edit> duringCopy = new AtomicReference<>();

  /** A change to a file. */
  private interface Edit {
    void apply() throws IOException;
  }

  @BeforeEach
  void startCountingToTwo(PluginDir dir) {
    this.dir = dir;
    dir.publish("counter", Sources.counter(1));
    registry = DefaultPluginRegistry.start(
        dir.settings()
            .watchEnabled(false)
            .plugin(PluginSettings.builder("counter").build())
            .build(),
        Map.of("counter", new CounterSnapshot()),
        List.of(),
        Clock.systemUTC(),
        (source, copied) -> {
          Edit edit = duringCopy.getAndSet(null);
          if (edit != null) {
            edit.apply();
          }
        });
    Calls.next(registry, "counter");
    Calls.next(registry, "counter");
  }

  @AfterEach
  void close() {
    registry.close();
  }

  @Test
  void libraryRewrittenWhileItIsCopiedIsRefusedAtCopyAndTheFinishedWriteLoads() throws Exception {
    dir.publish("counter", Sources.counter(2));
    byte[] third = Files.readAllBytes(dir.build().compile(Sources.counter(3)));
    // As cp does onto the same file: truncate it and write; this deploy is halfway through.
    duringCopy.set(() -> Files.write(dir.lib("counter"), Arrays.copyOf(third, third.length / 2)));

    ReloadOutcome outcome = registry.reload("counter").join();

    Path copiedFrom = dir.lib("counter").toRealPath();
    assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.Failed.class, failed -> {
      assertThat(failed.step()).isEqualTo(ReloadStep.COPY);
      assertThat(failed.reason())
          .contains("library " + copiedFrom
              + " changed while it was being copied (still being written?)");
    });
    assertServingTheFirstBuildAlone();

    Files.write(dir.lib("counter"), third); // the deploy finishes
    assertThat(registry.reload("counter").join()).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(Calls.version(registry, "counter")).isEqualTo(3);
    assertThat(Calls.next(registry, "counter")).isEqualTo(4);
  }

  @Test
  void symlinkSwitchedWhileTheLibraryIsCopiedIsRefusedAtCopy() throws Exception {
    // The library is a symlink to a release, and a deploy switches it to the next release.
    Path second = dir.build().publish(Sources.counter(2), dir.libs().resolve("releases/2/lib.so"));
    Path third = dir.build().publish(Sources.counter(3), dir.libs().resolve("releases/3/lib.so"));
    pointLibraryAt(second);
    duringCopy.set(() -> pointLibraryAt(third));

    ReloadOutcome outcome = registry.reload("counter").join();

    // Build 2 was copied whole and unchanged, but the library no longer leads to it.
    assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.Failed.class, failed -> {
      assertThat(failed.step()).isEqualTo(ReloadStep.COPY);
      assertThat(failed.reason())
          .contains("library " + dir.lib("counter") + " was replaced while it was being copied");
    });
    assertServingTheFirstBuildAlone();

    assertThat(registry.reload("counter").join()).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(Calls.version(registry, "counter")).isEqualTo(3);
  }

  /** Build 1 serves with its state, and the refused candidate left no copy behind. */
  private void assertServingTheFirstBuildAlone() {
    PluginVersion serving = registry.plugin("counter").current();
    assertThat(serving.generation()).isEqualTo(1);
    assertThat(Calls.version(registry, "counter")).isEqualTo(1);
    assertThat(Calls.next(registry, "counter")).isEqualTo(3);
    assertThat(dir.shadowFiles()).containsExactly(serving.shadowPath());
  }

  /** Switches the library to a symlink to {@code release} in one rename. */
  private void pointLibraryAt(Path release) throws IOException {
    Path link = dir.libs().resolve(".link-" + release.getParent().getFileName());
    Files.createSymbolicLink(link, release);
    NativeBuild.move(link, dir.lib("counter"));
  }
}
