package dev.reload.guice.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reload.Plugin;
import dev.reload.PluginRegistry;
import dev.reload.UnknownPluginException;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.IntBinaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The generated forwarders over plain Java implementations standing in for {@code bind()}'s: every
 * kind of argument and result, exceptions, and the retry rules, without native code. Public, so
 * that its nested interfaces are public and get generated classes.
 */
public class ForwarderClassesTest {

  /**
   * Every kind of JVM value, in and out; wide ({@code long}, {@code double}) slots before others.
   */
  public interface Kinds {
    double mix(long a, double b, int c, String d, byte[] e);

    float half(float value);

    boolean flags(boolean z, char c, short s, byte b);

    void nothing();

    String[] names(List<String> list);

    long echo(long value) throws IOException;

    default String twice(String text) {
      return text + text;
    }

    @Override
    String toString();
  }

  /** Two superinterfaces declaring the same method. */
  public interface Left {
    int shared();
  }

  /** See {@link Left}. */
  public interface Right {
    int shared();
  }

  /** Inherits {@code shared()} twice. */
  public interface Both extends Left, Right {}

  /** The interface the retry tests call. */
  public interface Adder {
    int add(int a, int b);
  }

  /** Not public: served through the proxy fallback. */
  interface Hidden {
    int add(int a, int b);
  }

  /** What bind() would return for {@link Kinds}. */
  static final class Implementation implements Kinds {
    int nothings;

    @Override
    public double mix(long a, double b, int c, String d, byte[] e) {
      return a + b + c + d.length() + e.length;
    }

    @Override
    public float half(float value) {
      return value / 2;
    }

    @Override
    public boolean flags(boolean z, char c, short s, byte b) {
      return z && c == 'x' && s == 7 && b == -1;
    }

    @Override
    public void nothing() {
      nothings++;
    }

    @Override
    public String[] names(List<String> list) {
      return list.toArray(String[]::new);
    }

    @Override
    public long echo(long value) throws IOException {
      if (value < 0) {
        throw new IOException("negative: " + value);
      }
      return value;
    }

    @Override
    public String twice(String text) {
      return "target's " + text; // the forwarder runs the target's default, not its own
    }
  }

  private final AtomicInteger binds = new AtomicInteger();

  @Test
  void everyKindOfArgumentAndResultPassesThrough() throws IOException {
    Implementation target = new Implementation();
    Kinds kinds = forwarder(Kinds.class, target);

    assertThat(kinds.mix(1L << 40, 0.5, 3, "four", new byte[5]))
        .isEqualTo((1L << 40) + 0.5 + 3 + 4 + 5);
    assertThat(kinds.half(3f)).isEqualTo(1.5f);
    assertThat(kinds.flags(true, 'x', (short) 7, (byte) -1)).isTrue();
    kinds.nothing();
    assertThat(target.nothings).isEqualTo(1);
    assertThat(kinds.names(List.of("a", "b"))).containsExactly("a", "b");
    assertThat(kinds.echo(1L << 40)).isEqualTo(1L << 40);
    assertThat(kinds.twice("call")).isEqualTo("target's call");
    assertThat(binds).hasValue(1); // bound on the first call, not again
  }

  @Test
  void theForwarderIsAGeneratedClassPerInterfaceNotAProxy() {
    PluginRegistry registry = registry(new AtomicReference<>(plugin(new Implementation())));
    Kinds one = ForwarderClasses.forwarder(Kinds.class, "kinds", () -> registry);
    Kinds another = ForwarderClasses.forwarder(Kinds.class, "kinds", () -> registry);

    assertThat(Proxy.isProxyClass(one.getClass())).isFalse();
    assertThat(one).isInstanceOf(PluginForwarder.class);
    assertThat(one.getClass()).isSameAs(another.getClass());
    assertThat(one.getClass().getName()).isEqualTo(ForwarderClasses.className(Kinds.class));
    assertThat(one.getClass().getClassLoader().getParent()).isSameAs(Kinds.class.getClassLoader());
  }

  @Test
  void equalsAndHashCodeAreIdentityAndToStringNamesInterfaceAndPlugin() {
    PluginRegistry registry = registry(new AtomicReference<>(plugin(new Implementation())));
    Kinds one = ForwarderClasses.forwarder(Kinds.class, "kinds", () -> registry);
    Kinds another = ForwarderClasses.forwarder(Kinds.class, "kinds", () -> registry);

    assertThat(one).isEqualTo(one).isNotEqualTo(another);
    assertThat(one.hashCode()).isEqualTo(System.identityHashCode(one));
    assertThat(one.toString()).isEqualTo("Kinds bound to plugin 'kinds'");
    assertThat(binds).hasValue(0); // none of them is a plugin call
  }

