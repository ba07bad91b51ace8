package dev.reload.core;

import dev.reload.PluginRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;

/**
 * The {@link PluginRegistry} that {@link RegistryBuilder#build()} returns: the API's registry, plus
 * the meters only the engine can give.
 *
 * <pre>{@code
 * ReloadRegistry registry = RegistryBuilder.of(settings).build();
 * registry.metrics(Tags.of("app", "checkout")).bindTo(meterRegistry);
 * }</pre>
 *
 * <p>Code that only calls plugins should hold a {@link PluginRegistry}; this type is for the code
 * that builds and measures the registry. (With Guice, bind a {@code MeterRegistry} and
 * {@code ReloadModule} measures the registry it starts.)
 *
 * <p>This interface is thread-safe: every method may be called from any thread.
 */
public interface ReloadRegistry extends PluginRegistry {

  /**
   * This registry's meters, each tagged with {@code tags} as well; see {@link ReloadMetrics} for
   * the list. Bind the result to as many meter registries as needed; every call returns a new
   * binder.
   *
   * @param tags added to every meter
   * @return a new binder of this registry's meters
   */
  ReloadMetrics metrics(Iterable<Tag> tags);

  /** {@return this registry's meters, with no extra tags} */
  default ReloadMetrics metrics() {
    return metrics(Tags.empty());
  }
}
