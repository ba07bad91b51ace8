package dev.reload.core.internal;

import static java.lang.invoke.MethodType.methodType;

import com.sun.jna.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The native memory of one {@code java.lang.foreign} call that passes strings or arrays: a
 * confined arena holding their copies, and the arrays to write back once the call returns. Also
 * the type rules of that path, and the method handle adapters that apply them.
 *
 * <p>Not thread-safe: one instance per call, used by the calling thread only.
 */
final class CallArena {

  static final String SUPPORTED = "byte, short, int, long, float, double, boolean (a C int),"
      + " String (a NUL-terminated copy) and arrays of byte, short, int, long, float or double";
  static final String SUPPORTED_RETURNS =
      "void, byte, short, int, long, float, double, boolean (a C int) and String (a const char *)";

  private static final Map<Class<?>, ValueLayout> PRIMITIVES = Map.of(
      byte.class,
      ValueLayout.JAVA_BYTE,
      short.class,
      ValueLayout.JAVA_SHORT,
      int.class,
      ValueLayout.JAVA_INT,
      long.class,
      ValueLayout.JAVA_LONG,
      float.class,
      ValueLayout.JAVA_FLOAT,
      double.class,
      ValueLayout.JAVA_DOUBLE,
      // As JNA: a Java boolean is a C int, 0 or 1.
      boolean.class,
      ValueLayout.JAVA_INT);
  /** The charset JNA converts strings with, so both paths pass the same bytes. */
  private static final Charset CHARSET = Charset.forName(Native.getDefaultStringEncoding());

  private static final MethodHandle NEW;
  private static final MethodHandle STRING;
  private static final MethodHandle ARRAY;
  private static final MethodHandle CLOSE;
  private static final MethodHandle TO_INT;
  private static final MethodHandle TO_BOOLEAN;
  private static final MethodHandle C_STRING;

