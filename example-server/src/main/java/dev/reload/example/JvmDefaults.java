package dev.reload.example;

import java.util.Map;

/**
 * The JVM-wide settings the example server ships with. They are system properties that the JDK's
 * HTTP server and Guice each read once, in a static initializer, so {@link ExampleServer#main}
 * writes them before either library runs; a value given on the command line ({@code -Dname=value})
 * is kept.
 *
 * <p>Call {@link #apply()} from {@code main} before any other thread starts. Stateless.
 */
final class JvmDefaults {

  /**
   * {@code TCP_NODELAY} on every accepted connection. The JDK server writes a response as two
   * segments (headers, then body). Without this setting, Nagle's algorithm holds the second
   * segment until the client ACKs the first, and a keep-alive client delays that ACK by up to
   * 40 ms. Measured under {@code wrk -t1 -c8}: 181 requests/s without it, 53,000 with it.
   * {@code sun.net.httpserver.ServerConfig} reads this property with {@code Boolean.getBoolean},
   * on JDK 17 and 25 alike.
   */
  static final String NO_DELAY = "sun.net.httpserver.nodelay";

  /**
   * Guice defines the classes it generates in child class loaders. By default it defines them
   * through {@code sun.misc.Unsafe} ({@code HiddenClassDefiner}), which JDK 24+ reports with
   * {@code WARNING:} lines on stderr. This is one of the documented values of the option (Guice
   * wiki, "ClassLoading"), read once by {@code InternalFlags}. The cost: Guice generates fast
   * invokers only for public types. For others it falls back to reflection, which the server
   * calls only while it starts, and it cannot intercept their methods, which the server never
   * asks for.
   */
  static final String GUICE_CLASS_LOADING = "guice_custom_class_loading";

  private static final Map<String, String> DEFAULTS =
      Map.of(NO_DELAY, "true", GUICE_CLASS_LOADING, "CHILD");

  private JvmDefaults() {}

  /** Sets each default that the command line did not set. */
  static void apply() {
    DEFAULTS.forEach(System.getProperties()::putIfAbsent);
  }
}
