package dev.reload.guice.internal;

import dev.reload.PluginRegistry;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.function.Supplier;

/**
 * The forwarder of an interface no generated class can implement (see {@link ForwarderClasses}):
 * the loop of {@link PluginForwarder} through {@code Method.invoke}. Thread-safe, as its
 * superclass.
 */
final class ProxyForwarder extends PluginForwarder implements InvocationHandler {

  ProxyForwarder(Class<?> api, String plugin, Supplier<PluginRegistry> running) {
    super(api, plugin, running);
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
    Object binding = binding();
    while (true) {
      try {
        return method.invoke(target(binding), args);
      } catch (InvocationTargetException e) {
        if (!(e.getCause() instanceof IllegalStateException refused)) {
          throw e.getCause();
        }
        binding = retry(binding, refused);
      }
    }
  }
}
