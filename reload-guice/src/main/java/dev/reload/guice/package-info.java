/**
 * Guice integration: install {@link dev.reload.guice.ReloadModule}, describe the plugins in
 * {@code application.conf}, start {@link dev.reload.guice.ReloadService}, and inject
 * {@link dev.reload.PluginRegistry} or typed plugin interfaces.
 */
package dev.reload.guice;
