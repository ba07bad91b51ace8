package dev.reload.guice;

import com.google.inject.Provider;
import dev.reload.PluginRegistry;
import jakarta.inject.Inject;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Provides a typed plugin interface that can be injected before {@link ReloadService} starts and
 * survives restarts of it: each call goes to {@code plugin.bind(api)} of the registry running at
 * that moment (built once per registry). Thread-safe.
 */
final class PluginInterfaceProvider<T> implements Provider<T> {

  private final Class<T> api;
  private final String plugin;
  private ReloadService service;

  PluginInterfaceProvider(Class<T> api, String plugin) {
    if (!api.isInterface()) {
      throw new IllegalArgumentException("bindPlugin() needs an interface, " + api.getName()
          + " is not one");
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
    return api.cast(Proxy.newProxyInstance(api.getClassLoader(), new Class<?>[] {api},
        new Forwarder(service)));
  }

  /** Forwards each call to the bound interface of the running registry. */
  private final class Forwarder implements InvocationHandler {

    private final ReloadService service;
    /** The registry {@link #target} was bound on, and the binding; replaced together. */
    private volatile Binding binding;

    Forwarder(ReloadService service) {
      this.service = service;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      if (method.getDeclaringClass() == Object.class) {
        return switch (method.getName()) {
          case "equals" -> proxy == args[0];
          case "hashCode" -> System.identityHashCode(proxy);
          default -> api.getSimpleName() + " bound to plugin '" + plugin + "'";
        };
      }
      try {
        return method.invoke(target(), args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }

    private Object target() {
      PluginRegistry registry = service.registry();
      Binding current = binding;
      if (current == null || current.registry != registry) {
        current = new Binding(registry, registry.plugin(plugin).bind(api));
        binding = current;
      }
      return current.target;
    }
  }

  private record Binding(PluginRegistry registry, Object target) {}
}
