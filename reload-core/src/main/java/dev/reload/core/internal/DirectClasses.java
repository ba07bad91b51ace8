package dev.reload.core.internal;

import java.lang.reflect.Method;
import java.util.List;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.ConstantDynamic;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Writes the bytecode of the classes behind a bound interface:
 *
 * <ul>
 *   <li>a <em>direct</em> class: one {@code static native} method per interface method, named
 *       {@code m<i>$<symbol>} (so {@link #SYMBOLS} maps it to the exported symbol) and registered
 *       with JNA's direct mapping against one loaded version, plus the interface's methods
 *       forwarding to them;
 *   <li>a <em>bound</em> class extending {@link DirectBound}: each method pins the current version
 *       on its thread's pins, calls the version's implementation and unpins, in a try/finally;
 *   <li>on the {@code java.lang.foreign} path, instead of direct classes, one hidden class per
 *       interface calling method handles held as constants with the addresses of the version it
 *       was made for ({@link #addressedCalls}), defined through
 *       a {@link #host} class.
 * </ul>
 *
 * Stateless and thread-safe.
 */
final class DirectClasses {

  private static final String BASE = Type.getInternalName(DirectBound.class);
  private static final String OBJECT = "java/lang/Object";
  private static final String OBJECT_DESC = "Ljava/lang/Object;";

  /** Maps a direct class's native {@code m<i>$<symbol>} to {@code <symbol>}; others unchanged. */
  static final com.sun.jna.FunctionMapper SYMBOLS = (library, method) -> {
    String name = method.getName();
    int dollar = name.indexOf('$');
    return isDirect(method.getDeclaringClass()) && dollar > 0 ? name.substring(dollar + 1) : name;
  };

  private static final String LOOKUP_DESC = "Ljava/lang/invoke/MethodHandles$Lookup;";
  private static final String METHOD_HANDLE_DESC = "Ljava/lang/invoke/MethodHandle;";
  /** {@code MethodHandles.classDataAt(Lookup, String, Class, int)}, the bootstrap of a constant. */
  private static final Handle CLASS_DATA_AT = new Handle(
      Opcodes.H_INVOKESTATIC,
      "java/lang/invoke/MethodHandles",
      "classDataAt",
      "(" + LOOKUP_DESC + "Ljava/lang/String;Ljava/lang/Class;I)Ljava/lang/Object;",
      false);

  private static final String DIRECT_MARK = "$$ReloadDirect";

  private DirectClasses() {}

  static boolean isDirect(Class<?> type) {
    return type.getName().contains(DIRECT_MARK);
  }

  static String directName(Class<?> api, int number) {
    return generatedName(api, DIRECT_MARK + number);
  }

  static String boundName(Class<?> api) {
    return generatedName(api, "$$ReloadBound");
  }

  static String foreignName(Class<?> api) {
    return generatedName(api, "$$ReloadForeign");
  }

  static String hostName(Class<?> api) {
    return generatedName(api, "$$ReloadHost");
  }

  /** The name of a class generated for {@code api}, in the generated classes' own package. */
  private static String generatedName(Class<?> api, String suffix) {
    return "dev.reload.core.generated." + api.getName().replace('.', '_') + suffix;
  }

  /**
   * A class whose {@code lookup()} returns a full-privilege lookup on itself: what defining hidden
   * classes next to the bound class (same loader and package) takes.
   */
  static byte[] host(String className) {
    ClassWriter writer = writer();
    writer.visit(
        Opcodes.V17,
        Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER,
        className.replace('.', '/'),
        null,
        OBJECT,
        null);
    MethodVisitor lookup = writer.visitMethod(
        Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "lookup", "()" + LOOKUP_DESC, null, null);
    lookup.visitCode();
    lookup.visitMethodInsn(
        Opcodes.INVOKESTATIC,
        "java/lang/invoke/MethodHandles",
        "lookup",
        "()" + LOOKUP_DESC,
        false);
    lookup.visitInsn(Opcodes.ARETURN);
    lookup.visitMaxs(0, 0);
    lookup.visitEnd();
    writer.visitEnd();
    return writer.toByteArray();
  }

  /**
   * A class implementing {@code api} for one version at a time: its constructor takes the
   * version's function addresses ({@code long[]}, one per method) and keeps each in a final field
   * of its own, and its method {@code i} calls method handle {@code i} of the class data it is
   * defined with ({@code MethodHandles.classDataAt}, a constant the JIT inlines through) with
   * address {@code i} first. Each handle must have the type {@code (long, <method's
   * parameters>)<method's return>}. One class serves every version, so a reload compiles nothing
   * new. A raw address in a field of its own costs one load; the handle makes it a segment where
   * the JIT sees the segment's exact class, so the linker's checks on it fold and nothing is
   * allocated, whatever other segments this JVM passes to native code (an element of a {@code
   * MemorySegment[]} relied on the linker's shared type profile for that).
   */
  static byte[] addressedCalls(String className, Class<?> api, List<Method> methods) {
    String self = className.replace('.', '/');
    return implementation(
        className,
        api,
        methods,
        writer -> {
          MethodVisitor init =
              writer.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "([J)V", null, null);
          init.visitCode();
          init.visitVarInsn(Opcodes.ALOAD, 0);
          init.visitMethodInsn(Opcodes.INVOKESPECIAL, OBJECT, "<init>", "()V", false);
          for (int i = 0; i < methods.size(); i++) {
            writer
                .visitField(Opcodes.ACC_PRIVATE | Opcodes.ACC_FINAL, "address" + i, "J", null, null)
                .visitEnd();
            init.visitVarInsn(Opcodes.ALOAD, 0);
            init.visitVarInsn(Opcodes.ALOAD, 1);
            init.visitLdcInsn(i);
            init.visitInsn(Opcodes.LALOAD);
            init.visitFieldInsn(Opcodes.PUTFIELD, self, "address" + i, "J");
          }
          init.visitInsn(Opcodes.RETURN);
          init.visitMaxs(0, 0);
          init.visitEnd();
        },
        (writer, code, i, method) -> {
          code.visitLdcInsn(new ConstantDynamic("_", METHOD_HANDLE_DESC, CLASS_DATA_AT, i));
          code.visitVarInsn(Opcodes.ALOAD, 0);
          code.visitFieldInsn(Opcodes.GETFIELD, self, "address" + i, "J");
          loadArguments(code, method, 1);
          code.visitMethodInsn(
              Opcodes.INVOKEVIRTUAL,
              "java/lang/invoke/MethodHandle",
              "invokeExact",
              "(J" + Type.getMethodDescriptor(method).substring(1),
              false);
        });
  }

  static byte[] direct(String className, Class<?> api, List<Method> methods, List<String> symbols) {
    String self = className.replace('.', '/');
    return implementation(
        className,
        api,
        methods,
        writer -> constructor(writer, OBJECT, "()V", 0),
        (writer, code, i, method) -> {
          String descriptor = Type.getMethodDescriptor(method);
          String nativeName = "m" + i + "$" + symbols.get(i);
          writer
              .visitMethod(
                  Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC | Opcodes.ACC_NATIVE,
                  nativeName,
                  descriptor,
                  null,
                  null)
              .visitEnd();
          loadArguments(code, method, 1);
          code.visitMethodInsn(Opcodes.INVOKESTATIC, self, nativeName, descriptor, false);
        });
  }

  /** Writes what one method of an implementation does before it returns the value on the stack. */
  private interface Call {
    void write(ClassWriter writer, MethodVisitor code, int index, Method method);
  }

  /**
   * A final class implementing {@code api}, with the fields and constructor {@code members}
   * writes: each method does its {@code call} and returns.
   */
  private static byte[] implementation(
      String className,
      Class<?> api,
      List<Method> methods,
      java.util.function.Consumer<ClassWriter> members,
      Call call) {
    ClassWriter writer = writer();
    writer.visit(
        Opcodes.V17,
        Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER,
        className.replace('.', '/'),
        null,
        OBJECT,
        new String[] {Type.getInternalName(api)});
    members.accept(writer);
    for (int i = 0; i < methods.size(); i++) {
      Method method = methods.get(i);
      MethodVisitor code = writer.visitMethod(
          Opcodes.ACC_PUBLIC, method.getName(), Type.getMethodDescriptor(method), null, null);
      code.visitCode();
      call.write(writer, code, i, method);
      code.visitInsn(Type.getReturnType(method).getOpcode(Opcodes.IRETURN));
      code.visitMaxs(0, 0);
      code.visitEnd();
    }
    writer.visitEnd();
    return writer.toByteArray();
  }

  static byte[] bound(String className, Class<?> api, List<Method> methods) {
    String self = className.replace('.', '/');
    String apiName = Type.getInternalName(api);
    ClassWriter writer = writer();
    writer.visit(
        Opcodes.V17,
        Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER,
        self,
        null,
        BASE,
        new String[] {apiName});
    constructor(writer, BASE, "(" + OBJECT_DESC + "I)V", 2);
    for (Method method : methods) {
      String descriptor = Type.getMethodDescriptor(method);
      Type returns = Type.getReturnType(method);
      MethodVisitor code =
          writer.visitMethod(Opcodes.ACC_PUBLIC, method.getName(), descriptor, null, null);
      code.visitCode();
      int pins = 1 + argumentSlots(method);
      int version = pins + 1;
      int result = version + 1;
      int thrown = result + Math.max(returns.getSize(), 1);
      Label start = new Label();
      Label end = new Label();
      Label handler = new Label();
      code.visitTryCatchBlock(start, end, handler, null);
      // Object p = pins(); Object v = pin(p);
      code.visitVarInsn(Opcodes.ALOAD, 0);
      code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, BASE, "pins", "()" + OBJECT_DESC, false);
      code.visitVarInsn(Opcodes.ASTORE, pins);
      code.visitVarInsn(Opcodes.ALOAD, 0);
      code.visitVarInsn(Opcodes.ALOAD, pins);
      code.visitMethodInsn(
          Opcodes.INVOKEVIRTUAL, BASE, "pin", "(" + OBJECT_DESC + ")" + OBJECT_DESC, false);
      code.visitVarInsn(Opcodes.ASTORE, version);
      // try { r = ((Api) target(v)).method(args); }
      code.visitLabel(start);
      code.visitVarInsn(Opcodes.ALOAD, 0);
      code.visitVarInsn(Opcodes.ALOAD, version);
      code.visitMethodInsn(
          Opcodes.INVOKEVIRTUAL, BASE, "target", "(" + OBJECT_DESC + ")" + OBJECT_DESC, false);
      code.visitTypeInsn(Opcodes.CHECKCAST, apiName);
      loadArguments(code, method, 1);
      code.visitMethodInsn(Opcodes.INVOKEINTERFACE, apiName, method.getName(), descriptor, true);
      if (returns.getSort() != Type.VOID) {
        code.visitVarInsn(returns.getOpcode(Opcodes.ISTORE), result);
      }
      code.visitLabel(end);
      // finally { unpin(p, v); } return r;
      unpin(code, pins, version);
      if (returns.getSort() != Type.VOID) {
        code.visitVarInsn(returns.getOpcode(Opcodes.ILOAD), result);
      }
      code.visitInsn(returns.getOpcode(Opcodes.IRETURN));
      code.visitLabel(handler);
      code.visitVarInsn(Opcodes.ASTORE, thrown);
      unpin(code, pins, version);
      code.visitVarInsn(Opcodes.ALOAD, thrown);
      code.visitInsn(Opcodes.ATHROW);
      code.visitMaxs(0, 0);
      code.visitEnd();
    }
    writer.visitEnd();
    return writer.toByteArray();
  }

  private static void unpin(MethodVisitor code, int pins, int version) {
    code.visitVarInsn(Opcodes.ALOAD, 0);
    code.visitVarInsn(Opcodes.ALOAD, pins);
    code.visitVarInsn(Opcodes.ALOAD, version);
    code.visitMethodInsn(
        Opcodes.INVOKEVIRTUAL, BASE, "unpin", "(" + OBJECT_DESC + OBJECT_DESC + ")V", false);
  }

  /** A public constructor passing its first {@code arguments} (an Object and an int) to super. */
  private static void constructor(
      ClassWriter writer, String superName, String descriptor, int arguments) {
    MethodVisitor init = writer.visitMethod(Opcodes.ACC_PUBLIC, "<init>", descriptor, null, null);
    init.visitCode();
    init.visitVarInsn(Opcodes.ALOAD, 0);
    if (arguments == 2) {
      init.visitVarInsn(Opcodes.ALOAD, 1);
      init.visitVarInsn(Opcodes.ILOAD, 2);
    }
    init.visitMethodInsn(Opcodes.INVOKESPECIAL, superName, "<init>", descriptor, false);
    init.visitInsn(Opcodes.RETURN);
    init.visitMaxs(0, 0);
    init.visitEnd();
  }

  private static void loadArguments(MethodVisitor code, Method method, int firstSlot) {
    int slot = firstSlot;
    for (Type argument : Type.getArgumentTypes(method)) {
      code.visitVarInsn(argument.getOpcode(Opcodes.ILOAD), slot);
      slot += argument.getSize();
    }
  }

  private static int argumentSlots(Method method) {
    int slots = 0;
    for (Type argument : Type.getArgumentTypes(method)) {
      slots += argument.getSize();
    }
    return slots;
  }

  private static ClassWriter writer() {
    return new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS) {
      @Override
      protected String getCommonSuperClass(String first, String second) {
        return OBJECT; // frames here only merge Object and Throwable locals
      }
    };
  }
}
