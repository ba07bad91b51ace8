package dev.reload.testing;

import java.lang.invoke.MethodHandles;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Stops a thread inside {@code Plugin.bind()}, while it holds the plugin's reload lock, until the
 * test lets it go. Each instance defines a fresh public interface extending {@link CounterApi},
 * with a default method and a static initializer that waits here. The JVM runs that initializer
 * when the first class implementing the interface is initialized (an interface with a default
 * method is initialized with its implementations); {@code bind()} does that when it registers the
 * interface to the current version, holding the lock. A fresh interface per instance, so each test
 * gets its own first bind.
 *
 * <p>Thread-safe.
 */
public final class HeldBind {

  private static final AtomicInteger APIS = new AtomicInteger();
  /** Holds by the name of their interface, for the interfaces' static initializers. */
  private static final Map<String, HeldBind> HOLDS = new ConcurrentHashMap<>();

  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);
  private final Class<? extends CounterApi> api;

  /** Defines a new interface whose first bind() stops until {@link #release()}. */
  public HeldBind() {
    String name = HeldBind.class.getPackageName() + ".HeldApi" + APIS.incrementAndGet();
    HOLDS.put(name, this);
    try {
      this.api = MethodHandles.lookup().defineClass(interfaceBytes(name))
          .asSubclass(CounterApi.class);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The interface to bind: a {@link CounterApi}. */
  public Class<? extends CounterApi> api() {
    return api;
  }

  /** Waits until a bind() of {@link #api()} is stopped inside the lock; false after 5 s. */
  public boolean awaitEntered() throws InterruptedException {
    return entered.await(5, TimeUnit.SECONDS);
  }

  /** Lets the stopped bind() go on. */
  public void release() {
    released.countDown();
  }

  /** Called by the static initializer of the interface named {@code api}. */
  public static void enter(String api) throws InterruptedException {
    HeldBind hold = HOLDS.remove(api);
    hold.entered.countDown();
    if (!hold.released.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException(api + " was never released");
    }
  }

  private static byte[] interfaceBytes(String name) {
    String self = name.replace('.', '/');
    ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
    writer.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_ABSTRACT | Opcodes.ACC_INTERFACE,
        self, null, "java/lang/Object", new String[] {Type.getInternalName(CounterApi.class)});
    // default int held() { return 1; }: makes implementations initialize the interface.
    MethodVisitor held = writer.visitMethod(Opcodes.ACC_PUBLIC, "held", "()I", null, null);
    held.visitCode();
    held.visitInsn(Opcodes.ICONST_1);
    held.visitInsn(Opcodes.IRETURN);
    held.visitMaxs(0, 0);
    held.visitEnd();
    // static { HeldBind.enter("<name>"); }
    MethodVisitor init = writer.visitMethod(Opcodes.ACC_STATIC, "<clinit>", "()V", null, null);
    init.visitCode();
    init.visitLdcInsn(name);
    init.visitMethodInsn(Opcodes.INVOKESTATIC, Type.getInternalName(HeldBind.class), "enter",
        "(Ljava/lang/String;)V", false);
    init.visitInsn(Opcodes.RETURN);
    init.visitMaxs(0, 0);
    init.visitEnd();
    writer.visitEnd();
    return writer.toByteArray();
  }
}
