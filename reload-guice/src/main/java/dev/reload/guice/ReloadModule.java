package dev.reload.guice;

import com.google.inject.AbstractModule;
import com.google.inject.Binder;
import com.google.inject.Scopes;
import com.google.inject.binder.LinkedBindingBuilder;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import com.typesafe.config.Config;
import dev.reload.PluginRegistry;
import dev.reload.ReloadListener;
import dev.reload.spi.StateSnapshot;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Binds Reload into a Guice application. It only binds: nothing is read, loaded or started until
 * {@link ReloadService} starts.
 *
 * <ul>
 *   <li>{@link PluginRegistry}: the application's plugins, configured by the {@code reload}
 *       section of the bound {@link Config} (or of {@code ConfigFactory.load()} when none is
 *       bound); usable while {@link ReloadService} runs.
 *   <li>{@link ReloadService}: a Guava {@code Service} to start and stop.
 *   <li>{@link MeterRegistry}: optional; when the application binds one, the reload meters go
 *       there.
 *   <li>{@link StateSnapshot}s by plugin name, added with {@link #bindStateSnapshot}; listeners
 *       with {@link #bindListener}; typed plugin interfaces with {@link #bindPlugin}.
 * </ul>
 *
 * <pre>{@code
 * install(new ReloadModule());
 * ReloadModule.bindStateSnapshot(binder(), "counter").to(CounterSnapshot.class);
 * ReloadModule.bindPlugin(binder(), Greeter.class, "greeter");
 * }</pre>
 *
 * <p>Install it once; the static helpers may be called from any module. Stateless, hence
 * thread-safe; Guice configures it on the thread that creates the injector.
 */
public final class ReloadModule extends AbstractModule {

  /** A module to install once per injector. */
  public ReloadModule() {}

  @Override
  protected void configure() {
    OptionalBinder.newOptionalBinder(binder(), Config.class);
    OptionalBinder.newOptionalBinder(binder(), MeterRegistry.class);
    snapshots(binder());
    listeners(binder());
    bind(ReloadService.class).in(Scopes.SINGLETON);
    bind(PluginRegistry.class).to(RunningRegistry.class).in(Scopes.SINGLETON);
  }

  /**
   * Makes {@code plugin} stateful, its state moved across reloads by what this binds to.
   *
   * @param binder the binder of the calling module
   * @param plugin the plugin's name
   * @return the binding to complete with the {@link StateSnapshot}
   */
  public static LinkedBindingBuilder<StateSnapshot> bindStateSnapshot(
      Binder binder, String plugin) {
    return snapshots(binder).addBinding(plugin);
  }

  /**
   * Adds a listener of every plugin's reload events.
   *
   * @param binder the binder of the calling module
   * @return the binding to complete with the {@link ReloadListener}
   */
  public static LinkedBindingBuilder<ReloadListener> bindListener(Binder binder) {
    return listeners(binder).addBinding();
  }

  /**
   * Binds {@code api} so that each call of an injected instance runs on the current version of
   * {@code plugin}, inside a lease taken and released around the call. Method names are the
   * exported symbols (or {@link dev.reload.Symbol}).
   *
   * <p>The name is looked up at each call, not once: while no plugin of that name is in the
   * registry (never added, or {@linkplain PluginRegistry#remove removed}), each call throws {@link
   * dev.reload.UnknownPluginException} naming it; once a plugin of that name is {@linkplain
   * PluginRegistry#add added} (again), calls run on it. A call that succeeds costs nothing more for
   * this: the new plugin is looked up only when the old one refuses the call.
   *
   * <p>The injected object is an instance of a class generated once per interface that calls
   * what {@code plugin.bind(api)} returned directly, with no reflection per call; default methods
   * run on that implementation too. An interface that a generated class cannot implement (not
   * public, nested in a non-public type, or in a package its module does not export) is served
   * the same way by a JDK proxy with {@code Method.invoke} per call, as {@code bind()} serves it:
   * make it public for the fast path. A sealed interface cannot be bound.
   *
   * @param <T> the interface type
   * @param binder the binder of the calling module
   * @param api the interface whose methods name the plugin's exported functions
   * @param plugin the plugin's name
   * @throws IllegalArgumentException if {@code api} is not an interface, or is sealed
   */
  public static <T> void bindPlugin(Binder binder, Class<T> api, String plugin) {
    binder.bind(api).toProvider(new PluginInterfaceProvider<>(api, plugin)).in(Scopes.SINGLETON);
  }

  private static MapBinder<String, StateSnapshot> snapshots(Binder binder) {
    return MapBinder.newMapBinder(binder, String.class, StateSnapshot.class);
  }

  private static Multibinder<ReloadListener> listeners(Binder binder) {
    return Multibinder.newSetBinder(binder, ReloadListener.class);
  }

  // One module instance per injector is enough; two installs are one.
  @Override
  public boolean equals(Object other) {
    return other instanceof ReloadModule;
  }

  @Override
  public int hashCode() {
    return ReloadModule.class.hashCode();
  }
}
