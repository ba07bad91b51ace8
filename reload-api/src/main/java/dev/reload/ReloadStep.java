package dev.reload;

/**
 * The steps of the reload pipeline that can fail, in the order they begin. A failed reload names
 * the step that refused it ({@link ReloadOutcome.Failed#step()}, {@link ReloadEvent.Failed#step()},
 * the {@code step} tag of the {@code reload.duration} metric), so that an alert can tell an
 * untrusted file ({@link #TRUST}) from a deploy caught mid-write ({@link #COPY}), a truncated or
 * foreign one ({@link #VERIFY}), one that crashes when loaded ({@link #PREFLIGHT}) and one the
 * server itself could not start ({@link #LOAD}).
 *
 * <p>The first four make up <em>admission</em>, which decides whether a file may become a version
 * at all. A reload, a first load and a newly added plugin admit a new library file and go through
 * all four; a rollback admits the copy kept of the previous version, whose bytes were trusted when
 * that version was admitted, and skips {@link #TRUST}.
 *
 * <p>This enum replaces the former {@code STAGE}, which covered trust, copy and checks alike.
 * Immutable and thread-safe, as every enum.
 */
public enum ReloadStep {
  /**
   * The library file may not be loaded at all: it resolves (through symlinks or {@code ..})
   * outside the allowed directories; it, its directory or a directory above it may be changed by
   * another user; its bytes do not match the pinned SHA-256; its signature is missing where one is
   * required or does not verify. Hash and signature are checked on the private copy, after
   * {@link #COPY}, so that the bytes checked are the bytes loaded. A security matter: the file
   * stays refused until it or the settings change. Never reported by a rollback.
   */
  TRUST,
  /**
   * The file could not be read, whole and unchanged, into a private copy in the shadow directory:
   * it was missing, was not a regular file, was replaced or changed while it was being copied (a
   * deploy still writing it: the next finished write is picked up), or the shadow directory could
   * not be written. A rollback fails here when there is no previous version to return to.
   */
  COPY,
  /**
   * The copy is not a complete shared library for this machine: not ELF, of another class, byte
   * order or architecture, not a shared object, truncated (a header table or a loadable segment
   * runs past the end of the file), malformed, or missing a required symbol in its dynamic symbol
   * table; for a rollback, the kept copy no longer has the bytes it was admitted with. Nothing of
   * the file has run.
   */
  VERIFY,
  /**
   * The copy was loaded in the separate preflight probe process ({@code reload.preflight}) and
   * crashed, aborted, exited or hung there, or its {@code reload_init} or {@code reload_selftest}
   * refused, or the probe could not be started. The server never mapped it.
   */
  PREFLIGHT,
  /**
   * Mapping the copy in the server, resolving its required symbols and those of bound interfaces,
   * running its optional {@code reload_init} export.
   */
  LOAD,
  /** Waiting for in-flight leases of the outgoing version. */
  DRAIN,
  /** Capturing the outgoing version's state. */
  SNAPSHOT,
  /** Restoring the state into the incoming version. */
  RESTORE,
  /** Publishing the incoming version. */
  SWAP
}
