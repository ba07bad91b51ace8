package dev.reload.guice.internal;

import dev.reload.PluginRegistry;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The forwarder of an interface no generated class can implement (see {@link ForwarderClasses}):
 * the loop of {@link PluginForwarder} through {@code Method.invoke}. Thread-safe, as its
 * superclass; its method table is built in the constructor and only read after.
 */
final class ProxyForwarder extends PluginForwarder implements InvocationHandler {

  /**
   * The interface's methods made accessible where the interface's module allows it: this class is
   * in another package than a package-private interface, so {@code Method.invoke} of the proxy's
   * own (unaccessible) methods would be refused. Keys equal the proxy's methods.
   */
  private final Map<Method, Method> methods = new HashMap<>();

  ProxyForwarder(Class<?> api, String plugin, Supplier<PluginRegistry> running) {
    super(api, plugin, running);
    for (Method method : api.getMethods()) { // copies: making them accessible touches no other
      method.trySetAccessible();
      methods.put(method, method);
    }
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    if (method.getDeclaringClass() == Object.class) {
      return switch (method.getName()) {
        case "equals" -> proxy == args[0];
        case "hashCode" -> System.identityHashCode(proxy);
        default -> toString();
      };
    }
    Method callable = methods.getOrDefault(method, method);
    Object target = target();
    while (true) {
      try {
        return callable.invoke(target, args);
      } catch (InvocationTargetException e) {
        if (!(e.getCause() instanceof IllegalStateException refused)) {
          throw e.getCause();
        }
        target = retry(target, refused);
      }
    }
  }
}
