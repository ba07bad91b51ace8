package dev.reload.core.internal;

import com.sun.jna.NativeLibrary;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.util.List;

/**
 * The {@code java.lang.foreign} path of one bound interface. This is the JDK 17 class: there is
 * no such path, and {@link #unavailable()} says why. On JDK 22 and newer the multi-release jar
 * serves {@code META-INF/versions/22/dev/reload/core/internal/ForeignCalls.class} instead, with
 * the same members. Stateless.
 */
final class ForeignCalls {

  private ForeignCalls() {}

  /** Why this JVM cannot call through {@code java.lang.foreign}, or null if it can. */
  static String unavailable() {
    return Runtime.version().feature() >= 22
        ? "this reload-core jar has no java.lang.foreign classes (it was built with a JDK older"
            + " than 22); use a release build, or build it with JDK 22 or newer"
        : "java.lang.foreign needs JDK 22 or newer, this is JDK " + Runtime.version();
  }

  /** Never called: {@link #unavailable()} is never null here. */
  static ForeignCalls of(Class<?> api, List<Method> methods, List<String> symbols) {
    throw new UnsupportedOperationException(unavailable());
  }

  /** Why this interface cannot be called through {@code java.lang.foreign}, or null. */
  String unsupported() {
    return unavailable();
  }

  /**
   * An implementation of the interface calling {@code library}'s exports, in a hidden class
   * defined by {@code host}.
   */
  Object implement(
      MethodHandles.Lookup host, NativeLibrary library, String plugin, long generation) {
    throw new UnsupportedOperationException(unavailable());
  }
}
