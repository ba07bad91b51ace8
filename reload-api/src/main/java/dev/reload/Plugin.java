package dev.reload;

import java.util.List;
import java.util.Optional;

/**
 * One named native plugin. The object is stable across reloads: it always points at the current
 * {@link PluginVersion} and hands out leases on it.
 *
 * <p>This interface is thread-safe. {@link #acquire()} takes no lock unless a reload of a stateful
 * plugin has closed the gate, in which case it waits for the swap (or the failed reload) to finish.
 */
public interface Plugin {

  /** {@return the plugin's configured name} */
  String name();

  /** {@return facts about the version serving now} */
  PluginVersion current();

  /** {@return the version a {@link PluginRegistry#rollback} would return to, if one is kept} */
  Optional<PluginVersion> previous();

  /**
   * {@return whether the plugin has a {@link dev.reload.spi.StateSnapshot}, and so gates calls
   * during a swap}
   */
  boolean stateful();

  /** {@return the last failed reload, until a later reload of this plugin succeeds} */
  Optional<ReloadOutcome.Failed> lastFailure();

  /**
   * Versions of this plugin that the registry has unloaded ({@code dlclose}, state {@link
   * VersionState#DISPOSED}) but that the operating system still keeps mapped, oldest first. The
   * reloads that replaced them succeeded; each such version was logged once at WARN with its
   * likely causes ({@link PluginVersion#unloadHazards()}) and the fix for each. The registry checks
   * again after every later unload and from time to time, and drops a version from this list once
   * it is finally unmapped (a version held by thread-local destructors goes once the threads that
   * called it have ended). Always empty where this cannot be checked: anywhere but Linux.
   *
   * <p>Answers from a snapshot taken at the last check; no system call is made here.
   *
   * @return the unloaded versions still mapped, oldest first
   */
  List<PluginVersion> residentVersions();

  /**
   * Pins the current version until the returned lease is closed. Use it in try-with-resources;
   * calls made through it always reach the pinned version.
   *
   * @return a lease on the current version
   * @throws IllegalStateException if the registry is closed
   */
  PluginLease acquire();

  /**
   * Returns an implementation of {@code api} whose methods call the plugin's exported functions of
   * the same name (or the name given by {@link Symbol}), each call on whatever version is current
   * at that moment, inside a lease taken and released around the call. Parameter and return types
   * follow JNA's mapping rules. May be called from anywhere, a {@link ReloadListener} or a {@link
   * dev.reload.spi.StateSnapshot} of this plugin's own reload included: the version that reload
   * swaps in serves the interface too (or the reload fails at {@link ReloadStep#SWAP} if it lacks
   * one of its symbols).
   *
   * @param <T> the interface type
   * @param api the interface whose methods name the plugin's exported functions
   * @return an implementation of {@code api} that calls the current version
   * @throws IllegalArgumentException if {@code api} is not an interface
   * @throws IllegalStateException if the registry is closed
   */
  <T> T bind(Class<T> api);
}
