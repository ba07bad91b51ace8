package dev.reload.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Each toolchain's build loads and answers; a broken source fails with the compiler's words. */
@ExtendWith(ReloadExtension.class)
class NativeBuildTest {

  @Test
  void cCppAndRustBuildsLoadAndAnswer(PluginDir dir) throws Exception {
    NativeBuild build = dir.build();
    Path cFile =
        Files.writeString(dir.root().resolve("answer.c"), "int answer(void) { return 42; }\n");
    dir.publish("c", build.compile(cFile), Publish.RENAME);
    Toolchains.assumeGxx();
    dir.publish(
        "cpp",
        build.compileCpp(
            "extern \"C\" int answer(void) { return static_cast<int>(sizeof(long) * 5 + 2); }\n"),
        Publish.RENAME);
    Toolchains.assumeCargo();
    dir.publish(
        "rust",
        build.rust("answer", "#[no_mangle]\npub extern \"C\" fn answer() -> i32 { 42 }\n"),
        Publish.HARD_LINK);

    PluginRegistry registry = dir.start(dir.settings()
        .watchEnabled(false)
        .plugin(PluginSettings.builder("c").build())
        .plugin(PluginSettings.builder("cpp").build())
        .plugin(PluginSettings.builder("rust").build())
        .build());

    for (String plugin : new String[] {"c", "cpp", "rust"}) {
      try (PluginLease lease = registry.plugin(plugin).acquire()) {
        assertThat(lease.invokeInt("answer")).as(plugin).isEqualTo(42);
      }
    }
  }

  @Test
  void aBrokenSourceFailsWithTheCompilersOutput(PluginDir dir) {
    assertThatThrownBy(() -> dir.build().compile("int answer(void) { return 42 }\n"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("gcc failed")
        .hasMessageContaining("error: expected ';'");
  }
}
