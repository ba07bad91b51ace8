package dev.reload.guice.internal;

import dev.reload.PluginRegistry;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Makes the objects injected for plugin interfaces. For each interface it writes, once per JVM
 * (a {@link ClassValue}), one class extending {@link PluginForwarder} whose every method calls the
 * bound implementation through {@code invokeinterface}: no reflection and no argument array per
 * call, and no class per call, per injector or per registry.
 *
 * <p>Every public instance method of the interface is forwarded, default methods included (they
 * run on the bound implementation, as they would on {@code plugin.bind(api)} itself); {@code
 * equals}, {@code hashCode} and {@code toString} are {@link PluginForwarder}'s.
 *
 * <p>An interface that a class in another class loader cannot implement (not public, nested in a
 * non-public type, or in a named module that does not export its package) gets a JDK {@link Proxy}
 * around a {@link ProxyForwarder} instead: the same behaviour, at the cost of {@code Method.invoke}
 * per call. That is the path {@code plugin.bind(api)} itself takes for such an interface, so the
 * reflection is small beside it; make the interface public for the fast path.
 *
 * <p>Thread-safe: generated classes are cached per interface, and the rest is stateless.
 */
public final class ForwarderClasses {

  private static final String BASE = Type.getInternalName(PluginForwarder.class);
  private static final String OBJECT = "java/lang/Object";
  private static final String CONSTRUCTOR = Type.getMethodDescriptor(
      Type.VOID_TYPE,
      Type.getType(Class.class),
      Type.getType(String.class),
      Type.getType(Supplier.class));
  private static final String REFUSED = Type.getInternalName(IllegalStateException.class);

  private static final ClassValue<Constructor<?>> CLASSES = new ClassValue<>() {
    @Override
    protected Constructor<?> computeValue(Class<?> api) {
      String name = className(api);
      Class<?> generated = new GeneratedLoader(api.getClassLoader()).define(name, write(name, api));
      try {
        return generated.getConstructor(Class.class, String.class, Supplier.class);
      } catch (NoSuchMethodException e) {
        throw new IllegalStateException("generated " + name + " has no constructor", e);
      }
    }
  };

  private ForwarderClasses() {}

  /**
   * An implementation of {@code api} forwarding every call to {@code plugin.bind(api)} of the
   * plugin named {@code plugin} in the registry {@code running} supplies at that moment.
   */
  public static <T> T forwarder(Class<T> api, String plugin, Supplier<PluginRegistry> running) {
    if (!generates(api)) {
      return api.cast(Proxy.newProxyInstance(
          api.getClassLoader(), new Class<?>[] {api}, new ProxyForwarder(api, plugin, running)));
    }
    try {
      return api.cast(CLASSES.get(api).newInstance(api, plugin, running));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot instantiate the forwarder of " + api.getName(), e);
    }
  }

  /**
   * Whether {@code api} gets a generated class: public, in public types only, in a package its
   * module exports to everyone (the generated class is in another loader's unnamed module).
   */
  static boolean generates(Class<?> api) {
    for (Class<?> type = api; type != null; type = type.getEnclosingClass()) {
      if (!Modifier.isPublic(type.getModifiers())) {
        return false;
      }
    }
    return api.isInterface() && api.getModule().isExported(api.getPackageName());
  }

  static String className(Class<?> api) {
    return "dev.reload.guice.generated." + api.getName().replace('.', '_') + "$$ReloadInjected";
  }

