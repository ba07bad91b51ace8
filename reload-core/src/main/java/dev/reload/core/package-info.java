/**
 * Entry points of the engine: {@link dev.reload.core.ReloadSettings} (from a builder or from
 * typesafe-config), {@link dev.reload.core.RegistryBuilder} which builds a
 * {@link dev.reload.PluginRegistry}, and {@link dev.reload.core.ReloadMetrics}, the Micrometer
 * binder. Everything else lives in {@code dev.reload.core.internal} and is not API.
 */
package dev.reload.core;
