package dev.reload.spi;

import dev.reload.PluginLease;

/**
 * Moves a plugin's state across a reload. Implemented by the application, one per stateful
 * plugin; a plugin without one is stateless and is swapped without gating its callers.
 *
 * <p>During a reload of a stateful plugin, new calls wait at a gate and in-flight calls drain;
 * then {@link #capture} runs against the outgoing version and {@link #restore} against the
 * incoming one, both on the reload thread, never concurrently with each other or with callers of
 * the plugin. If either throws, the reload is aborted and the outgoing version keeps serving with
 * its state untouched.
 *
 * <p>Implementations need not be thread-safe for these calls, but must not keep the leases they
 * are given beyond the call.
 */
public interface StateSnapshot {

  /**
   * Reads the outgoing version's state.
   *
   * @param outgoing a lease on the version being replaced, valid for this call only
   * @return the state, in the current layout
   * @throws Exception if the state cannot be read: the reload fails and the outgoing version
   *     keeps serving
   */
  StatePayload capture(PluginLease outgoing) throws Exception;

  /**
   * Writes a captured state into the incoming version. {@code payload.layout()} says which layout
   * the payload was captured in: migrate older layouts here.
   *
   * @param incoming a lease on the version being swapped in, valid for this call only
   * @param payload the state {@link #capture} read from the outgoing version
   * @throws Exception if the state cannot be written: the reload fails and the outgoing version
   *     keeps serving
   */
  void restore(PluginLease incoming, StatePayload payload) throws Exception;
}
