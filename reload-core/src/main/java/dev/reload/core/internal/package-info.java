/**
 * The engine's implementation. Not API: types here may change in any release. Everything is
 * package-private but three types, each public for a reason outside this package:
 *
 * <ul>
 *   <li>{@link dev.reload.core.internal.DefaultPluginRegistry}, which
 *       {@link dev.reload.core.RegistryBuilder} starts; callers see it only as a
 *       {@link dev.reload.core.ReloadRegistry};
 *   <li>{@link dev.reload.core.internal.DirectBound}, the base class of the classes generated
 *       behind {@link dev.reload.Plugin#bind}, which live in their own class loader;
 *   <li>{@link dev.reload.core.internal.ProbeMain}, the main class of the preflight probe's child
 *       JVM.
 * </ul>
 */
package dev.reload.core.internal;
