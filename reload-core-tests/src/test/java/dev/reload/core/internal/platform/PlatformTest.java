package dev.reload.core.internal.platform;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PlatformTest {

  @Test
  void fileNamesFollowEachPlatformsConvention() {
    assertThat(Platform.of("Linux").fileName("greeter")).isEqualTo("libgreeter.so");
    assertThat(Platform.of("Mac OS X").fileName("greeter")).isEqualTo("libgreeter.dylib");
    assertThat(Platform.of("Windows 11").fileName("greeter")).isEqualTo("greeter.dll");
    assertThat(Platform.of("FreeBSD").fileName("greeter")).isEqualTo("libgreeter.so");
  }

  @Test
  void librariesOpenWithNowAndLocal() {
    assertThat(Platform.LINUX.openFlags()).isEqualTo(2);
    assertThat(Platform.MACOS.openFlags()).isEqualTo(6);
  }

  @Test
  void knownArchitecturesMapToTheirElfMachine() {
    assertThat(Platform.elfMachine("amd64")).hasValue(62);
    assertThat(Platform.elfMachine("aarch64")).hasValue(183);
    assertThat(Platform.elfMachine("sparc")).isEmpty();
  }
}
