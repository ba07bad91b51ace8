package dev.reload.example;

import com.sun.net.httpserver.HttpExchange;
import dev.reload.Plugin;
import dev.reload.PluginRegistry;
import dev.reload.PluginVersion;
import dev.reload.ReloadOutcome;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code GET /plugins} lists the plugins as JSON, {@code residentVersions} counting the unloaded
 * versions the OS still keeps mapped ({@link Plugin#residentVersions()}); {@code POST
 * /plugins/{name}/reload} and {@code POST /plugins/{name}/rollback} (bearer token required) run one
 * and answer its outcome.
 */
final class PluginsHandler implements com.sun.net.httpserver.HttpHandler {

  private static final Pattern ACTION = Pattern.compile("/plugins/([^/]+)/(reload|rollback)");
  private static final long TIMEOUT_SECONDS = 60;

  private final PluginRegistry registry;
  private final AdminToken token;

  PluginsHandler(PluginRegistry registry, AdminToken token) {
    this.registry = registry;
    this.token = token;
  }

  @Override
  public void handle(HttpExchange exchange) {
    String path = exchange.getRequestURI().getPath();
    Matcher action = ACTION.matcher(path);
    if (path.equals("/plugins")) {
      Exchanges.answer(exchange, "GET", this::list);
    } else if (action.matches()) {
      Exchanges.answer(exchange, "POST", e -> act(e, action.group(1), action.group(2)));
    } else {
      Exchanges.answer(exchange, exchange.getRequestMethod(), Exchanges::notFound);
    }
  }

  private void list(HttpExchange exchange) throws IOException {
    String body = registry.plugins().stream().map(PluginsHandler::describe)
        .collect(Collectors.joining(",\n  ", "[\n  ", "\n]\n"));
    Exchanges.send(exchange, 200, Exchanges.JSON, body);
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
        + ", \"lastFailure\": " + Json.string(plugin.lastFailure()
            .map(ReloadOutcome.Failed::reason).orElse(null))
        + "}";
  }

  private void act(HttpExchange exchange, String name, String action) throws IOException {
    if (!token.accepts(exchange.getRequestHeaders().getFirst("Authorization"))) {
      exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"reload-admin\"");
      Exchanges.send(exchange, 401, Exchanges.TEXT,
          "admin calls need the header 'Authorization: Bearer <example.admin.token>'\n");
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
      Exchanges.send(exchange, 503, Exchanges.TEXT, "interrupted while waiting for the " + action + "\n");
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
