package dev.reload.core.internal;

import dev.reload.Symbol;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/**
 * Implements a Java interface by calling a plugin's exports: each call pins whatever version is
 * current, calls the function of the method's name (or its {@link Symbol}) and releases the pin.
 * Immutable and thread-safe.
 */
final class BoundInterface implements InvocationHandler {

  private static final Object[] NO_ARGS = new Object[0];

  private final ManagedPlugin plugin;
  private final Class<?> api;
  /** Symbol of every abstract method; built once, read-only after. */
  private final Map<Method, String> symbols;

  private BoundInterface(ManagedPlugin plugin, Class<?> api, Map<Method, String> symbols) {
    this.plugin = plugin;
    this.api = api;
    this.symbols = symbols;
  }

  static <T> T create(ManagedPlugin plugin, Class<T> api) {
    if (!api.isInterface()) {
      throw new IllegalArgumentException(
          "bind() needs an interface, " + api.getName() + " is not one");
    }
    Map<Method, String> symbols = new HashMap<>();
    for (Method method : api.getMethods()) {
      if (Modifier.isAbstract(method.getModifiers())) {
        symbols.put(method, symbolOf(method));
      }
    }
    Object proxy = Proxy.newProxyInstance(
        api.getClassLoader(), new Class<?>[] {api}, new BoundInterface(plugin, api, symbols));
    return api.cast(proxy);
  }

  /** The exported symbol a bound method calls: its {@link Symbol}, or its name. */
  static String symbolOf(Method method) {
    Symbol symbol = method.getAnnotation(Symbol.class);
    return symbol != null ? symbol.value() : method.getName();
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    String symbol = symbols.get(method);
    if (symbol == null) {
      return objectMethod(proxy, method, args);
    }
    CallPins.Stack pins = plugin.callPins().mine();
    LoadedVersion version = plugin.pin(pins);
    try {
      return version.function(symbol).invoke(method.getReturnType(), args == null ? NO_ARGS : args);
    } finally {
      version.unpin(pins);
    }
  }

  private Object objectMethod(Object proxy, Method method, Object[] args) throws Throwable {
    switch (method.getName()) {
      case "equals":
        return proxy == args[0];
      case "hashCode":
        return System.identityHashCode(proxy);
      case "toString":
        return api.getSimpleName() + " bound to plugin '" + plugin.name() + "'";
      default:
        return InvocationHandler.invokeDefault(proxy, method, args);
    }
  }
}
