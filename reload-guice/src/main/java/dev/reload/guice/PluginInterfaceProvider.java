package dev.reload.guice;

import com.google.inject.Provider;
import dev.reload.Plugin;
import dev.reload.PluginRegistry;
import dev.reload.UnknownPluginException;
import jakarta.inject.Inject;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Provides a typed plugin interface that can be injected before {@link ReloadService} starts and
 * survives restarts of it, and the removal and re-adding of its plugin: each call goes to {@code
 * plugin.bind(api)} of the plugin of that name in the registry running at that moment.
 *
 * <p>Re-resolution. The forwarder keeps one {@link Binding}: the registry, the {@link Plugin}
 * object and the interface bound on it. A call reads the running registry and the binding (two
 * volatile reads) and compares the registry by identity; nothing else is added to a call that
 * succeeds. A removed plugin refuses leases with an {@link IllegalStateException} before its
 * native code runs; only then does the forwarder ask the registry whether the name now holds
 * another {@link Plugin} object (one map lookup): if it does, it binds that one and makes the
 * call there; if the name is gone, the call fails with the registry's {@link
 * UnknownPluginException} naming the plugin, and so does each later call (without touching the
 * old plugin) until a plugin of that name is added again. An {@code IllegalStateException} of a
 * plugin still registered (its own reload calling it, an interrupt) is rethrown as it is.
 *
 * <p>Thread-safe: the binding is replaced whole through a volatile field; two threads may both
 * bind the same plugin, which is harmless (binding is idempotent and the last one wins).
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

  /** Forwards each call to the bound interface of the plugin of that name in the running registry. */
  private final class Forwarder implements InvocationHandler {

    private final ReloadService service;
    /** Null until the first call, and while the plugin is absent from the registry. */
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
      Binding current = current();
      while (true) {
        try {
          return method.invoke(current.target, args);
        } catch (InvocationTargetException e) {
          // Only a refused lease is an IllegalStateException: the native call did not run, so
          // trying the plugin that now holds the name is safe. Each retry needs the registry to
          // have replaced the plugin again meanwhile.
          if (!(e.getCause() instanceof IllegalStateException) || !stale(current)) {
            throw e.getCause();
          }
          current = rebind(current.registry);
        }
      }
    }

    /** The binding on the running registry, made now if there is none on it. */
    private Binding current() {
      PluginRegistry registry = service.registry();
      Binding current = binding;
      return current != null && current.registry == registry ? current : rebind(registry);
    }

    /** Whether the registry no longer holds the plugin {@code bound} was made on. */
    private boolean stale(Binding bound) {
      return bound.registry.find(plugin).orElse(null) != bound.plugin;
    }

    /**
     * Binds the plugin that holds the name now.
     *
     * @throws UnknownPluginException naming the plugin if the registry has none of that name
     */
    private Binding rebind(PluginRegistry registry) {
      while (true) {
        Plugin now;
        try {
          now = registry.plugin(plugin);
        } catch (UnknownPluginException e) {
          binding = null;
          throw e;
        }
        Object target;
        try {
          target = now.bind(api);
        } catch (IllegalStateException e) {
          if (registry.find(plugin).orElse(null) == now) {
            throw e; // the plugin itself refused (its registry closed): not a removal
          }
          continue; // removed between the lookup and the bind: look again
        }
        Binding fresh = new Binding(registry, now, target);
        binding = fresh;
        return fresh;
      }
    }
  }

  /** A registry, its plugin of the bound name, and {@code api} bound on that plugin. */
  private record Binding(PluginRegistry registry, Plugin plugin, Object target) {}
}
