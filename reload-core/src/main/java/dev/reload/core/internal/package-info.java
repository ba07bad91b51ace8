/**
 * The engine core: plugins, versions, the call path with its pins, and the reload pipeline. Not
 * API: types here may change in any release. Read {@code docs/ARCHITECTURE.md} first; its "Read
 * in this order" section is the path through these classes.
 *
 * <p>The leaves it builds on, none of which depends on this package: {@code internal.watch}
 * (when a file changed), {@code internal.admission} (whether a file may become a version),
 * {@code internal.observe} (listeners, meters, Flight Recorder) and {@code internal.platform}.
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