  static {
    MethodHandles.Lookup lookup = MethodHandles.lookup();
    try {
      NEW = lookup.findConstructor(CallArena.class, methodType(void.class));
      STRING = lookup.findVirtual(
          CallArena.class, "string", methodType(MemorySegment.class, String.class));
      ARRAY = lookup.findVirtual(
          CallArena.class, "array", methodType(MemorySegment.class, Object.class));
      CLOSE = lookup.findVirtual(CallArena.class, "close", methodType(void.class, Throwable.class));
      TO_INT = lookup.findStatic(CallArena.class, "toInt", methodType(int.class, boolean.class));
      TO_BOOLEAN =
          lookup.findStatic(CallArena.class, "toBoolean", methodType(boolean.class, int.class));
      C_STRING = lookup.findStatic(
          CallArena.class, "cString", methodType(String.class, MemorySegment.class));
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Arena arena = Arena.ofConfined();
  /** Arrays passed to this call, each followed by its native copy; written back at close. */
  private final List<Object> copies = new ArrayList<>(4);

  /** Whether a parameter of this type can be passed. */
  static boolean passes(Class<?> type) {
    return PRIMITIVES.containsKey(type) || type == String.class || isArray(type);
  }

  /** Whether a value of this type can be returned. */
  static boolean returns(Class<?> type) {
    return PRIMITIVES.containsKey(type) || type == String.class;
  }

  private static boolean isArray(Class<?> type) {
    Class<?> element = type.getComponentType();
    return element != null && element != boolean.class && PRIMITIVES.containsKey(element);
  }

  /** The native layout a value of a supported type passes as. */
  static MemoryLayout layoutOf(Class<?> type) {
    ValueLayout layout = PRIMITIVES.get(type);
    return layout != null ? layout : ValueLayout.ADDRESS;
  }

  /** {@code handle} returning {@code returns} instead of its native layout's carrier. */
  static MethodHandle adaptReturn(MethodHandle handle, Class<?> returns) {
    if (returns == boolean.class) {
      return MethodHandles.filterReturnValue(handle, TO_BOOLEAN);
    }
    if (returns == String.class) {
      return MethodHandles.filterReturnValue(handle, C_STRING);
    }
    return handle;
  }

  /**
   * {@code downcall}, of type {@code (MemorySegment address, <native carriers>)R}, taking {@code
   * parameters} instead: booleans become ints, and strings and arrays become copies in an arena of
   * the call, closed (arrays written back first) when it returns or throws.
   */
  static MethodHandle adaptArguments(MethodHandle downcall, Class<?>[] parameters) {
    MethodHandle handle = downcall;
    boolean copied = false;
    // Right to left: collecting an argument shifts only those after it.
    for (int i = parameters.length - 1; i >= 0; i--) {
      int position = i + 1;
      if (parameters[i] == boolean.class) {
        handle = MethodHandles.filterArguments(handle, position, TO_INT);
      } else if (parameters[i] == String.class) {
        handle = MethodHandles.collectArguments(handle, position, STRING);
        copied = true;
      } else if (parameters[i].isArray()) {
        handle = MethodHandles.collectArguments(
            handle,
            position,
            ARRAY.asType(methodType(MemorySegment.class, CallArena.class, parameters[i])));
        copied = true;
      }
    }
    return copied ? inArena(handle, parameters) : handle;
  }

  /**
   * {@code handle} has a {@code CallArena} before each string or array: merges them into one,
   * made before the call and closed after it.
   */
  private static MethodHandle inArena(MethodHandle handle, Class<?>[] parameters) {
    MethodType collected = handle.type();
    MethodType merged = methodType(collected.returnType(), CallArena.class, MemorySegment.class)
        .appendParameterTypes(parameters);
    int[] reorder = new int[collected.parameterCount()];
    int from = 0;
    reorder[from++] = 1; // the address
    for (int i = 0; i < parameters.length; i++) {
      if (parameters[i] == String.class || parameters[i].isArray()) {
        reorder[from++] = 0;
      }
      reorder[from++] = i + 2;
    }
    MethodHandle call = MethodHandles.permuteArguments(handle, merged, reorder);
    Class<?> returns = collected.returnType();
    MethodHandle cleanup = returns == void.class
        ? CLOSE.asType(methodType(void.class, CallArena.class, Throwable.class))
        : MethodHandles.dropArguments(
            MethodHandles.identity(returns), 0, CallArena.class, Throwable.class);
    if (returns != void.class) {
      cleanup =
          MethodHandles.foldArguments(cleanup, MethodHandles.dropArguments(CLOSE, 2, returns));
    }
    // tryFinally wants (Throwable, [R,] CallArena...): ours take (CallArena, Throwable[, R]).
    MethodType wanted = returns == void.class
        ? methodType(void.class, Throwable.class, CallArena.class)
        : methodType(returns, Throwable.class, returns, CallArena.class);
    int[] order = returns == void.class ? new int[] {1, 0} : new int[] {2, 0, 1};
    cleanup = MethodHandles.permuteArguments(cleanup, wanted, order);
    return MethodHandles.foldArguments(MethodHandles.tryFinally(call, cleanup), NEW);
  }

  private MemorySegment string(String value) {
    return value == null ? MemorySegment.NULL : arena.allocateFrom(value, CHARSET);
  }

  private MemorySegment array(Object array) {
    if (array == null) {
      return MemorySegment.NULL;
    }
    MemorySegment heap = heapSegment(array);
    MemorySegment copy = arena.allocate(Math.max(heap.byteSize(), 1), 8).copyFrom(heap);
    copies.add(array);
    copies.add(copy);
    return copy;
  }

  /** Writes the arrays back unless the call failed, and frees every copy. */
  private void close(Throwable failure) {
    try {
      if (failure == null) {
        for (int i = 0; i < copies.size(); i += 2) {
          MemorySegment heap = heapSegment(copies.get(i));
          heap.copyFrom(((MemorySegment) copies.get(i + 1)).asSlice(0, heap.byteSize()));
        }
      }
    } finally {
      arena.close();
    }
  }

  private static MemorySegment heapSegment(Object array) {
    if (array instanceof byte[] bytes) {
      return MemorySegment.ofArray(bytes);
    } else if (array instanceof short[] shorts) {
      return MemorySegment.ofArray(shorts);
    } else if (array instanceof int[] ints) {
      return MemorySegment.ofArray(ints);
    } else if (array instanceof long[] longs) {
      return MemorySegment.ofArray(longs);
    } else if (array instanceof float[] floats) {
      return MemorySegment.ofArray(floats);
    } else if (array instanceof double[] doubles) {
      return MemorySegment.ofArray(doubles);
    }
    throw new IllegalArgumentException(
        "not a supported array: " + array.getClass().getTypeName());
  }

  private static int toInt(boolean value) {
    return value ? 1 : 0;
  }

  private static boolean toBoolean(int value) {
    return value != 0;
  }

  private static String cString(MemorySegment pointer) {
    return pointer.equals(MemorySegment.NULL)
        ? null
        : pointer.reinterpret(Long.MAX_VALUE).getString(0, CHARSET);
  }
}
