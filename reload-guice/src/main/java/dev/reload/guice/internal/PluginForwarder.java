package dev.reload.guice.internal;

import dev.reload.Plugin;
import dev.reload.PluginRegistry;
import dev.reload.UnknownPluginException;
import java.util.function.Supplier;

/**
 * What an injected plugin interface calls through: the interface bound on the plugin of one name
 * in whichever registry is running at the time of the call. It is the superclass of the classes
 * {@link ForwarderClasses} generates (one per interface); each generated method does
 *
 * <pre>{@code
 * Object target = target();   // a volatile read
 * while (true) {
 *   try {
 *     return ((Api) target).method(arguments);   // invokeinterface, no reflection
 *   } catch (IllegalStateException refused) {
 *     target = retry(target, refused);
 *   }
 * }
 * }</pre>
 *
 * <p>Re-resolution. A forwarder keeps one binding: the registry, the {@link Plugin} object and the
 * interface bound on it, and beside it the bound interface alone, which is all a call reads (one
 * volatile read, then the call; a read fewer than going through the binding). A removed plugin,
 * and every plugin of a closed registry, refuses leases with an {@link IllegalStateException}
 * before its native code runs; only then does {@link #retry} look at the running registry: if it
 * is another one (the service stopped and a registry started instead), or if the name now holds
 * another {@link Plugin} object (one map lookup), it binds that and the call is made there; if no
 * registry runs, the call fails with the supplier's {@link IllegalStateException} saying how to
 * start it; if the name is gone, with the registry's {@link UnknownPluginException} naming the
 * plugin, and so does each later call (without touching the old plugin) until a plugin of that
 * name is added again. An {@code IllegalStateException} of a plugin still registered in the
 * running registry (its own reload calling it, an interrupt) is rethrown as it is.
 *
 * <p>{@code equals} and {@code hashCode} are identity, {@code toString} names the interface and
 * the plugin.
 *
 * <p>Public only because generated classes live in their own class loader; not API.
 *
 * <p>Thread-safe: the binding is replaced whole through a volatile field, and the bound interface
 * is written after it. Two threads may both bind the same plugin, which is harmless (binding is
 * idempotent); if their writes interleave, calls go for a while to the interface one of them bound,
 * which is as good, and a refusal there sends the next call to the binding's.
 */
public abstract class PluginForwarder {

  private final Class<?> api;
  private final String plugin;
  private final Supplier<PluginRegistry> running;
  /** Null until the first call, and while the plugin is absent; replaced whole by any caller. */
  private volatile Binding binding;
  /**
   * What calls go to: the binding's bound interface, written after the binding (so it may lag it,
   * see the class comment); null when the binding is.
   */
  private volatile Object target;

  /**
   * @param running the registry running now; throws {@link IllegalStateException} saying how to
   *     start it when none is
   */
  protected PluginForwarder(Class<?> api, String plugin, Supplier<PluginRegistry> running) {
    this.api = api;
    this.plugin = plugin;
    this.running = running;
  }

  /**
   * The bound interface calls go to, bound now on the running registry if there is none. It is
   * not checked against the running registry here: that costs every call, and the plugins of a
   * stopped registry refuse every call, which sends it to {@link #retry}.
   */
  protected final Object target() {
    Object current = target;
    return current != null ? current : rebind(running.get()).target;
  }

  /**
   * The bound interface to retry a refused call on: the binding's, if {@code refusedOn} is not
   * that (another caller bound meanwhile); else that of the plugin that now holds the name in the
   * running registry, if that is not the binding's plugin. Each retry needs a replacement, so a
   * call is retried at most once per bound interface.
   *
   * @throws IllegalStateException {@code refused} itself, if the plugin is still registered in the
   *     running registry; the supplier's, if no registry runs
   * @throws UnknownPluginException naming the plugin, if the registry has none of that name
   */
  protected final Object retry(Object refusedOn, IllegalStateException refused) {
    Binding current = binding;
    if (current != null && current.target != refusedOn) {
      target = current.target;
      return current.target;
    }
    PluginRegistry registry = running.get();
    if (current != null
        && registry == current.registry
        && registry.find(plugin).orElse(null) == current.plugin) {
      throw refused;
    }
    return rebind(registry).target;
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
        target = null;
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
      this.target = target;
      return fresh;
    }
  }

  @Override
  public final String toString() {
    return api.getSimpleName() + " bound to plugin '" + plugin + "'";
  }

  /** A registry, its plugin of the bound name, and the interface bound on that plugin. */
  private static final class Binding {
    final PluginRegistry registry;
    final Plugin plugin;
    final Object target;

    Binding(PluginRegistry registry, Plugin plugin, Object target) {
      this.registry = registry;
      this.plugin = plugin;
      this.target = target;
    }
  }
}
