package dev.reload.core.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import dev.reload.PluginException;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The generated classes of one interface bound with {@link dev.reload.Plugin#bind}: one bound
 * class, and per loaded version an implementation of the interface.
 *
 * <ul>
 *   <li>On the {@code java.lang.foreign} path ({@link ForeignCalls}), an instance of the
 *       interface's one hidden class, holding the version's function addresses.
 *   <li>On the JNA path, a direct class registered (JNA direct mapping) to one version at a time.
 *       JNA keeps every registered class reachable from a static map even after {@code
 *       unregister}, so classes return to a pool when their version is unmapped and are reused:
 *       the number defined is the most versions ever loaded at once, not the number of reloads,
 *       failed ones included.
 * </ul>
 *
 * <p>One instance per interface for the whole JVM (a {@link ClassValue}); thread-safe.
 */
final class DirectApi {

  private static final Logger log = LoggerFactory.getLogger(DirectApi.class);

  private static final ClassValue<DirectApi> APIS = new ClassValue<>() {
    @Override
    protected DirectApi computeValue(Class<?> api) {
      return new DirectApi(api);
    }
  };

  private final Class<?> api;
  /** Filled by the constructor, read-only after. */
  private final List<Method> methods;
  /** Filled by the constructor, read-only after. */
  private final List<String> symbols;

  private final GeneratedLoader loader;
  private final Constructor<?> boundConstructor;
  /** Direct classes not registered to any version; thread-safe. */
  private final Deque<Class<?>> free = new ConcurrentLinkedDeque<>();
  /** How many direct classes were defined; thread-safe. */
  private final AtomicInteger defined = new AtomicInteger();
  /** The java.lang.foreign path, made at its first use; written once under this object's lock. */
  private volatile ForeignCalls foreign;
  /** Defines the hidden class of that path; made at its first use, guarded by this object. */
  private MethodHandles.Lookup host;
  /** Whether the fallback of an interface java.lang.foreign cannot pass to JNA was logged. */
  private volatile boolean toldJnaFallback;

  private DirectApi(Class<?> api) {
    this.api = api;
    this.methods = new ArrayList<>();
    this.symbols = new ArrayList<>();
    Arrays.stream(api.getMethods())
        .filter(method -> Modifier.isAbstract(method.getModifiers()))
        .sorted(Comparator.comparing(Method::getName).thenComparing(Method::toGenericString))
        .forEach(method -> {
          methods.add(method);
          symbols.add(BoundInterface.symbolOf(method));
        });
    this.loader = new GeneratedLoader(api.getClassLoader());
    String name = DirectClasses.boundName(api);
    try {
      this.boundConstructor = loader
          .define(name, DirectClasses.bound(name, api, methods))
          .getConstructor(Object.class, int.class);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("generated " + name + " has no constructor", e);
    }
  }

  /**
   * Whether {@code api} can be bound with direct mapping: a public interface reachable from outside
   * its package.
   */
  static boolean supports(Class<?> api) {
    for (Class<?> type = api; type != null; type = type.getEnclosingClass()) {
      if (!Modifier.isPublic(type.getModifiers())) {
        return false;
      }
    }
    return api.isInterface();
  }

  static DirectApi of(Class<?> api) {
    return APIS.get(api);
  }

  Class<?> api() {
    return api;
  }

  /** How many direct classes were defined so far. */
  int defined() {
    return defined.get();
  }

  /**
   * A new implementation of the interface calling the plugin's current version through {@code
   * slot}.
   */
  Object newBound(ManagedPlugin plugin, int slot) {
    try {
      return boundConstructor.newInstance(plugin, slot);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot instantiate the binding of " + api.getName(), e);
    }
  }

  /**
   * An implementation of this interface calling {@code library}'s exports, made the way {@code
   * path} says: an instance holding the addresses, for {@code java.lang.foreign}, or a JNA direct
   * class (a pooled one, or a new one if none is free).
   *
   * @throws PluginException if the library lacks a symbol of the interface, or the path cannot
   *     pass one of its types
   */
  Registration register(NativeLibrary library, String plugin, long generation, CallPath path) {
    if (path.foreign()) {
      ForeignCalls foreign = foreign();
      String unsupported = foreign.unsupported();
      if (unsupported == null) {
        try {
          return new Registration(foreign.implement(host(), library, plugin, generation), null);
        } catch (PluginException e) {
          throw cannotServe(plugin, generation, e);
        }
      }
      if (path == CallPath.FOREIGN_ONLY) {
        throw new PluginException("plugin '" + plugin + "' generation " + generation
            + " cannot serve " + api.getName() + " with reload.binding = ffm: " + unsupported
            + "; set reload.binding = auto to call this interface through JNA");
      }
      if (!toldJnaFallback) {
        toldJnaFallback = true;
        log.info(
            "{} is called through JNA direct mapping, not java.lang.foreign: {}",
            api.getName(),
            unsupported);
      }
    }
    return registerDirect(library, plugin, generation);
  }

  private Registration registerDirect(NativeLibrary library, String plugin, long generation) {
    Class<?> direct = free.poll();
    if (direct == null) {
      String name = DirectClasses.directName(api, defined.incrementAndGet());
      direct = loader.define(name, DirectClasses.direct(name, api, methods, symbols));
    }
    try {
      Native.register(direct, library);
      return new Registration(direct.getConstructor().newInstance(), direct);
    } catch (RuntimeException | LinkageError | ReflectiveOperationException e) {
      // Pooled like any released class: JNA keeps it reachable whatever we do, so a new class per
      // failure would leak one per failed reload. JNA may have bound some of its natives to this
      // library before failing; no instance of it exists, and the next register() binds every
      // native again before making one.
      release(direct);
      throw cannotServe(plugin, generation, e);
    }
  }

  private PluginException cannotServe(String plugin, long generation, Throwable e) {
    return new PluginException(
        "plugin '" + plugin + "' generation " + generation + " cannot serve " + api.getName() + ": "
            + e.getMessage(),
        e);
  }

  /** Unregisters {@code direct} (a stale call now throws instead of crashing) and pools it. */
  private void release(Class<?> direct) {
    Native.unregister(direct);
    free.push(direct);
  }

  private ForeignCalls foreign() {
    ForeignCalls calls = foreign;
    if (calls == null) {
      synchronized (this) {
        calls = foreign;
        if (calls == null) {
          calls = ForeignCalls.of(api, methods, symbols);
          foreign = calls;
        }
      }
    }
    return calls;
  }

  /** A full-privilege lookup in the generated classes' loader and package. */
  private synchronized MethodHandles.Lookup host() {
    if (host == null) {
      String name = DirectClasses.hostName(api);
      try {
        host = (MethodHandles.Lookup)
            loader.define(name, DirectClasses.host(name)).getMethod("lookup").invoke(null);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot use the generated " + name, e);
      }
    }
    return host;
  }

  /**
   * One version's implementation of the interface, and the JNA direct class behind it (null on the
   * {@code java.lang.foreign} path, where nothing but the instance is made per version).
   */
  final class Registration {
    private final Object implementation;
    private final Class<?> direct;

    private Registration(Object implementation, Class<?> direct) {
      this.implementation = implementation;
      this.direct = direct;
    }

    Object implementation() {
      return implementation;
    }

    /** Returns a direct class to the pool, unregistered. */
    void release() {
      if (direct != null) {
        DirectApi.this.release(direct);
      }
    }
  }

  /** Defines the generated classes; sees the interface's loader and this engine's classes. */
  private static final class GeneratedLoader extends ClassLoader {
    private static final ClassLoader ENGINE = DirectBound.class.getClassLoader();

    GeneratedLoader(ClassLoader apiLoader) {
      super(apiLoader != null ? apiLoader : ENGINE);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (name.startsWith("dev.reload.core.internal.")) {
        return ENGINE.loadClass(name);
      }
      return super.loadClass(name, resolve);
    }

    Class<?> define(String name, byte[] bytes) {
      return defineClass(name, bytes, 0, bytes.length);
    }
  }
}
