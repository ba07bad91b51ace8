package dev.reload.example;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.reload.UnknownPluginException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Helpers to answer HTTP exchanges. Stateless and thread-safe. */
final class Exchanges {

  private static final Logger log = LoggerFactory.getLogger(Exchanges.class);

  static final String TEXT = "text/plain; charset=utf-8";
  static final String JSON = "application/json";

  private Exchanges() {}

  /** What a handler does with one exchange; may throw to answer 500. */
  interface Handler {
    void handle(HttpExchange exchange) throws IOException;
  }

  /**
   * An endpoint answering exactly {@code path} (404 otherwise) and {@code method} (405
   * otherwise), turning an unexpected exception into a 500 that names it, logged, never a dropped
   * connection.
   */
  static HttpHandler endpoint(String path, String method, Handler handler) {
    return exchange -> {
      if (!exchange.getRequestURI().getPath().equals(path)) {
        answer(exchange, exchange.getRequestMethod(), Exchanges::notFound);
      } else {
        answer(exchange, method, handler);
      }
    };
  }

  /** Answers one exchange with {@code handler} if it uses {@code method}; closes it. */
  static void answer(HttpExchange exchange, String method, Handler handler) {
    answer(exchange, Map.of(method, handler));
  }

  /**
   * Answers one exchange with the handler of its method (405 naming the allowed methods if there
   * is none); closes it.
   */
  static void answer(HttpExchange exchange, Map<String, Handler> byMethod) {
    try (exchange) {
      Handler handler = byMethod.get(exchange.getRequestMethod());
      if (handler == null) {
        String allowed = String.join(", ", new TreeSet<>(byMethod.keySet()));
        exchange.getResponseHeaders().set("Allow", allowed);
        send(
            exchange,
            405,
            TEXT,
            "method " + exchange.getRequestMethod() + " not allowed; use " + allowed + "\n");
        return;
      }
      handler.handle(exchange);
    } catch (RuntimeException | IOException e) {
      log.warn("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
      sendQuietly(exchange, 500, "internal error: " + e + "\n");
    }
  }

  /**
   * Runs {@code handler}, which calls the plugin {@code plugin}; while the registry has no plugin
   * of that name (removed, not added back yet), answers 503 naming it instead.
   */
  static Handler needsPlugin(String plugin, Handler handler) {
    return exchange -> {
      try {
        handler.handle(exchange);
      } catch (UnknownPluginException e) {
        send(
            exchange,
            503,
            TEXT,
            "plugin '" + plugin + "' is not loaded (" + e.getMessage()
                + "); add it with POST /plugins/" + plugin + "\n");
      }
    };
  }

  /**
   * The request body, decoded as UTF-8.
   *
   * @throws IllegalArgumentException if it is over {@code maxBytes} or not UTF-8
   */
  static String body(HttpExchange exchange, int maxBytes) throws IOException {
    byte[] bytes = exchange.getRequestBody().readNBytes(maxBytes + 1);
    if (bytes.length > maxBytes) {
      throw new IllegalArgumentException("the request body is over " + maxBytes + " bytes");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("the request body is not UTF-8");
    }
  }

  /** Answers 204 with no body. */
  static void noContent(HttpExchange exchange) throws IOException {
    exchange.sendResponseHeaders(204, -1);
  }

  static void notFound(HttpExchange exchange) throws IOException {
    send(exchange, 404, TEXT, "no such resource: " + exchange.getRequestURI().getPath() + "\n");
  }

  static void send(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void sendQuietly(HttpExchange exchange, int status, String body) {
    try {
      send(exchange, status, TEXT, body);
    } catch (IOException | RuntimeException e) {
      log.debug("could not send the error response: {}", e.toString());
    }
  }

  /** The decoded query parameters; the first of repeated names wins. */
  static Map<String, String> query(HttpExchange exchange) {
    Map<String, String> parameters = new LinkedHashMap<>();
    String raw = exchange.getRequestURI().getRawQuery();
    if (raw == null || raw.isEmpty()) {
      return parameters;
    }
    for (String pair : raw.split("&")) {
      int equals = pair.indexOf('=');
      String name = decode(equals < 0 ? pair : pair.substring(0, equals));
      String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
      parameters.putIfAbsent(name, value);
    }
    return parameters;
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }
}
