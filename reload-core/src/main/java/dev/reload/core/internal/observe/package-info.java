/**
 * Observation: what the engine tells the world. Reload listeners ({@link
 * dev.reload.core.internal.observe.Listeners}), Micrometer meters ({@link
 * dev.reload.core.internal.observe.EngineMetrics}, fed through {@link
 * dev.reload.core.internal.observe.ReloadObserver}s), and JDK Flight Recorder events ({@link
 * dev.reload.core.internal.observe.FlightEvents}).
 *
 * <p>Invariants: a listener or an observer that throws is logged, counted and skipped, and never
 * fails a call or a reload; no event class is loaded before Flight Recorder is initialized; meter
 * tags are low-cardinality ({@code plugin}, {@code outcome}, {@code step}).
 *
 * <p>Seam: the engine core calls in (events, observer reports); {@link
 * dev.reload.core.internal.observe.MeteredRegistry} is all this package reads of the registry.
 */
package dev.reload.core.internal.observe;