  @Test
  void checkedExceptionsOfTheTargetPassThroughUnwrapped() {
    Kinds kinds = forwarder(Kinds.class, new Implementation());

    assertThatThrownBy(() -> kinds.echo(-3))
        .isExactlyInstanceOf(IOException.class)
        .hasMessage("negative: -3");
  }

  @Test
  void aMethodInheritedFromTwoInterfacesIsForwardedOnce() {
    Both both = forwarder(Both.class, (Both) () -> 7);

    assertThat(both.shared()).isEqualTo(7);
    assertThat(((Left) both).shared()).isEqualTo(7);
  }

  @Test
  void anInterfaceOfTheBootLoaderIsForwardedToo() {
    IntBinaryOperator add = forwarder(IntBinaryOperator.class, (IntBinaryOperator) Integer::sum);

    assertThat(Proxy.isProxyClass(add.getClass())).isFalse();
    assertThat(add.applyAsInt(20, 22)).isEqualTo(42);
  }

  @Test
  void aRefusalOfAReplacedPluginIsRetriedOncePerReplacement() {
    AtomicReference<Plugin> holder = new AtomicReference<>();
    Plugin third = plugin((Adder) (a, b) -> a + b);
    Plugin second = plugin(refusing(holder, third));
    holder.set(plugin(refusing(holder, second)));
    PluginRegistry registry = registry(holder);
    Adder adder = ForwarderClasses.forwarder(Adder.class, "adder", () -> registry);

    assertThat(adder.add(20, 22)).isEqualTo(42);
    assertThat(binds).hasValue(3);
    assertThat(adder.add(1, 2)).isEqualTo(3);
    assertThat(binds).hasValue(3); // stays on the third
  }

  @Test
  void aRefusalAfterAnotherCallBoundTheReplacementIsRetriedThereWithoutBindingAgain() {
    AtomicReference<Plugin> holder = new AtomicReference<>();
    AtomicReference<Adder> forwarder = new AtomicReference<>();
    AtomicBoolean inside = new AtomicBoolean();
    Plugin replacement = plugin((Adder) (a, b) -> a * b);
    holder.set(plugin((Adder) (a, b) -> {
      holder.set(replacement);
      if (!inside.getAndSet(true)) {
        // another call, as from another thread, is refused here too and binds the replacement
        assertThat(forwarder.get().add(6, 7)).isEqualTo(42);
      }
      throw new IllegalStateException("plugin 'adder' was removed");
    }));
    PluginRegistry registry = registry(holder);
    forwarder.set(ForwarderClasses.forwarder(Adder.class, "adder", () -> registry));

    assertThat(forwarder.get().add(2, 3)).isEqualTo(6);
    assertThat(binds).hasValue(2); // the removed plugin, then its replacement once
  }

  @Test
  void aRefusalOfAPluginStillRegisteredIsRethrownAsItIs() {
    IllegalStateException refusal = new IllegalStateException("registry closed");
    PluginRegistry registry = registry(new AtomicReference<>(plugin((Adder) (a, b) -> {
      throw refusal;
    })));
    Adder adder = ForwarderClasses.forwarder(Adder.class, "adder", () -> registry);

    assertThatThrownBy(() -> adder.add(1, 2)).isSameAs(refusal);
    assertThat(binds).hasValue(1);
  }

  @Test
  void aRemovedPluginFailsEveryCallNamingItUntilOneOfItsNameIsAdded() {
    AtomicReference<Plugin> holder = new AtomicReference<>();
    holder.set(plugin(refusing(holder, null)));
    PluginRegistry registry = registry(holder);
    Adder adder = ForwarderClasses.forwarder(Adder.class, "adder", () -> registry);

    for (int call = 0; call < 2; call++) {
      assertThatThrownBy(() -> adder.add(1, 2))
          .isInstanceOf(UnknownPluginException.class)
          .hasMessageContaining("no plugin named 'adder'");
    }
    assertThat(binds).hasValue(1); // the removed plugin is not bound again

    holder.set(plugin((Adder) (a, b) -> a * b));
    assertThat(adder.add(6, 7)).isEqualTo(42);
  }

  @Test
  void aRegistryRunningInsteadOfAClosedOneIsBoundWhenTheClosedOneRefuses() {
    AtomicBoolean closed = new AtomicBoolean();
    AtomicReference<PluginRegistry> running = new AtomicReference<>(closable(closed));
    Adder adder = ForwarderClasses.forwarder(Adder.class, "adder", running::get);
    assertThat(adder.add(2, 3)).isEqualTo(5);

    closed.set(true);
    running.set(registry(new AtomicReference<>(plugin((Adder) (a, b) -> a * b))));

    assertThat(adder.add(2, 3)).isEqualTo(6);
    assertThat(binds).hasValue(2);
  }

