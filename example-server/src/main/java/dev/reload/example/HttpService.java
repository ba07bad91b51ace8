package dev.reload.example;

import com.google.common.util.concurrent.AbstractIdleService;
import com.sun.net.httpserver.HttpServer;
import dev.reload.PluginRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoints, on the JDK's built-in server. Thread-safe, as every Guava {@code Service};
 * requests are served by a fixed pool of threads.
 */
final class HttpService extends AbstractIdleService {

  private static final Logger log = LoggerFactory.getLogger(HttpService.class);
  private static final int THREADS = 8;

  private final ServerSettings settings;
  private final PluginRegistry registry;
  private final Greeter greeter;
  private final Counter counter;
  private final PrometheusMeterRegistry prometheus;
  private final AdminToken token;
  private final AddRequests addRequests;
  private final RecentReloads recentReloads;
  /** Set by startUp, read by shutDown and address(); both run after startUp. */
  private volatile HttpServer server;
  /** The request threads: set by startUp, shut down by shutDown. */
  private volatile ExecutorService executor;

  @Inject
  HttpService(
      ServerSettings settings,
      PluginRegistry registry,
      Greeter greeter,
      Counter counter,
      PrometheusMeterRegistry prometheus,
      AdminToken token,
      AddRequests addRequests,
      RecentReloads recentReloads) {
    this.settings = settings;
    this.registry = registry;
    this.greeter = greeter;
    this.counter = counter;
    this.prometheus = prometheus;
    this.token = token;
    this.addRequests = addRequests;
    this.recentReloads = recentReloads;
  }

  @Override
  protected void startUp() throws IOException {
    HttpServer http =
        HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 64);
    // While their plugin is removed, these answer 503 naming it; once it is added back, they serve.
    http.createContext(
        "/greet",
        Exchanges.endpoint(
            "/greet", "GET", Exchanges.needsPlugin("greeter", new GreetHandler(greeter))));
    http.createContext(
        "/count",
        Exchanges.endpoint(
            "/count",
            "GET",
            Exchanges.needsPlugin(
                "counter",
                exchange ->
                    Exchanges.send(exchange, 200, Exchanges.TEXT, counter.counter_next() + "\n"))));
    http.createContext("/plugins", new PluginsHandler(registry, token, addRequests));
    http.createContext(
        "/reloads",
        Exchanges.endpoint(
            "/reloads",
            "GET",
            exchange -> Exchanges.send(exchange, 200, Exchanges.JSON, recentReloads.json())));
    http.createContext(
        "/metrics",
        Exchanges.endpoint(
            "/metrics",
            "GET",
            exchange -> Exchanges.send(
                exchange, 200, "text/plain; version=0.0.4; charset=utf-8", prometheus.scrape())));
    http.createContext("/health", Exchanges.endpoint("/health", "GET", exchange -> {
      registry.plugins(); // throws while the registry is not running: a 500, not "ok"
      Exchanges.send(exchange, 200, Exchanges.TEXT, "ok\n");
    }));
    // The admin page at /, and 404 for any path no other context takes.
    http.createContext("/", AdminPage.fromClassPath());
    AtomicInteger threads = new AtomicInteger();
    executor = Executors.newFixedThreadPool(THREADS, runnable -> {
      Thread thread = new Thread(runnable, "http-" + threads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    http.setExecutor(executor);
    http.start();
    server = http;
    log.info(
        "listening on http://{}:{} (TCP_NODELAY {})",
        http.getAddress().getHostString(),
        http.getAddress().getPort(),
        Boolean.getBoolean(JvmDefaults.NO_DELAY) ? "on" : "off");
  }

  @Override
  protected void shutDown() throws InterruptedException {
    server.stop(1);
    executor.shutdown();
    if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
      executor.shutdownNow();
    }
  }

  /** The address the server listens on. */
  InetSocketAddress address() {
    return server.getAddress();
  }

  @Override
  protected String serviceName() {
    return "HttpService";
  }
}
