package dev.reload.example;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Serves the admin page: its HTML at {@code /}, its script, style sheet and icon next to it, all
 * read once from the jar ({@code dev/reload/example/admin/}); any other path not taken by another
 * endpoint is a 404. The page reads {@code /plugins} and {@code /reloads} and calls the admin
 * endpoints itself, so nothing here needs the admin token.
 *
 * <p>Every answer forbids what the page does not need: a {@code Content-Security-Policy} that
 * allows only this server's own script, style, icon and {@code fetch} (no inline script or style,
 * no frames, no form posts, no other origin), {@code nosniff}, no referrer. Files are
 * revalidated on each load ({@code Cache-Control: no-cache}) against their SHA-256 {@code ETag},
 * so an upgraded server never runs a cached script.
 *
 * <p>Immutable and thread-safe.
 */
final class AdminPage implements HttpHandler {

  static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self';"
      + " style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none';"
      + " form-action 'none'; frame-ancestors 'none'";
  private static final String RESOURCES = "/dev/reload/example/admin/";

  /** A file of the page: its bytes, content type and entity tag. */
  private record File(byte[] bytes, String contentType, String etag) {}

  private final Map<String, File> files;

  private AdminPage(Map<String, File> files) {
    this.files = files;
  }

  /**
   * The page's files, read from the class path.
   *
   * @throws UncheckedIOException naming a file the jar lacks
   */
  static AdminPage fromClassPath() {
    return new AdminPage(Map.of(
        "/", file("index.html", "text/html; charset=utf-8"),
        "/admin.js", file("admin.js", "text/javascript; charset=utf-8"),
        "/admin.css", file("admin.css", "text/css; charset=utf-8"),
        "/favicon.svg", file("favicon.svg", "image/svg+xml")));
  }

  private static File file(String name, String contentType) {
    try (InputStream in = AdminPage.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new UncheckedIOException(new IOException("the admin page's " + RESOURCES + name
            + " is not on the class path; rebuild example-server"));
      }
      byte[] bytes = in.readAllBytes();
      return new File(bytes, contentType, "\"" + HexFormat.of().formatHex(sha256(bytes)) + "\"");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the admin page's " + RESOURCES + name, e);
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  @Override
  public void handle(HttpExchange exchange) {
    File file = files.get(exchange.getRequestURI().getPath());
    if (file == null) {
      Exchanges.answer(exchange, exchange.getRequestMethod(), Exchanges::notFound);
    } else {
      Exchanges.answer(exchange, "GET", e -> send(e, file));
    }
  }

  private static void send(HttpExchange exchange, File file) throws IOException {
    Headers headers = exchange.getResponseHeaders();
    headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("Referrer-Policy", "no-referrer");
    headers.set("Cache-Control", "no-cache");
    headers.set("ETag", file.etag());
    if (file.etag().equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
      exchange.sendResponseHeaders(304, -1);
      return;
    }
    headers.set("Content-Type", file.contentType());
    exchange.sendResponseHeaders(200, file.bytes().length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(file.bytes());
    }
  }
}
