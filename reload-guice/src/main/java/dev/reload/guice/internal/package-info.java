/**
 * Not API: the objects injected for plugin interfaces bound with {@code
 * ReloadModule.bindPlugin}. Public only because the classes generated per interface live in their
 * own class loader and must reach {@link dev.reload.guice.internal.PluginForwarder}.
 */
package dev.reload.guice.internal;
