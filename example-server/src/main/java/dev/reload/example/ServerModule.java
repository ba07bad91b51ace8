package dev.reload.example;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.typesafe.config.Config;
import dev.reload.guice.ReloadModule;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** Wires the example server. Binds only: nothing starts here. */
final class ServerModule extends AbstractModule {

  private final Config config;

  ServerModule(Config config) {
    this.config = config;
  }

  @Override
  protected void configure() {
    bind(Config.class).toInstance(config);
    install(new ReloadModule());
    ReloadModule.bindStateSnapshot(binder(), "counter").to(CounterSnapshot.class);
    ReloadModule.bindPlugin(binder(), Greeter.class, "greeter");
    ReloadModule.bindPlugin(binder(), Counter.class, "counter");
    bind(RecentReloads.class).in(Singleton.class);
    ReloadModule.bindListener(binder()).to(RecentReloads.class);
    bind(MeterRegistry.class).to(PrometheusMeterRegistry.class);
    bind(HttpService.class).in(Singleton.class);
  }

  @Provides
  @Singleton
  PrometheusMeterRegistry prometheus() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  @Provides
  @Singleton
  ServerSettings settings() {
    return ServerSettings.fromConfig(config);
  }

  @Provides
  @Singleton
  AdminToken adminToken(ServerSettings settings) {
    return AdminToken.of(settings);
  }
}
