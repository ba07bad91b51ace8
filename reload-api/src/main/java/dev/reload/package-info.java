/**
 * The public API of Reload: hot-reloadable native plugins for long-running JVM servers.
 *
 * <p>A {@link dev.reload.PluginRegistry} owns one {@link dev.reload.Plugin} per configured name. A
 * plugin is stable across reloads; each loaded library file is a {@link dev.reload.PluginVersion}.
 * Every native call runs inside a {@link dev.reload.PluginLease}, which pins one version so its
 * code stays mapped until the lease closes. Reloads report {@link dev.reload.ReloadEvent}s to
 * {@link dev.reload.ReloadListener}s and complete with a {@link dev.reload.ReloadOutcome}.
 *
 * <p>Applications that keep state inside a plugin implement {@link dev.reload.spi.StateSnapshot}.
 */
package dev.reload;
