package dev.reload.example;

import com.sun.net.httpserver.HttpExchange;
import dev.reload.Plugin;
import dev.reload.PluginException;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.PluginVersion;
import dev.reload.ReloadOutcome;
import dev.reload.UnknownPluginException;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugin admin endpoints. {@code GET /plugins} lists the plugins as JSON, {@code
 * residentVersions} counting the unloaded versions the OS still keeps mapped ({@link
 * Plugin#residentVersions()}). With the bearer token (401 without):
 *
 * <ul>
 *   <li>{@code POST /plugins/{name}/reload} and {@code POST /plugins/{name}/rollback} run one and
 *       answer its outcome;
 *   <li>{@code POST /plugins/{name}} with {@code {"library": "<file name>"}} adds a plugin from a
 *       library in {@code example.plugin-dir} ({@link AddRequests}): 201 with its JSON, 409 if the
 *       name is taken, 400 for a bad body or file name, 422 with the registry's reason if the
 *       library is refused (nothing changes then). A plugin added under a name removed before is a
 *       new plugin: its state starts afresh ({@code reload_init}), even if it is stateful;
 *   <li>{@code DELETE /plugins/{name}} removes one, once its open calls end: 204, or 404.
 * </ul>
 *
 * <p>Thread-safe: holds no state of its own; the registry orders concurrent adds and removes.
 */
final class PluginsHandler implements com.sun.net.httpserver.HttpHandler {

  private static final Pattern ACTION = Pattern.compile("/plugins/([^/]+)/(reload|rollback)");
  private static final Pattern MEMBER = Pattern.compile("/plugins/([^/]+)");
  private static final long TIMEOUT_SECONDS = 60;
  private static final Logger log = LoggerFactory.getLogger(PluginsHandler.class);

  private final PluginRegistry registry;
  private final AdminToken token;
  private final AddRequests addRequests;

  PluginsHandler(PluginRegistry registry, AdminToken token, AddRequests addRequests) {
    this.registry = registry;
    this.token = token;
    this.addRequests = addRequests;
  }

  @Override
  public void handle(HttpExchange exchange) {
    String path = exchange.getRequestURI().getPath();
    Matcher action = ACTION.matcher(path);
    Matcher member = MEMBER.matcher(path);
    if (path.equals("/plugins")) {
      Exchanges.answer(exchange, "GET", this::list);
    } else if (action.matches()) {
      Exchanges.answer(exchange, "POST", e -> act(e, action.group(1), action.group(2)));
    } else if (member.matches()) {
      String name = member.group(1);
      Exchanges.answer(exchange, Map.of("POST", e -> add(e, name), "DELETE", e -> remove(e, name)));
    } else {
      Exchanges.answer(exchange, exchange.getRequestMethod(), Exchanges::notFound);
    }
  }

  private void list(HttpExchange exchange) throws IOException {
    Exchanges.send(
        exchange,
        200,
        Exchanges.JSON,
        Json.array(registry.plugins().stream().map(PluginsHandler::describe)));
  }

  private static String describe(Plugin plugin) {
    PluginVersion version = plugin.current();
    return "{\"name\": " + Json.string(plugin.name())
        + ", \"generation\": " + version.generation()
        + ", \"sha256\": " + Json.string(version.sha256())
        + ", \"state\": " + Json.string(version.state().name())
        + ", \"loadedAt\": " + Json.string(version.loadedAt().toString())
        + ", \"stateful\": " + plugin.stateful()
        + ", \"residentVersions\": " + plugin.residentVersions().size()
        + ", \"lastFailure\": "
        + Json.string(plugin.lastFailure().map(ReloadOutcome.Failed::reason).orElse(null))
        + "}";
  }

  /** Whether the exchange carries the admin token; answers 401 if it does not. */
  private boolean authorized(HttpExchange exchange) throws IOException {
    if (token.accepts(exchange.getRequestHeaders().getFirst("Authorization"))) {
      return true;
    }
    exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"reload-admin\"");
    Exchanges.send(
        exchange,
        401,
        Exchanges.TEXT,
        "admin calls need the header 'Authorization: Bearer <example.admin.token>'\n");
    return false;
  }

  private void add(HttpExchange exchange, String name) throws IOException {
    if (!authorized(exchange)) {
      return;
    }
    if (registry.find(name).isPresent()) {
      Exchanges.send(
          exchange,
          409,
          Exchanges.TEXT,
          "a plugin named '" + name + "' is already in the registry; DELETE /plugins/" + name
              + " first\n");
      return;
    }
    PluginSettings settings;
    try {
      settings = addRequests.settings(name, Exchanges.body(exchange, AddRequests.MAX_BODY_BYTES));
    } catch (IllegalArgumentException e) {
      Exchanges.send(exchange, 400, Exchanges.TEXT, e.getMessage() + "\n");
      return;
    }
    Plugin plugin;
    try {
      plugin = registry.add(settings);
    } catch (PluginException e) {
      // Taken by a concurrent add, or refused: the registry says which.
      int status = registry.find(name).isPresent() ? 409 : 422;
      log.info("POST /plugins/{}: not added ({}): {}", name, status, e.getMessage());
      Exchanges.send(
          exchange,
          status,
          Exchanges.TEXT,
          "plugin '" + name + "' was not added: " + e.getMessage() + "\n");
      return;
    }
    exchange.getResponseHeaders().set("Location", "/plugins/" + name);
    Exchanges.send(exchange, 201, Exchanges.JSON, describe(plugin) + "\n");
  }

  private void remove(HttpExchange exchange, String name) throws IOException {
    if (!authorized(exchange)) {
      return;
    }
    try {
      registry.remove(name);
    } catch (UnknownPluginException e) {
      Exchanges.send(exchange, 404, Exchanges.TEXT, "no plugin named '" + name + "'\n");
      return;
    }
    Exchanges.noContent(exchange);
  }

  private void act(HttpExchange exchange, String name, String action) throws IOException {
    if (!authorized(exchange)) {
      return;
    }
    Optional<Plugin> plugin = registry.find(name);
    if (plugin.isEmpty()) {
      Exchanges.send(exchange, 404, Exchanges.TEXT, "no plugin named '" + name + "'\n");
      return;
    }
    CompletableFuture<ReloadOutcome> request =
        action.equals("reload") ? registry.reload(name) : registry.rollback(name);
    ReloadOutcome outcome;
    try {
      outcome = request.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Exchanges.send(
          exchange, 503, Exchanges.TEXT, "interrupted while waiting for the " + action + "\n");
      return;
    } catch (ExecutionException | TimeoutException e) {
      Exchanges.send(exchange, 503, Exchanges.TEXT, action + " did not complete: " + e + "\n");
      return;
    }
    int status = outcome instanceof ReloadOutcome.Failed ? 409 : 200;
    Exchanges.send(exchange, status, Exchanges.JSON, outcome(outcome, plugin.get()) + "\n");
  }

  private static String outcome(ReloadOutcome outcome, Plugin plugin) {
    String ending;
    String reason = null;
    if (outcome instanceof ReloadOutcome.Swapped) {
      ending = "swapped";
    } else if (outcome instanceof ReloadOutcome.RolledBack) {
      ending = "rolled_back";
    } else if (outcome instanceof ReloadOutcome.Failed failed) {
      ending = "failed";
      reason = failed.reason();
    } else {
      ending = "unchanged";
    }
    return "{\"plugin\": " + Json.string(plugin.name()) + ", \"outcome\": " + Json.string(ending)
        + ", \"generation\": " + plugin.current().generation()
        + ", \"millis\": " + outcome.duration().toMillis()
        + ", \"reason\": " + Json.string(reason) + "}";
  }
}