  /**
   * The class file of {@code className}: extends {@link PluginForwarder}, implements {@code api}.
   */
  static byte[] write(String className, Class<?> api) {
    String self = className.replace('.', '/');
    String apiName = Type.getInternalName(api);
    ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS) {
      @Override
      protected String getCommonSuperClass(String first, String second) {
        return OBJECT; // frames here only merge locals that are Object or unused
      }
    };
    writer.visit(
        Opcodes.V17,
        Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER,
        self,
        null,
        BASE,
        new String[] {apiName});
    constructor(writer);
    for (Method method : forwarded(api).values()) {
      forward(writer, apiName, method);
    }
    writer.visitEnd();
    return writer.toByteArray();
  }

  /**
   * The methods to forward, by name and descriptor (one per signature even if several
   * superinterfaces declare it; sorted, so the class is the same on every run).
   */
  private static Map<String, Method> forwarded(Class<?> api) {
    Map<String, Method> methods = new TreeMap<>();
    for (Method method : api.getMethods()) {
      if (!Modifier.isStatic(method.getModifiers()) && !isObjectMethod(method)) {
        methods.putIfAbsent(method.getName() + Type.getMethodDescriptor(method), method);
      }
    }
    return methods;
  }

  /**
   * An interface may redeclare {@code equals}, {@code hashCode} or {@code toString}: not forwarded.
   */
  private static boolean isObjectMethod(Method method) {
    try {
      Object.class.getMethod(method.getName(), method.getParameterTypes());
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  private static void constructor(ClassWriter writer) {
    MethodVisitor init = writer.visitMethod(Opcodes.ACC_PUBLIC, "<init>", CONSTRUCTOR, null, null);
    init.visitCode();
    for (int slot = 0; slot <= 3; slot++) {
      init.visitVarInsn(Opcodes.ALOAD, slot);
    }
    init.visitMethodInsn(Opcodes.INVOKESPECIAL, BASE, "<init>", CONSTRUCTOR, false);
    init.visitInsn(Opcodes.RETURN);
    init.visitMaxs(0, 0);
    init.visitEnd();
  }

  /** One method: the loop of {@link PluginForwarder}'s javadoc. */
  private static void forward(ClassWriter writer, String apiName, Method method) {
    String descriptor = Type.getMethodDescriptor(method);
    MethodVisitor code =
        writer.visitMethod(Opcodes.ACC_PUBLIC, method.getName(), descriptor, null, null);
    code.visitCode();
    int target = 1;
    for (Type argument : Type.getArgumentTypes(method)) {
      target += argument.getSize();
    }
    Label call = new Label();
    Label called = new Label();
    Label refused = new Label();
    code.visitTryCatchBlock(call, called, refused, REFUSED);
    // Object target = target();
    code.visitVarInsn(Opcodes.ALOAD, 0);
    code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, BASE, "target", "()L" + OBJECT + ";", false);
    code.visitVarInsn(Opcodes.ASTORE, target);
    // try { return ((Api) target).method(arguments); }
    code.visitLabel(call);
    code.visitVarInsn(Opcodes.ALOAD, target);
    code.visitTypeInsn(Opcodes.CHECKCAST, apiName);
    int slot = 1;
    for (Type argument : Type.getArgumentTypes(method)) {
      code.visitVarInsn(argument.getOpcode(Opcodes.ILOAD), slot);
      slot += argument.getSize();
    }
    code.visitMethodInsn(Opcodes.INVOKEINTERFACE, apiName, method.getName(), descriptor, true);
    code.visitLabel(called);
    code.visitInsn(Type.getReturnType(method).getOpcode(Opcodes.IRETURN));
    // catch (IllegalStateException e) { target = retry(target, e); } and call again
    code.visitLabel(refused);
    code.visitVarInsn(Opcodes.ASTORE, target + 1);
    code.visitVarInsn(Opcodes.ALOAD, 0);
    code.visitVarInsn(Opcodes.ALOAD, target);
    code.visitVarInsn(Opcodes.ALOAD, target + 1);
    code.visitMethodInsn(
        Opcodes.INVOKEVIRTUAL,
        BASE,
        "retry",
        "(L" + OBJECT + ";L" + REFUSED + ";)L" + OBJECT + ";",
        false);
    code.visitVarInsn(Opcodes.ASTORE, target);
    code.visitJumpInsn(Opcodes.GOTO, call);
    code.visitMaxs(0, 0);
    code.visitEnd();
  }

  /**
   * Defines one generated class: sees the interface's loader (its types and everything they
   * name) and, whatever that loader is, this package's {@link PluginForwarder}.
   */
  private static final class GeneratedLoader extends ClassLoader {
    private static final ClassLoader OWN = PluginForwarder.class.getClassLoader();
    private static final String OWN_PACKAGE = PluginForwarder.class.getPackageName() + ".";

    GeneratedLoader(ClassLoader apiLoader) {
      super(apiLoader != null ? apiLoader : OWN);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (name.startsWith(OWN_PACKAGE)) {
        return OWN.loadClass(name);
      }
      return super.loadClass(name, resolve);
    }

    Class<?> define(String name, byte[] bytes) {
      return defineClass(name, bytes, 0, bytes.length);
    }
  }
}
