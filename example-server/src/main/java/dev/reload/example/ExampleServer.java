package dev.reload.example;

import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Stage;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.reload.guice.ReloadService;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the example server: the plugin registry first, then HTTP; stops them in reverse on
 * SIGTERM or SIGINT, and exits with 0 once stopped. Configured by {@code application.conf}; system
 * properties override it ({@code -Dexample.http.port=9090}). {@link #main} first applies the {@link
 * JvmDefaults}.
 *
 * <p>Thread-safe: {@link #stop()} may be called from any thread, any number of times.
 */
public final class ExampleServer {

  private static final Logger log = LoggerFactory.getLogger(ExampleServer.class);

  private final ReloadService reload;
  private final HttpService http;
  private final AdminToken token;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);

  private ExampleServer(Injector injector) {
    this.reload = injector.getInstance(ReloadService.class);
    this.http = injector.getInstance(HttpService.class);
    this.token = injector.getInstance(AdminToken.class);
  }

  public static void main(String[] args) throws InterruptedException {
    JvmDefaults.apply(); // before the JDK's HTTP server and Guice read their settings
    ExampleServer server;
    try {
      server = start(ConfigFactory.load());
    } catch (RuntimeException e) {
      System.err.println("example server cannot start: " + rootMessage(e));
      System.exit(1);
      return;
    }
    if (server.token.generated()) {
      // Printed once, on the console only: logs are often shipped elsewhere.
      System.out.println("admin token (generated; set example.admin.token to choose one): "
          + server.token.value());
    }
    Runtime.getRuntime()
        .addShutdownHook(new Thread(
            () -> {
              server.stop();
              // After SIGTERM the JVM would exit with 143; a server that stopped cleanly says 0,
              // which is what supervisors (systemd, Kubernetes) read as a clean stop.
              Runtime.getRuntime().halt(0);
            },
            "example-server-shutdown"));
    server.stopped.await();
  }

  /**
   * Starts a server on {@code config}.
   *
   * @throws RuntimeException whose root cause says what is wrong (settings, a plugin)
   */
  static ExampleServer start(Config config) {
    ExampleServer server =
        new ExampleServer(Guice.createInjector(Stage.PRODUCTION, new ServerModule(config)));
    server.reload.startAsync().awaitRunning();
    try {
      server.http.startAsync().awaitRunning();
    } catch (RuntimeException e) {
      server.reload.stopAsync().awaitTerminated();
      throw e;
    }
    return server;
  }

  /** Where the server listens. */
  InetSocketAddress address() {
    return http.address();
  }

  /** Stops HTTP, then the plugin registry (which drains and removes its shadow copies). */
  void stop() {
    if (!stopping.compareAndSet(false, true)) {
      awaitStopped(); // another thread is stopping: return once it is done
      return;
    }
    log.info("stopping");
    try {
      http.stopAsync().awaitTerminated();
    } catch (IllegalStateException e) {
      log.warn("HTTP server failed while stopping", e);
    }
    try {
      reload.stopAsync().awaitTerminated();
    } catch (IllegalStateException e) {
      log.warn("plugin registry failed while stopping", e);
    }
    log.info("stopped");
    stopped.countDown();
  }

  private void awaitStopped() {
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    if (e instanceof CreationException creation && !creation.getErrorMessages().isEmpty()) {
      Throwable inner = creation.getErrorMessages().iterator().next().getCause();
      if (inner != null) {
        return rootMessage(inner);
      }
    }
    return cause.getMessage() == null ? cause.toString() : cause.getMessage();
  }
}
