/**
 * Entry points of the engine: {@link dev.reload.core.ReloadSettings} and
 * {@link dev.reload.PluginSettings} (from a builder or from typesafe-config),
 * {@link dev.reload.core.RegistryBuilder} which builds a {@link dev.reload.core.ReloadRegistry}
 * (a {@link dev.reload.PluginRegistry} that can be measured), and
 * {@link dev.reload.core.ReloadMetrics}, its Micrometer binder. Everything else lives in
 * {@code dev.reload.core.internal} and is not API.
 */
package dev.reload.core;
