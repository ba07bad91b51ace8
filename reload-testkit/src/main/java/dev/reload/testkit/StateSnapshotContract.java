package dev.reload.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.reload.Plugin;
import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.ReloadOutcome;
import dev.reload.ReloadStep;
import dev.reload.core.RegistryBuilder;
import dev.reload.spi.StatePayload;
import dev.reload.spi.StateSnapshot;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The contract every {@link StateSnapshot} must keep, as tests to inherit, in the spirit of
 * Micrometer's {@code MeterRegistryCompatibilityKit}. Extend it with your snapshot and builds of
 * your plugin; each test loads real builds into a real registry and reloads them:
 *
 * <ul>
 *   <li>capture, then restore, keeps the state across a reload;
 *   <li>each payload of an older layout ({@link #olderLayouts}) migrates to the state it stands
 *       for;
 *   <li>a payload of a layout newer than any the snapshot knows fails the reload rather than
 *       being misread, and the old version keeps serving with its state;
 *   <li>a rollback brings the state back to the version rolled back to;
 *   <li>a restore that throws leaves the old version serving with its state.
 * </ul>
 *
 * <pre>{@code
 * class CounterSnapshotContractTest extends StateSnapshotContract {
 *   protected StateSnapshot snapshot() { return new CounterSnapshot(); }
 *   protected Path build(NativeBuild build, int release) {
 *     return build.compile(Path.of("src/main/c/counter.c"), "-Wl,--build-id=0x0" + release);
 *   }
 *   protected void changeState(PluginLease lease) { lease.invokeLong("counter_next"); }
 *   protected Object readState(PluginLease lease) { return lease.invokeLong("counter_get"); }
 * }
 * }</pre>
 *
 * <p>To leave out a test that does not apply, override its method without {@code @Test}. Each
 * test gets its own {@link PluginDir} and registry through {@link ReloadExtension}, which also
 * checks that nothing is left behind. JUnit runs each test on one thread, with an instance of its
 * own: a contract test need not be thread-safe, but the {@link StateSnapshot} it tests must be
 * usable from the registry's reload thread.
 */
@ExtendWith(ReloadExtension.class)
public abstract class StateSnapshotContract {

  /** What the kit's own wrapper throws from a restore, to test a throwing one. */
  private static final String THROWN_ON_PURPOSE = "restore failed on purpose by the contract kit";

  /** For the subclass that names the snapshot and the plugin under test. */
  protected StateSnapshotContract() {}

  /**
   * The snapshot under test. Called once per test.
   *
   * @return the snapshot under test
   */
  protected abstract StateSnapshot snapshot();

  /**
   * Builds release {@code release} (1, 2, 3, ...) of the plugin with {@code build}. Two releases
   * must differ in their bytes (a registry does not reload a file it already runs): for instance
   * give the linker {@code -Wl,--build-id=0x0<release>}, which changes nothing else.
   *
   * @param build the builder to build with
   * @param release the release number, from 1
   * @return the built library
   */
  protected abstract Path build(NativeBuild build, int release);

  /**
   * Moves the plugin's state on, so that it differs from its state before the call.
   *
   * @param lease a lease on the version to change
   * @throws Exception if the call fails, which fails the test
   */
  protected abstract void changeState(PluginLease lease) throws Exception;

  /**
   * {@return the plugin's state, compared with {@link Object#equals}}
   *
   * @param lease a lease on the version to read
   * @throws Exception if the call fails, which fails the test
   */
  protected abstract Object readState(PluginLease lease) throws Exception;

  /** {@return the plugin's settings; its library is found as {@code lib<name>.so}} */
  protected PluginSettings settings() {
    return PluginSettings.builder("plugin").build();
  }

  /**
   * {@return payloads in layouts older than the current one, each with the state it must become}
   */
  protected List<OlderLayout> olderLayouts() {
    return List.of();
  }

  /**
   * A payload captured in an older layout, and the state restoring it must produce. Immutable if
   * the state is.
   *
   * @param payload the payload in an older layout
   * @param expectedState the state restoring it must produce
   */
  public record OlderLayout(StatePayload payload, Object expectedState) {}

  @Test
  void captureThenRestoreKeepsTheStateAcrossAReload(PluginDir dir) throws Exception {
    PluginRegistry registry = start(dir, snapshot());
    Object before = changedState(registry);

    ReloadOutcome outcome = reloadTo(dir, registry, 2);

    assertInstanceOf(ReloadOutcome.Swapped.class, outcome, "the reload to release 2");
    assertEquals(before, state(registry), "the state after a capture and restore");
  }

  @Test
  void payloadsOfOlderLayoutsMigrate(PluginDir dir) throws Exception {
    List<OlderLayout> layouts = olderLayouts();
    Assumptions.assumeFalse(layouts.isEmpty(), "olderLayouts() names no older layout");
    AtomicReference<StatePayload> captured = new AtomicReference<>();
    PluginRegistry registry = start(dir, capturing(snapshot(), ignored -> captured.get()));
    int release = 1;
    for (OlderLayout older : layouts) {
      changedState(registry);
      captured.set(older.payload()); // as if an older server had captured it
      ReloadOutcome outcome = reloadTo(dir, registry, ++release);
      assertInstanceOf(
          ReloadOutcome.Swapped.class, outcome, "the reload restoring " + older.payload());
      assertEquals(
          older.expectedState(), state(registry), "the state restored from " + older.payload());
    }
  }

  @Test
  void aPayloadOfAnUnknownNewerLayoutFailsTheReloadAndKeepsTheState(PluginDir dir)
      throws Exception {
    PluginRegistry registry = start(
        dir,
        capturing(
            snapshot(), captured -> StatePayload.of(captured.layout() + 1_000, captured.data())));
    Object before = changedState(registry);

    ReloadOutcome outcome = reloadTo(dir, registry, 2);

    assertKeptTheOldVersion(
        registry,
        outcome,
        before,
        "a payload of layout (captured + 1000), which the snapshot cannot know");
  }

  @Test
  void aRollbackBringsTheStateBack(PluginDir dir) throws Exception {
    PluginRegistry registry = start(dir, snapshot());
    changedState(registry);
    assertInstanceOf(
        ReloadOutcome.Swapped.class, reloadTo(dir, registry, 2), "the reload to release 2");
    Object atRelease2 = changedState(registry);

    ReloadOutcome outcome = registry.rollback(name()).join();

    assertInstanceOf(ReloadOutcome.RolledBack.class, outcome, "the rollback to release 1");
    assertEquals(atRelease2, state(registry), "the state after the rollback");
  }

  @Test
  void aThrowingRestoreLeavesTheOldVersionServingWithItsState(PluginDir dir) throws Exception {
    StateSnapshot snapshot = snapshot();
    PluginRegistry registry = start(dir, new StateSnapshot() {
      @Override
      public StatePayload capture(PluginLease outgoing) throws Exception {
        return snapshot.capture(outgoing);
      }

      @Override
      public void restore(PluginLease incoming, StatePayload payload) throws Exception {
        snapshot.restore(incoming, payload); // the incoming version is written, then dropped
        throw new IllegalStateException(THROWN_ON_PURPOSE);
      }
    });
    Object before = changedState(registry);

    ReloadOutcome outcome = reloadTo(dir, registry, 2);

    assertKeptTheOldVersion(registry, outcome, before, "a restore that throws");
    Throwable cause = ((ReloadOutcome.Failed) outcome).cause();
    while (cause.getCause() != null && !THROWN_ON_PURPOSE.equals(cause.getMessage())) {
      cause = cause.getCause();
    }
    assertEquals(THROWN_ON_PURPOSE, cause.getMessage(), "the failure's cause");
  }

  private void assertKeptTheOldVersion(
      PluginRegistry registry, ReloadOutcome outcome, Object before, String what) throws Exception {
    ReloadOutcome.Failed failed =
        assertInstanceOf(ReloadOutcome.Failed.class, outcome, "the reload given " + what);
    assertEquals(ReloadStep.RESTORE, failed.step(), "the failing step, given " + what);
    assertEquals(
        1,
        registry.plugin(name()).current().generation(),
        "the generation serving after the failed reload");
    assertEquals(before, state(registry), "the old version's state after the failed reload");
    changedState(registry); // and it still serves
  }

  /** {@code snapshot}, with each payload it captures replaced by {@code replace}'s. */
  private static StateSnapshot capturing(
      StateSnapshot snapshot, UnaryOperator<StatePayload> replace) {
    return new StateSnapshot() {
      @Override
      public StatePayload capture(PluginLease outgoing) throws Exception {
        return replace.apply(snapshot.capture(outgoing));
      }

      @Override
      public void restore(PluginLease incoming, StatePayload payload) throws Exception {
        snapshot.restore(incoming, payload);
      }
    };
  }

  private String name() {
    return settings().name();
  }

  private PluginRegistry start(PluginDir dir, StateSnapshot snapshot) {
    dir.publish(name(), build(dir.build(), 1), Publish.RENAME);
    return dir.start(
        RegistryBuilder.of(dir.settings().watchEnabled(false).plugin(settings()).build())
            .stateSnapshot(name(), snapshot));
  }

  private ReloadOutcome reloadTo(PluginDir dir, PluginRegistry registry, int release) {
    dir.publish(name(), build(dir.build(), release), Publish.RENAME);
    return registry.reload(name()).join();
  }

  /** Changes the state and returns it, checking that it did change. */
  private Object changedState(PluginRegistry registry) throws Exception {
    Plugin plugin = registry.plugin(name());
    try (PluginLease lease = plugin.acquire()) {
      Object before = readState(lease);
      changeState(lease);
      Object after = readState(lease);
      assertNotEquals(before, after, "changeState(lease) changed nothing readState(lease) reads");
      return after;
    }
  }

  private Object state(PluginRegistry registry) throws Exception {
    try (PluginLease lease = registry.plugin(name()).acquire()) {
      return readState(lease);
    }
  }
}
