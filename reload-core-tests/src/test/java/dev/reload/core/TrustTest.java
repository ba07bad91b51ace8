package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.PluginVersion;
import dev.reload.ReloadEvent;
import dev.reload.ReloadOutcome;
import dev.reload.ReloadStep;
import dev.reload.fixtures.Calls;
import dev.reload.fixtures.CounterSnapshot;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.NativeBuild;
import dev.reload.testkit.PluginDir;
import dev.reload.testkit.RegistryUnderTest;
import dev.reload.testkit.ReloadExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Files that must never be loaded, against a running, watching registry: each is refused with
 * the rule it broke, the old version keeps serving with its state, the next good build is taken.
 */
@EnabledOnOs(OS.LINUX)
@ExtendWith(ReloadExtension.class)
class TrustTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private Path root;
  private PluginDir dir;
  private KeyPair signer;
  private RegistryUnderTest underTest;
  private PluginRegistry registry;

  @BeforeEach
  void setUp(PluginDir dir, RegistryUnderTest underTest) throws Exception {
    this.dir = dir;
    this.underTest = underTest;
    this.root = dir.root();
    signer = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
  }

  private void start(ReloadSettings.Builder settings) {
    registry = underTest.start(RegistryBuilder.of(
            settings.plugin(PluginSettings.builder("counter").build()).build())
        .stateSnapshot("counter", new CounterSnapshot()));
    Calls.next(registry, "counter");
    Calls.next(registry, "counter");
  }

  private String publicKey() {
    return Base64.getEncoder().encodeToString(signer.getPublic().getEncoded());
  }

  private static void sign(Path library, PrivateKey key) throws Exception {
    Signature signature = Signature.getInstance("Ed25519");
    signature.initSign(key);
    signature.update(Files.readAllBytes(library));
    Files.write(library.resolveSibling(library.getFileName() + ".sig"), signature.sign());
  }

  /**
   * The old version serves with its state, the refusal names the step and says why, and a good
   * build follows.
   */
  private void assertRefused(ReloadStep step, String reason, Runnable goodBuild) {
    PluginVersion serving = registry.plugin("counter").current();
    await().atMost(WAIT).until(() -> !underTest.events(ReloadEvent.Failed.class).isEmpty());
    ReloadEvent.Failed failed = underTest.events(ReloadEvent.Failed.class).get(0);
    assertThat(failed.step()).isEqualTo(step);
    assertThat(failed.cause()).hasMessageContaining(reason);
    assertThat(registry.plugin("counter").current()).isSameAs(serving);
    assertThat(Calls.next(registry, "counter")).isEqualTo(3);

    goodBuild.run();
    await().atMost(WAIT).until(() -> Calls.version(registry, "counter") == 3);
    assertThat(Calls.next(registry, "counter")).isEqualTo(4);
  }

  @Test
  void worldWritableLibraryIsRefused() throws Exception {
    dir.publish("counter", Sources.counter(1));
    start(dir.settings());
    Path built = dir.build().compile(Sources.counter(2));
    Files.setPosixFilePermissions(built, PosixFilePermissions.fromString("rwxrwxrwx"));
    NativeBuild.move(built, dir.lib("counter"));

    assertRefused(
        ReloadStep.TRUST,
        "is writable by others (rwxrwxrwx)",
        () -> dir.publish("counter", Sources.counter(3)));
  }

  @Test
  void directoryAboveThePluginDirectoryThatOthersMayRenameInIsRefused() throws Exception {
    dir.publish("counter", Sources.counter(1));
    start(dir.settings());
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwxrwx"));
    dir.publish("counter", Sources.counter(2));

    assertRefused(
        ReloadStep.TRUST,
        "above library " + dir.lib("counter") + " is writable by other users (mode 777)",
        () -> {
          try {
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          dir.publish("counter", Sources.counter(3));
        });
  }

  @Test
  void groupWritablePluginDirectoryIsRefused() throws Exception {
    dir.publish("counter", Sources.counter(1));
    start(dir.settings());
    Files.setPosixFilePermissions(dir.libs(), PosixFilePermissions.fromString("rwxrwxr-x"));
    dir.publish("counter", Sources.counter(2));

    assertRefused(ReloadStep.TRUST, "directory " + dir.libs().toRealPath() + " of library", () -> {
      try {
        Files.setPosixFilePermissions(dir.libs(), PosixFilePermissions.fromString("rwxr-xr-x"));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      dir.publish("counter", Sources.counter(3));
    });
  }

  @Test
  void symlinkEscapingThePluginDirectoryIsRefused() throws Exception {
    dir.publish("counter", Sources.counter(1));
    start(dir.settings());
    Path outside = dir.build().publish(Sources.counter(2), root.resolve("elsewhere/libcounter.so"));
    Path link = dir.libs().resolve(".link-tmp");
    Files.createSymbolicLink(link, outside);
    NativeBuild.move(link, dir.lib("counter"));

    assertRefused(
        ReloadStep.TRUST,
        "resolves to " + outside.toRealPath() + ", outside the allowed directories",
        () -> dir.publish("counter", Sources.counter(3)));
  }

  @Test
  void rollbackAdmitsTheKeptCopyWithoutTrustingTheLibraryFileAgain() throws Exception {
    dir.publish("counter", Sources.counter(1));
    start(dir.settings().watchEnabled(false));
    dir.publish("counter", Sources.counter(2));
    assertThat(registry.reload("counter").join()).isInstanceOf(ReloadOutcome.Swapped.class);
    Files.setPosixFilePermissions(dir.lib("counter"), PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThat(registry.reload("counter").join())
        .isInstanceOfSatisfying(
            ReloadOutcome.Failed.class,
            failed -> assertThat(failed.step()).isEqualTo(ReloadStep.TRUST));

    ReloadOutcome outcome = registry.rollback("counter").join();

    // Generation 1's bytes were trusted when they were admitted; the file now refused is not read.
    assertThat(outcome).isInstanceOf(ReloadOutcome.RolledBack.class);
    assertThat(Calls.version(registry, "counter")).isEqualTo(1);
    assertThat(Calls.next(registry, "counter")).isEqualTo(3);
  }

  @Test
  void dotDotEscapeThroughTheConfiguredNameIsRefusedAtStart() throws Exception {
    dir.build().publish(Sources.counter(1), root.resolve("elsewhere/libcounter.so"));
    ReloadSettings settings = dir.settings()
        .plugin(PluginSettings.builder("counter")
            .library("../elsewhere/libcounter.so")
            .platformName(false)
            .build())
        .build();

    assertThatThrownBy(() -> RegistryBuilder.of(settings).build())
        .hasMessageContaining("outside the allowed directories");
  }

  @Test
  void randomBytesAreRefusedAsUnverifiedNotAsUntrusted() {
    dir.publish("counter", Sources.counter(1));
    start(dir.settings());
    byte[] noise = new byte[64 * 1024];
    new Random(42).nextBytes(noise);
    dir.build().publishBytes(noise, dir.lib("counter"));

    assertRefused(
        ReloadStep.VERIFY, "is not an ELF file", () -> dir.publish("counter", Sources.counter(3)));
  }

  @Test
  void buildNotMatchingThePinnedHashIsRefused() throws Exception {
    Path first = dir.publish("counter", Sources.counter(1));
    String pinned = registryHash(first);
    registry = underTest.start(RegistryBuilder.of(dir.settings()
        .plugin(PluginSettings.builder("counter").sha256(pinned).build())
        .build()));
    dir.publish("counter", Sources.counter(2));

    await().atMost(WAIT).until(() -> !underTest.events(ReloadEvent.Failed.class).isEmpty());
    assertThat(registry.plugin("counter").lastFailure()).hasValueSatisfying(failure -> {
      assertThat(failure.step()).isEqualTo(ReloadStep.TRUST);
      assertThat(failure.reason()).contains("not the pinned " + pinned);
    });
    assertThat(Calls.version(registry, "counter")).isEqualTo(1);
  }

  private static String registryHash(Path file) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(
            java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  @Test
  void badSignatureIsRefusedWhenSignaturesAreRequired() throws Exception {
    sign(dir.publish("counter", Sources.counter(1)), signer.getPrivate());
    start(dir.settings().publicKeys(List.of(publicKey())).requireSignature(true));
    KeyPair stranger = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Path built = dir.build().compile(Sources.counter(2));
    sign(built, stranger.getPrivate());
    Files.move(
        built.resolveSibling(built.getFileName() + ".sig"),
        dir.libs().resolve("libcounter.so.sig"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    NativeBuild.move(built, dir.lib("counter"));

    assertRefused(
        ReloadStep.TRUST,
        "does not match its bytes under any of the 1 configured public key(s)",
        () -> {
          try {
            Path good = dir.build().compile(Sources.counter(3));
            sign(good, signer.getPrivate());
            Files.move(
                good.resolveSibling(good.getFileName() + ".sig"),
                dir.libs().resolve("libcounter.so.sig"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            NativeBuild.move(good, dir.lib("counter"));
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  @Test
  void unsignedLibraryIsRefusedWhenSignaturesAreRequired() throws Exception {
    sign(dir.publish("counter", Sources.counter(1)), signer.getPrivate());
    start(dir.settings().publicKeys(List.of(publicKey())).requireSignature(true));
    Files.delete(dir.libs().resolve("libcounter.so.sig"));

    ReloadOutcome outcome = registry.reload("counter").join();

    assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.Failed.class, failed -> {
      assertThat(failed.step()).isEqualTo(ReloadStep.TRUST);
      assertThat(failed.reason()).contains("has no signature").contains("require-signature");
    });
  }

  @Test
  void requiringSignaturesWithoutKeysIsASettingsError() {
    assertThatThrownBy(() -> ReloadSettings.builder().requireSignature(true).build())
        .hasMessageContaining("no public key is given");
    assertThatThrownBy(() -> ReloadSettings.builder().publicKeys(List.of("bm90IGEga2V5")))
        .hasMessageContaining("public key 1 is not a Base64 X.509 Ed25519 public key");
  }

  @Test
  void kubernetesStyleSymlinksInsideTheDirectoryAreTrusted() throws Exception {
    Path volume = root.resolve("volume");
    dir.build().publish(Sources.counter(1), volume.resolve("..v1/libcounter.so"));
    Files.createSymbolicLink(volume.resolve("..data"), Path.of("..v1"));
    Files.createSymbolicLink(volume.resolve("libcounter.so"), Path.of("..data/libcounter.so"));
    start(dir.settings().searchPaths(volume));

    assertThat(Calls.version(registry, "counter")).isEqualTo(1);
  }
}
