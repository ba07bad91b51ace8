package dev.reload.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The admin page in a real browser: the shaded jar runs in its own JVM against plugins built by
 * gcc, and headless Chromium ({@link HeadlessChromium}) keeps the page open while the test
 * rebuilds the greeter and clicks its buttons. Ends with a screenshot, {@code
 * target/admin-page.png}. The tests run in order, on one server and one page that is never
 * reloaded.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminPageIT {

  private static final String TOKEN = "admin-page-it-token-0123456789";
  private static final Path SCREENSHOT = Path.of("target", "admin-page.png");
  private static final Pattern GREETER = Pattern.compile(
      "\\{\"name\": \"greeter\", \"generation\": (\\d+), \"sha256\": \"([0-9a-f]{64})\"");

  private final HttpClient http = HttpClient.newHttpClient();
  private ServerDirs dirs;
  private ServerProcess server;
  private ChromeDriver browser;
  private WebDriverWait wait;
  /** The SHA-256 of the greeter the server started with. */
  private String firstGreeterSha;

  @BeforeAll
  void startServerAndOpenThePage() throws Exception {
    dirs = ServerDirs.create("admin-page-it");
    server = ServerProcess.start(dirs, "-Dexample.admin.token=" + TOKEN);
    firstGreeterSha = greeter().group(2);
    browser = HeadlessChromium.start();
    wait = new WebDriverWait(browser, ServerProcess.WAIT);
    browser.get(server.base().toString());
  }

  @AfterAll
  void saveAScreenshotAndStop() throws Exception {
    try {
      if (browser != null) {
        Files.write(SCREENSHOT, browser.getScreenshotAs(OutputType.BYTES));
        browser.quit();
      }
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  @Test
  @Order(1)
  void servesItsOwnFilesUnderAStrictContentSecurityPolicy() throws Exception {
    HttpResponse<String> page = get("/", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(page.headers().firstValue("Content-Security-Policy"))
        .hasValue(AdminPage.CONTENT_SECURITY_POLICY);
    assertThat(AdminPage.CONTENT_SECURITY_POLICY)
        .startsWith("default-src 'none'; script-src 'self';")
        .doesNotContain("unsafe");
    assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
    assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(page.body())
        .contains("<script src=\"/admin.js\" defer></script>")
        .doesNotContainPattern("<script(?![^>]*\\bsrc=)") // no inline script
        .doesNotContainPattern("(src|href)=\"(https?:)?//") // nothing from elsewhere
        .doesNotContain(" style=");

    HttpResponse<String> script = get("/admin.js", null);
    assertThat(script.headers().firstValue("Content-Type"))
        .hasValue("text/javascript; charset=utf-8");
    assertThat(script.body())
        .doesNotContain(
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "localStorage",
            "document.cookie");
    assertThat(get("/admin.css", null).headers().firstValue("Content-Type"))
        .hasValue("text/css; charset=utf-8");
    assertThat(get("/favicon.svg", null).headers().firstValue("Content-Type"))
        .hasValue("image/svg+xml");

    String etag = page.headers().firstValue("ETag").orElseThrow();
    assertThat(get("/", etag).statusCode()).as("revalidated by ETag").isEqualTo(304);
    assertThat(get("/nowhere", null).statusCode()).isEqualTo(404);
    assertThat(http.send(
                HttpRequest.newBuilder(server.base().resolve("/"))
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .statusCode())
        .isEqualTo(405);
    assertThat(get("/reloads", null).headers().firstValue("Content-Type")).hasValue(Exchanges.JSON);
  }

  @Test
  @Order(2)
  void showsBothPluginsWithTheirVersionFacts() {
    awaitCell("greeter", "generation", "1");
    awaitCell("counter", "generation", "1");
    assertThat(cell("greeter", "state").getText()).isEqualTo("ACTIVE");
    assertThat(cell("greeter", "stateful").getText()).isEqualTo("no");
    assertThat(cell("counter", "stateful").getText()).isEqualTo("yes");
    assertThat(cell("greeter", "sha256").getText()).isEqualTo(firstGreeterSha.substring(0, 12));
    assertThat(cell("greeter", "sha256").getAttribute("title")).isEqualTo(firstGreeterSha);
    assertThat(cell("greeter", "loaded-at").getText()).isNotBlank();
    assertThat(cell("greeter", "resident").getText()).isEqualTo("0");
    assertThat(cell("greeter", "failure").getText()).isEqualTo("—");
    assertThat(browser.findElement(By.id("token")).getAttribute("type")).isEqualTo("password");
    assertThat(browser.findElement(By.id("status")).getText()).startsWith("live");
    assertThat(consoleErrors())
        .as("errors in the browser's console, such as CSP violations")
        .isEmpty();
    @SuppressWarnings("unchecked")
    List<String> loaded = (List<String>) browser.executeScript(
        "return performance.getEntriesByType('resource').map(entry => entry.name)");
    assertThat(loaded)
        .as("everything the page loaded")
        .isNotEmpty()
        .allMatch(url -> url.startsWith(server.base() + "/"));
  }

  @Test
  @Order(3)
  void showsARebuiltGreeterWithoutAPageReload() throws Exception {
    browser.executeScript("window.adminPageIt = 'the same page'");
    dirs.publish(
        ServerDirs.source("greeter.c").replace("\"Hello, %s!\"", "\"Howdy, %s!\""),
        "libgreeter.so");

    awaitCell("greeter", "generation", "2");
    WebElement swap = awaitTimeline("greeter", "swapped");
    assertThat(swap.findElement(By.className("generations")).getText()).isEqualTo("1 → 2");
    assertThat(swap.findElement(By.className("duration")).getText()).endsWith(" ms");
    assertThat(swap.findElement(By.className("gated")).getText()).isEqualTo("not gated");
    assertThat(cell("greeter", "sha256").getText()).isEqualTo(greeter().group(2).substring(0, 12));
    assertThat(browser.executeScript("return window.adminPageIt")).isEqualTo("the same page");
    assertThat(get("/greet?name=World", null).body()).isEqualTo("Howdy, World!\n");
  }

  @Test
  @Order(4)
  void showsHowLongCallersOfAStatefulPluginWereGated() {
    dirs.publish(
        ServerDirs.source("counter.c") + "\nlong counter_build(void) { return 2; }\n",
        "libcounter.so");

    awaitCell("counter", "generation", "2");
    WebElement swap = awaitTimeline("counter", "swapped");
    assertThat(swap.findElement(By.className("gated")).getText()).matches("\\d+\\.\\d{3} ms");
  }

  @Test
  @Order(5)
  void aWrongTokenShowsTheRefusalAndChangesNothing() throws Exception {
    int timelineRows = timelineRows().size();
    typeToken("not-the-admin-token");
    cell("greeter", "actions").findElement(By.className("rollback")).click();

    WebElement message = browser.findElement(By.id("message"));
    wait.until(ExpectedConditions.textToBePresentInElement(message, "refused"));
    assertThat(message.getText())
        .contains(
            "rollback greeter refused by the server: 401",
            "admin calls need the header 'Authorization: Bearer <example.admin.token>'");
    assertThat(message.getAttribute("class")).contains("error");
    assertThat(greeter().group(1)).isEqualTo("2");
    assertThat(cell("greeter", "generation").getText()).isEqualTo("2");
    assertThat(timelineRows()).hasSize(timelineRows);
  }

  @Test
  @Order(6)
  void rollbackWithTheTokenReturnsToThePreviousGeneration() throws Exception {
    typeToken(TOKEN);
    cell("greeter", "actions").findElement(By.className("rollback")).click();

    awaitCell("greeter", "generation", "3");
    WebElement message = browser.findElement(By.id("message"));
    wait.until(ExpectedConditions.textToBePresentInElement(message, "rolled_back"));
    assertThat(message.getText()).startsWith("rollback greeter: rolled_back, generation 3");
    WebElement rollback = awaitTimeline("greeter", "rolled_back");
    assertThat(rollback.findElement(By.className("generations")).getText()).isEqualTo("2 → 3");
    // Generation 3 is the first build again, confirmed by the server.
    Matcher greeter = greeter();
    assertThat(greeter.group(1)).isEqualTo("3");
    assertThat(greeter.group(2)).isEqualTo(firstGreeterSha);
    assertThat(cell("greeter", "sha256").getText()).isEqualTo(firstGreeterSha.substring(0, 12));
    assertThat(get("/greet?name=World", null).body()).isEqualTo("Hello, World!\n");
    // The token went only into the Authorization header.
    assertThat(browser.manage().getCookies()).isEmpty();
    assertThat(browser.getCurrentUrl()).isEqualTo(server.base() + "/");
    assertThat((String) browser.executeScript(
            "return JSON.stringify(sessionStorage) + JSON.stringify(localStorage)"))
        .doesNotContain(TOKEN);
  }

  /** The greeter's generation (group 1) and SHA-256 (group 2), as {@code /plugins} lists it. */
  private Matcher greeter() throws Exception {
    String plugins = get("/plugins", null).body();
    Matcher greeter = GREETER.matcher(plugins);
    assertThat(greeter.find()).as("greeter in %s", plugins).isTrue();
    return greeter;
  }

  private HttpResponse<String> get(String path, String ifNoneMatch) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(server.base().resolve(path)).GET();
    if (ifNoneMatch != null) {
      request.header("If-None-Match", ifNoneMatch);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static By pluginCell(String plugin, String column) {
    return By.cssSelector("#plugins tr[data-plugin='" + plugin + "'] td." + column);
  }

  private WebElement cell(String plugin, String column) {
    return browser.findElement(pluginCell(plugin, column));
  }

  private void awaitCell(String plugin, String column, String text) {
    wait.until(ExpectedConditions.textToBe(pluginCell(plugin, column), text));
  }

  /** The newest timeline row of {@code plugin}, once it has {@code outcome}. */
  private WebElement awaitTimeline(String plugin, String outcome) {
    By newest = By.cssSelector("#timeline tbody tr[data-plugin='" + plugin + "']");
    By row = By.cssSelector("#timeline tbody tr[data-plugin='" + plugin + "'].outcome-" + outcome);
    wait.until(ExpectedConditions.presenceOfElementLocated(row));
    WebElement first = browser.findElement(newest);
    assertThat(first.findElement(By.className("outcome")).getText()).isEqualTo(outcome);
    return first;
  }

  private List<WebElement> timelineRows() {
    return browser.findElements(By.cssSelector("#timeline tbody tr"));
  }

  private void typeToken(String token) {
    WebElement field = browser.findElement(By.id("token"));
    field.clear();
    field.sendKeys(token);
  }

  private List<String> consoleErrors() {
    return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(entry -> entry.getLevel().intValue() >= Level.WARNING.intValue())
        .map(LogEntry::toString)
        .toList();
  }
}
