package dev.reload.core.internal.admission;

import dev.reload.PluginSettings;
import dev.reload.PluginVersion;
import dev.reload.ReloadStep;
import dev.reload.UnloadHazard;
import dev.reload.core.internal.platform.Platform;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one gate a library file passes to become a version: nothing else decides which checks run.
 * It takes an explicit {@link Source}, a new library file or the copy kept for rollback, and
 * returns a checked private copy, or refuses with a {@link StepFailure} naming the step that
 * refused:
 *
 * <ol>
 *   <li>{@link ReloadStep#TRUST}, new files only: the file resolves inside an allowed directory
 *       and no one but this user or root may change it ({@link TrustPolicy}).
 *   <li>{@link ReloadStep#COPY}: the real path just checked (or the kept copy) is copied into the
 *       shadow store and hashed on the way; a file that changed during the copy, or a path that
 *       leads elsewhere afterwards, is refused ({@link ShadowStore}).
 *   <li>{@link ReloadStep#TRUST}, new files only: the copied bytes, which are the bytes that will
 *       be loaded, match the pinned SHA-256 and their signature. A new file with the bytes of the
 *       version serving stops here: {@link Unchanged}.
 *   <li>{@link ReloadStep#VERIFY}: a kept copy still has the bytes it was admitted with; the copy
 *       is a complete ELF shared library for this machine, every loadable segment inside the file,
 *       exporting the required symbols ({@link ElfCheck}; skipped where libraries are not ELF).
 *   <li>{@link ReloadStep#PREFLIGHT}, when on: the copy is loaded in the probe process, where its
 *       constructors, {@code reload_init} and {@code reload_selftest} run ({@link Preflight}).
 * </ol>
 *
 * <p>Which checks run depends on the kind of source only, never on where a path points. A kept
 * copy is not trusted again: its bytes were trusted when its version was admitted, and VERIFY
 * checks that they still are those bytes, so a rollback works after the library file was deleted
 * or replaced by a refused one.
 *
 * <p>The copy of a refused or unchanged file is deleted here; an admitted copy belongs to the
 * caller, which deletes it if it never becomes a version.
 *
 * <p>Thread-safe: it keeps no state of its own, and its parts are thread-safe ({@link Preflight}
 * runs one probe request at a time). Callers hold the plugin's reload lock, so one plugin is
 * admitting at most one file at a time.
 */
public final class Admission {

  private static final Logger log = LoggerFactory.getLogger(Admission.class);

  private final ShadowStore store;
  private final TrustPolicy trust;
  /** Null when the preflight is off. */
  private final Preflight preflight;

  private final boolean checkElf;

  public Admission(ShadowStore store, TrustPolicy trust, Preflight preflight, Platform platform) {
    this.store = store;
    this.trust = trust;
    this.preflight = preflight;
    this.checkElf = platform.usesElf();
    if (!checkElf) {
      log.info(
          "libraries on {} are not ELF files: the header, segment and symbol checks are"
              + " skipped; the preflight probe and the load step still check each candidate",
          platform);
    }
  }

  /** Where a candidate comes from, which decides the checks it needs. */
  public sealed interface Source permits NewFile, RetainedCopy {

    /** The plugin's library file: it names the copy and the candidate in messages. */
    Path origin();
  }

  /**
   * A library file from outside the registry: for a first load or an added plugin ({@code
   * serving} is null), or for a reload of the plugin {@code serving} serves. Goes through every
   * step.
   */
  public record NewFile(Path path, PluginVersion serving) implements Source {

    @Override
    public Path origin() {
      return path;
    }
  }

  /**
   * The copy kept of {@code version} for rollback ({@code reload.retain-previous}). Not trusted
   * again; its bytes must still be those {@code version} was admitted with.
   */
  public record RetainedCopy(PluginVersion version) implements Source {

    @Override
    public Path origin() {
      return version.sourcePath();
    }
  }

  /** What admission made of a file it did not refuse. */
  public sealed interface Decision permits Admitted, Unchanged {}

  /**
   * A checked private copy {@code path} of the library file {@code source}, ready to be loaded,
   * with what in it can keep it mapped after it is unloaded.
   */
  public record Admitted(Path source, Path path, String sha256, Set<UnloadHazard> unloadHazards)
      implements Decision {

    public Admitted {
      EnumSet<UnloadHazard> hazards = EnumSet.noneOf(UnloadHazard.class);
      hazards.addAll(unloadHazards);
      unloadHazards = Collections.unmodifiableSet(hazards); // in declaration order, for messages
    }
  }

  /**
   * The new file has the bytes of the version {@code serving}, which passed every step when it
   * was admitted: nothing more was checked, and the copy is gone.
   */
  public record Unchanged(PluginVersion serving) implements Decision {}

  /**
   * Admits {@code source} as a candidate version of {@code plugin}.
   *
   * @throws StepFailure at the step that refused the file, saying why in words a person can act
   *     on; nothing of the candidate is left on disk
   */
  public Decision admit(PluginSettings plugin, Source source) throws StepFailure {
    Path origin = source.origin();
    List<String> required = plugin.requiredSymbols();
    ReloadStep step = ReloadStep.TRUST;
    ShadowStore.Copy copy = null;
    try {
      // TRUST, new files only: where the file really is, and who may change it.
      TrustPolicy.Checked checked = null;
      Path from;
      if (source instanceof NewFile file) {
        checked = trust.checkSource(file.path());
        from = checked.realPath(); // so that the file checked is the file copied
      } else {
        from = ((RetainedCopy) source).version().shadowPath();
      }

      // COPY: whole, unchanged meanwhile, and still what the library's path leads to.
      step = ReloadStep.COPY;
      copy = store.copy(plugin.name(), from, origin);
      if (checked != null) {
        trust.confirm(checked, origin);
      }

      // TRUST, new files only: pinned hash and signature, of the bytes that will be loaded.
      if (source instanceof NewFile file) {
        step = ReloadStep.TRUST;
        trust.checkContent(copy, plugin.sha256(), origin);
        if (file.serving() != null && copy.sha256().equals(file.serving().sha256())) {
          store.delete(copy.path());
          return new Unchanged(file.serving());
        }
      }

      // VERIFY: a complete library for this machine, with the required exports.
      step = ReloadStep.VERIFY;
      if (source instanceof RetainedCopy kept) {
        requireAdmittedBytes(copy, kept.version());
      }
      Set<UnloadHazard> hazards = Set.of();
      if (checkElf) {
        hazards = ElfCheck.verify(copy.path(), origin, required);
      }

      // PREFLIGHT: its constructors and init run in the probe process, not here.
      step = ReloadStep.PREFLIGHT;
      if (preflight != null) {
        preflight.check(copy.path(), origin, required);
      }
      return new Admitted(origin, copy.path(), copy.sha256(), hazards);
    } catch (StepFailure e) {
      deleteCopy(copy);
      throw e;
    } catch (RuntimeException | Error e) {
      // A check that broke, rather than refused, still refuses: nothing unchecked goes on.
      deleteCopy(copy);
      throw new StepFailure(step, "library " + origin + " could not be checked: " + e, e);
    }
  }

  /** A kept copy's bytes are those its version was admitted with, or it is refused. */
  private static void requireAdmittedBytes(ShadowStore.Copy copy, PluginVersion version)
      throws StepFailure {
    if (!copy.sha256().equals(version.sha256())) {
      throw new StepFailure(
          ReloadStep.VERIFY,
          "the copy " + version.shadowPath() + " kept of"
              + " generation " + version.generation() + " for rollback has SHA-256 " + copy.sha256()
              + ", not the " + version.sha256() + " it was admitted with: something changed the"
              + " shadow directory (reload.shadow-dir); refused");
    }
  }

  private void deleteCopy(ShadowStore.Copy copy) {
    if (copy != null) {
      store.delete(copy.path());
    }
  }
}
