package dev.reload.example;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's headless Chromium ({@code /usr/bin/chromium}) driven through its {@code chromedriver}
 * ({@code /usr/bin/chromedriver}), both named explicitly so that Selenium Manager never looks for a
 * browser or a driver on the network. The browser's console is recorded, for tests to check that
 * the page ran without errors (a Content-Security-Policy violation is one).
 *
 * <p>Not thread-safe: one test class drives it, one call at a time.
 */
final class HeadlessChromium {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  private HeadlessChromium() {}

  /**
   * Starts a browser with a window of 1280 x 1000 pixels.
   *
   * @throws IllegalStateException naming the Debian packages and {@code .ci/run} if the browser or
   *     its driver is not installed
   */
  static ChromeDriver start() {
    requireInstalled(CHROMIUM, CHROMEDRIVER);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .withLogFile(new File("target", "chromedriver.log"))
        .build();
    ChromeOptions options = new ChromeOptions()
        .setBinary(CHROMIUM.toFile())
        // --no-sandbox: Chromium refuses to run as root (CI containers) with its sandbox on.
        .addArguments(
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--window-size=1280,1000",
            "--disable-extensions",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-sync",
            "--disable-component-update",
            "--disable-default-apps");
    options.setExperimentalOption("prefs", Map.of("credentials_enable_service", false));
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    return new ChromeDriver(service, options);
  }

  /**
   * Checks that the browser and its driver are installed, so that a machine without them fails
   * the test saying what to install rather than skipping it.
   *
   * @throws IllegalStateException naming what is missing, the Debian packages and {@code .ci/run}
   */
  static void requireInstalled(Path browser, Path driver) {
    List<Path> missing = List.of(browser, driver).stream()
        .filter(file -> !Files.isExecutable(file))
        .toList();
    if (!missing.isEmpty()) {
      throw new IllegalStateException("the admin page's browser test needs headless Chromium,"
          + " but " + missing + " is not installed: install the Debian packages 'chromium' and"
          + " 'chromium-driver' (mvn verify and .ci/run install them when missing, through"
          + " .ci/install-chromium)");
    }
  }
}
