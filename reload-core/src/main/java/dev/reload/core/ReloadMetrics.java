package dev.reload.core;

import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * A registry's meters, as a Micrometer {@link MeterBinder}. Tags are low-cardinality:
 * {@code plugin}, {@code outcome}, {@code step}, plus any given to
 * {@link ReloadRegistry#metrics(Iterable)}; never a version or a path.
 *
 * <ul>
 *   <li>{@code reload.duration} (timer; {@code outcome} = swapped, rolled_back, unchanged or
 *       failed, after the {@link dev.reload.ReloadOutcome} of the reload or rollback; {@code
 *       step} = the failing {@link dev.reload.ReloadStep} in lower case, such as trust, copy,
 *       verify, preflight or load, or none): time of each reload, from the start of admission to
 *       the end.
 *   <li>{@code reload.drain} (timer): time the outgoing version of a stateful plugin took to
 *       drain.
 *   <li>{@code reload.gate.pause} (timer): time each caller of a stateful plugin waited at the
 *       closed gate.
 *   <li>{@code reload.leases.in.flight} (gauge): open leases on the current version.
 *   <li>{@code reload.generation} (gauge): the current version's generation.
 *   <li>{@code reload.versions.resident} (gauge, Prometheus {@code reload_versions_resident}):
 *       versions the registry unloaded that the OS still keeps mapped ({@link
 *       dev.reload.Plugin#residentVersions()}); each was logged once at WARN with its likely
 *       cause. Anything above 0 means every reload of that build leaks a copy of the library. It
 *       has no base unit, which would append {@code _versions} to the Prometheus name.
 *   <li>{@code reload.listener.errors} (counter): listeners that threw.
 * </ul>
 *
 * <p>A plugin added at runtime gets its meters when it joins; a removed plugin's meters are
 * removed with it, so none lingers.
 *
 * <p>Obtained from the registry it measures, {@link ReloadRegistry#metrics(Iterable)}, or bound
 * by {@link RegistryBuilder#meterRegistry}: it is never handed a registry it cannot measure.
 *
 * <p>Implementations are thread-safe; one may be bound to several meter registries.
 */
public interface ReloadMetrics extends MeterBinder {}
