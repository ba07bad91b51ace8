package dev.reload.example;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** {@code GET /greet?name=X}: the greeting of the greeter plugin's current version. */
final class GreetHandler implements Exchanges.Handler {

  /** Longest accepted name, in UTF-8 bytes. */
  static final int MAX_NAME_BYTES = 256;

  private static final int CAPACITY = 1024;

  private final Greeter greeter;

  GreetHandler(Greeter greeter) {
    this.greeter = greeter;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    String name = Exchanges.query(exchange).get("name");
    if (name == null || name.isEmpty()) {
      Exchanges.send(exchange, 400, Exchanges.TEXT, "missing query parameter 'name'\n");
      return;
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES || name.indexOf('\0') >= 0) {
      Exchanges.send(
          exchange,
          400,
          Exchanges.TEXT,
          "name must be at most " + MAX_NAME_BYTES + " bytes of UTF-8 without NUL\n");
      return;
    }
    byte[] out = new byte[CAPACITY];
    int length = greeter.greet(name, out, out.length);
    if (length < 0) {
      Exchanges.send(exchange, 500, Exchanges.TEXT, "the greeter plugin refused the name\n");
      return;
    }
    int written = Math.min(length, CAPACITY - 1);
    Exchanges.send(
        exchange, 200, Exchanges.TEXT, new String(out, 0, written, StandardCharsets.UTF_8) + "\n");
  }
}
