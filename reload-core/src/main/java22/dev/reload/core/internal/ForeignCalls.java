package dev.reload.core.internal;

import static java.lang.invoke.MethodType.methodType;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import dev.reload.PluginException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code java.lang.foreign} path of one bound interface (the JDK 22+ class of the
 * multi-release jar).
 *
 * <p>Each interface method gets, once, a downcall handle taking the function's address first,
 * then the method's parameters in their exact Java types:
 * {@code boolean} passes as a C {@code int} (as JNA passes it), a {@code String} as a
 * NUL-terminated copy in JNA's encoding, a primitive array as a native copy written back after the
 * call (as JNA's direct mapping does), each in a confined arena closed when the call returns. One
 * hidden class per interface holds those handles as constants ({@code ldc} of its class data), so
 * the JIT inlines each call down to the native call; per loaded version, {@link #implement} makes
 * an instance of it holding that version's function addresses. A reload therefore defines and
 * compiles nothing: the call site keeps one receiver class, and its compiled code serves every
 * version (a class per version cost each reload its own JIT work, which on 2 cores held callers at
 * the gate of the stateful plugin for milliseconds).
 *
 * <p>Addresses come from the version's JNA {@link NativeLibrary}, the one owner of the mapping:
 * nothing here opens the library a second time, so nothing can keep it mapped behind the lease
 * count. Thread-safe: {@link #constructor}, made once, is its only mutable state.
 */
final class ForeignCalls {

  private static final Linker LINKER = Linker.nativeLinker();
  private static final String UNAVAILABLE = probe();
  /** {@code MemorySegment.ofAddress(long)}. */
  private static final MethodHandle OF_ADDRESS = ofAddress();

  private final Class<?> api;
  private final String className;
  private final List<Method> methods;
  private final List<String> symbols;
  /** Why the interface cannot pass through here, or null. */
  private final String unsupported;
  /** Per method: its adapted downcall handle, taking the function's address first; or null. */
  private final List<MethodHandle> unbound;
  /**
   * The constructor of the hidden class, taking a version's addresses; made at the first {@link
   * #implement}, then read-only. Guarded by this object.
   */
  private MethodHandle constructor;

  private ForeignCalls(Class<?> api, List<Method> methods, List<String> symbols) {
    this.api = api;
    this.className = DirectClasses.foreignName(api);
    this.methods = methods;
    this.symbols = symbols;
    this.unsupported = unsupportedMethod(methods);
    this.unbound = unsupported == null ? adaptAll(methods) : null;
  }

  /** Why this JVM cannot call through {@code java.lang.foreign}, or null if it can. */
  static String unavailable() {
    return UNAVAILABLE;
  }

  static ForeignCalls of(Class<?> api, List<Method> methods, List<String> symbols) {
    return new ForeignCalls(api, methods, symbols);
  }

  /** Why this interface cannot be called through {@code java.lang.foreign}, or null. */
  String unsupported() {
    return unsupported;
  }

  /**
   * An implementation of the interface calling {@code library}'s exports: an instance of the
   * interface's hidden class (defined by {@code host} at the first call) holding their addresses.
   *
   * @throws PluginException if the library lacks one of the interface's symbols
   */
  Object implement(
      MethodHandles.Lookup host, NativeLibrary library, String plugin, long generation) {
    long[] addresses = new long[methods.size()];
    for (int i = 0; i < addresses.length; i++) {
      addresses[i] = address(library, symbols.get(i), plugin, generation);
    }
    try {
      return constructor(host).invoke(addresses);
    } catch (Throwable e) {
      throw new IllegalStateException(
          "cannot make the java.lang.foreign implementation " + className, e);
    }
  }

  private synchronized MethodHandle constructor(MethodHandles.Lookup host)
      throws IllegalAccessException, NoSuchMethodException {
    if (constructor == null) {
      MethodHandles.Lookup hidden = host.defineHiddenClassWithClassData(
          DirectClasses.addressedCalls(className, api, methods), unbound, true);
      constructor =
          hidden.findConstructor(hidden.lookupClass(), methodType(void.class, long[].class));
    }
    return constructor;
  }

  private static long address(
      NativeLibrary library, String symbol, String plugin, long generation) {
    try {
      return Pointer.nativeValue(library.getFunction(symbol));
    } catch (UnsatisfiedLinkError e) {
      throw new PluginException(
          "plugin '" + plugin + "' generation " + generation + " does not export '" + symbol + "'",
          e);
    }
  }

  /** The first method whose types cannot pass, and why; null if all can. */
  private static String unsupportedMethod(List<Method> methods) {
    for (Method method : methods) {
      Class<?>[] parameters = method.getParameterTypes();
      for (int i = 0; i < parameters.length; i++) {
        if (!CallArena.passes(parameters[i])) {
          return "parameter " + (i + 1) + " of " + method.getName() + " is "
              + parameters[i].getTypeName() + ", not a supported native type of java.lang.foreign"
              + " calls (" + CallArena.SUPPORTED + ")";
        }
      }
      Class<?> returns = method.getReturnType();
      if (returns != void.class && !CallArena.returns(returns)) {
        return method.getName() + " returns " + returns.getTypeName() + ", not a supported"
            + " native type of java.lang.foreign calls (" + CallArena.SUPPORTED_RETURNS + ")";
      }
    }
    return null;
  }

  private static List<MethodHandle> adaptAll(List<Method> methods) {
    List<MethodHandle> handles = new ArrayList<>(methods.size());
    for (Method method : methods) {
      handles.add(adapt(method));
    }
    return handles;
  }

  /**
   * The downcall handle of {@code method}: type {@code (long address, <method's parameters>)
   * <method's return>}. The address becomes a segment inside the handle, where the JIT sees its
   * exact type: the segment is never allocated and the linker's checks on it fold away.
   */
  private static MethodHandle adapt(Method method) {
    Class<?>[] parameters = method.getParameterTypes();
    MemoryLayout[] layouts = new MemoryLayout[parameters.length];
    for (int i = 0; i < parameters.length; i++) {
      layouts[i] = CallArena.layoutOf(parameters[i]);
    }
    Class<?> returns = method.getReturnType();
    FunctionDescriptor descriptor = returns == void.class
        ? FunctionDescriptor.ofVoid(layouts)
        : FunctionDescriptor.of(CallArena.layoutOf(returns), layouts);
    MethodHandle handle = CallArena.adaptReturn(LINKER.downcallHandle(descriptor), returns);
    return MethodHandles.filterArguments(
            CallArena.adaptArguments(handle, parameters), 0, OF_ADDRESS)
        .asType(methodType(returns, long.class).appendParameterTypes(parameters));
  }

  private static MethodHandle ofAddress() {
    try {
      return MethodHandles.publicLookup()
          .findStatic(
              MemorySegment.class, "ofAddress", methodType(MemorySegment.class, long.class));
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Null if a downcall handle can be made here; else why not (native access denied). */
  private static String probe() {
    try {
      LINKER.downcallHandle(
          LINKER.defaultLookup().find("getpid").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT));
      return null;
    } catch (IllegalCallerException e) {
      return "native access is denied to " + ForeignCalls.class.getModule() + " (" + e.getMessage()
          + "); run with --enable-native-access=ALL-UNNAMED, or the module's name on the module"
          + " path";
    }
  }
}
