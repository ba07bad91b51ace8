package dev.reload.example;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class HeadlessChromiumTest {

  @Test
  void aMissingBrowserFailsNamingThePackagesAndCiRun() {
    Path nowhere = Path.of("/nonexistent/chromium");

    assertThatThrownBy(
            () -> HeadlessChromium.requireInstalled(nowhere, HeadlessChromium.CHROMEDRIVER))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("[/nonexistent/chromium] is not installed")
        .hasMessageContaining("'chromium' and 'chromium-driver'")
        .hasMessageContaining(".ci/run");
  }
}
