package dev.reload;

/** The steps of the reload pipeline that can fail, in the order they run. */
public enum ReloadStep {
  /** Copying the library into the shadow store and checking the copy. */
  STAGE,
  /** Mapping the copy, resolving required symbols, running its init export. */
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
