package dev.reload;

/**
 * The lifecycle of a loaded version: {@code LOADING -> ACTIVE -> DRAINING -> RETIRED -> DISPOSED}.
 *
 * <p>A stateful plugin's current version is {@code DRAINING} while a reload holds its gate closed;
 * if that reload fails, the version returns to {@code ACTIVE} and keeps serving. Immutable and
 * thread-safe, as every enum.
 */
public enum VersionState {
  /** Mapped and being checked; not yet serving. */
  LOADING,
  /** Current: new leases are granted on it. */
  ACTIVE,
  /** No new leases; waiting for the open ones to close. */
  DRAINING,
  /** Replaced and drained; about to be unmapped. */
  RETIRED,
  /**
   * Unloaded ({@code dlclose}): no code of it can run any more. The OS may still keep its image
   * mapped; {@link Plugin#residentVersions()} lists the versions it does.
   */
  DISPOSED
}
