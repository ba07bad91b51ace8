package dev.reload.guice;

import com.google.inject.Provider;
import dev.reload.guice.internal.ForwarderClasses;
import jakarta.inject.Inject;

/**
 * Provides a typed plugin interface that can be injected before {@link ReloadService} starts and
 * survives restarts of it, and the removal and re-adding of its plugin: each call goes to {@code
 * plugin.bind(api)} of the plugin of that name in the registry running at that moment, through a
 * class generated for the interface (no reflection per call). How a call finds its plugin, and
 * which interfaces fall back to a JDK proxy: {@link dev.reload.guice.internal.PluginForwarder},
 * {@link ForwarderClasses}.
 *
 * <p>Thread-safe: the service is injected once, before {@link #get} is called.
 */
final class PluginInterfaceProvider<T> implements Provider<T> {

  private final Class<T> api;
  private final String plugin;
  /**
   * Set once by Guice at injection, before any {@link #get}; the injector's creation publishes it
   * to the threads that call through the instances it hands out.
   */
  private ReloadService service;

  PluginInterfaceProvider(Class<T> api, String plugin) {
    if (!api.isInterface()) {
      throw new IllegalArgumentException(
          "bindPlugin() needs an interface, " + api.getName() + " is not one");
    }
    if (api.isSealed()) {
      throw new IllegalArgumentException("bindPlugin() needs an interface other classes may "
          + "implement, " + api.getName() + " is sealed");
    }
    this.api = api;
    this.plugin = plugin;
  }

  @Inject
  void setService(ReloadService service) {
    this.service = service;
  }

  @Override
  public T get() {
    return ForwarderClasses.forwarder(api, plugin, service::registry);
  }
}
