/**
 * The engine core: plugins, versions, the call path with its pins, and the reload pipeline. Not
 * API: types here may change in any release. Read {@code docs/ARCHITECTURE.md} first; its "Read
 * in this order" section is the path through these classes.
 *
 * <p>The leaves it builds on, none of which depends on this package: {@code internal.watch}
 * (when a file changed), {@code internal.admission} (whether a file may become a version),
 * {@code internal.observe} (listeners, meters, Flight Recorder) and {@code internal.platform}.
 *
 * <p>Invariants (each with its tests in {@code docs/ARCHITECTURE.md}): no call runs on a
 * disposed library, since every call holds a pin that the version's drain waits for; reloads of
 * one plugin never overlap, since they run under its reload lock; a failed reload leaves the
 * outgoing version serving with its state; the call path takes no lock.
 *
 * <p>Seam: {@link dev.reload.core.internal.DefaultPluginRegistry} is the one way in, as a {@link
 * dev.reload.core.ReloadRegistry}; the leaves are called, and call back only through the
 * callbacks and functions they are given.
 *
 * <p>Everything here is package-private but two types, each public for a reason outside this
 * package:
 *
 * <ul>
 *   <li>{@link dev.reload.core.internal.DefaultPluginRegistry}, which {@link
 *       dev.reload.core.RegistryBuilder} starts; callers see it only as a {@link
 *       dev.reload.core.ReloadRegistry};
 *   <li>{@link dev.reload.core.internal.DirectBound}, the base class of the classes generated
 *       behind {@link dev.reload.Plugin#bind}, which live in their own class loader.
 * </ul>
 */
package dev.reload.core.internal;
