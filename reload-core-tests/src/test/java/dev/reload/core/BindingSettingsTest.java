package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.NativeLong;
import dev.reload.InvalidSettingsException;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.fixtures.Bindings;
import dev.reload.fixtures.NativeLongApi;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.PluginDir;
import dev.reload.testkit.ReloadExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What {@code reload.binding} chooses, and what each choice refuses. */
@ExtendWith(ReloadExtension.class)
class BindingSettingsTest {

  private PluginDir dir;

  @BeforeEach
  void publish(PluginDir dir) {
    this.dir = dir;
    dir.publish("counter", Sources.counter(1));
  }

  private PluginRegistry start(ReloadSettings.Binding binding) {
    return RegistryBuilder.of(dir.settings()
            .watchEnabled(false)
            .binding(binding)
            .plugin(PluginSettings.builder("counter").build())
            .build())
        .build();
  }

  @Test
  void ffmBelowJdk22IsAStartErrorNamingTheSetting() {
    assumeFalse(Bindings.foreignAvailable(), "this JDK has java.lang.foreign");

    assertThatThrownBy(() -> start(ReloadSettings.Binding.FFM))
        .isInstanceOf(InvalidSettingsException.class)
        .hasMessageContaining("reload.binding = ffm cannot be used")
        .hasMessageContaining("needs JDK 22 or newer, this is JDK " + Runtime.version())
        .hasMessageContaining("set reload.binding to auto");
    assertThat(dir.shadowFiles()).isEmpty();
  }

  @Test
  void autoCallsThroughJnaAnInterfaceJavaLangForeignCannotPass() {
    try (PluginRegistry registry = start(ReloadSettings.Binding.AUTO)) {
      NativeLongApi api = registry.plugin("counter").bind(NativeLongApi.class);
      assertThat(api.getClass().getName()).contains("$$ReloadBound");
      api.counter_set(new NativeLong(41));
      assertThat(api.get()).isEqualTo(41);
    }
  }

  @Test
  void ffmRefusesAnInterfaceItCannotPassNamingTheMethodAndTheWayOut() {
    assumeTrue(Bindings.foreignAvailable(), "this JDK has no java.lang.foreign");
    try (PluginRegistry registry = start(ReloadSettings.Binding.FFM)) {
      assertThatThrownBy(() -> registry.plugin("counter").bind(NativeLongApi.class))
          .hasMessageContaining(
              "cannot serve " + NativeLongApi.class.getName() + " with reload.binding = ffm")
          .hasMessageContaining("parameter 1 of counter_set is com.sun.jna.NativeLong, not a"
              + " supported native type")
          .hasMessageContaining("set reload.binding = auto");
      // The refusal leaves the plugin serving.
      try (var lease = registry.plugin("counter").acquire()) {
        assertThat(lease.invokeInt("add", 1, 2)).isEqualTo(3);
      }
    }
  }
}