  @Test
  void aCallRefusedByAClosedRegistryWithNoneRunningFailsAsTheSupplierDoes() {
    AtomicBoolean closed = new AtomicBoolean();
    AtomicReference<PluginRegistry> running = new AtomicReference<>(closable(closed));
    Adder adder = ForwarderClasses.forwarder(
        Adder.class,
        "adder",
        () -> Optional.ofNullable(running.get())
            .orElseThrow(() -> new IllegalStateException("no registry is running")));
    assertThat(adder.add(2, 3)).isEqualTo(5);

    closed.set(true);
    running.set(null);

    assertThatThrownBy(() -> adder.add(2, 3))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("no registry is running");
  }

  /** A registry whose adder adds until {@code closed} is set, then refuses as closed plugins do. */
  private PluginRegistry closable(AtomicBoolean closed) {
    return registry(new AtomicReference<>(plugin((Adder) (a, b) -> {
      if (closed.get()) {
        throw new IllegalStateException("plugin 'adder' is closed");
      }
      return a + b;
    })));
  }

  @Test
  void aNonPublicInterfaceIsServedByAProxyWithTheSameRules() {
    AtomicReference<Plugin> holder = new AtomicReference<>();
    Plugin next = plugin((Hidden) (a, b) -> a - b);
    holder.set(plugin((Hidden) (a, b) -> {
      holder.set(next);
      throw new IllegalStateException("plugin 'hidden' was removed");
    }));
    PluginRegistry registry = registry(holder);
    Hidden hidden = ForwarderClasses.forwarder(Hidden.class, "hidden", () -> registry);

    assertThat(ForwarderClasses.generates(Hidden.class)).isFalse();
    assertThat(Proxy.isProxyClass(hidden.getClass())).isTrue();
    assertThat(hidden.add(5, 3)).isEqualTo(2);
    assertThat(hidden.toString()).isEqualTo("Hidden bound to plugin 'hidden'");
    assertThat(hidden)
        .isEqualTo(hidden)
        .isNotEqualTo(ForwarderClasses.forwarder(Hidden.class, "hidden", () -> registry));
    assertThat(hidden.hashCode()).isEqualTo(System.identityHashCode(hidden));
  }

  /** A forwarder of {@code api} to {@code target}, in a registry that never changes. */
  private <T> T forwarder(Class<T> api, T target) {
    PluginRegistry registry = registry(new AtomicReference<>(plugin(target)));
    return ForwarderClasses.forwarder(api, api.getSimpleName(), () -> registry);
  }

  /**
   * An adder that refuses as a removed plugin does: the registry's plugin of the name becomes
   * {@code replacement} (none if null), then the call is refused before doing anything.
   */
  private static Adder refusing(AtomicReference<Plugin> holder, Plugin replacement) {
    return (a, b) -> {
      holder.set(replacement);
      throw new IllegalStateException("plugin 'adder' was removed");
    };
  }

  /** A registry whose plugin of any name is whatever {@code holder} holds at the moment. */
  private static PluginRegistry registry(AtomicReference<Plugin> holder) {
    return fake(PluginRegistry.class, (method, args) -> switch (method.getName()) {
      case "find" -> Optional.ofNullable(holder.get());
      case "plugin" ->
        Optional.ofNullable(holder.get())
            .orElseThrow(() -> new UnknownPluginException((String) args[0], List.of()));
      default -> throw new UnsupportedOperationException(method.getName());
    });
  }

  /** A plugin whose {@code bind} returns {@code target} and is counted. */
  private Plugin plugin(Object target) {
    return fake(Plugin.class, (method, args) -> {
      if (!method.getName().equals("bind")) {
        throw new UnsupportedOperationException(method.getName());
      }
      binds.incrementAndGet();
      return target;
    });
  }

  /** {@code type} answering with {@code answers}, its {@code Object} methods by identity. */
  private static <T> T fake(Class<T> type, BiFunction<Method, Object[], Object> answers) {
    return type.cast(Proxy.newProxyInstance(
        type.getClassLoader(),
        new Class<?>[] {type},
        (proxy, method, args) -> switch (method.getName()) {
          case "equals" -> proxy == args[0];
          case "hashCode" -> System.identityHashCode(proxy);
          case "toString" -> "fake " + type.getSimpleName();
          default -> answers.apply(method, args);
        }));
  }
}
