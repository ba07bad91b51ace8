package dev.reload.core.internal.platform;

import com.sun.jna.Native;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * Facts about the platform this JVM runs on that decide how libraries are named, opened and
 * checked. Immutable and thread-safe.
 */
public enum Platform {
  LINUX("lib", ".so", 0x2 /* RTLD_NOW | RTLD_LOCAL (0) */),
  MACOS("lib", ".dylib", 0x2 | 0x4 /* RTLD_NOW | RTLD_LOCAL */),
  WINDOWS("", ".dll", 0 /* LoadLibrary takes no flags */),
  OTHER_UNIX("lib", ".so", 0x2);

  private final String prefix;
  private final String suffix;
  private final int openFlags;

  Platform(String prefix, String suffix, int openFlags) {
    this.prefix = prefix;
    this.suffix = suffix;
    this.openFlags = openFlags;
  }

  /** The platform of this JVM. */
  public static Platform current() {
    return of(System.getProperty("os.name", ""));
  }

  static Platform of(String osName) {
    String os = osName.toLowerCase(Locale.ROOT);
    if (os.startsWith("linux")) {
      return LINUX;
    }
    if (os.startsWith("mac") || os.startsWith("darwin")) {
      return MACOS;
    }
    if (os.startsWith("windows")) {
      return WINDOWS;
    }
    return OTHER_UNIX;
  }

  /**
   * The file name of a library called {@code name}: {@code libx.so}, {@code x.dll}, {@code
   * libx.dylib}.
   */
  public String fileName(String name) {
    return prefix + name + suffix;
  }

  /**
   * The {@code name} whose {@link #fileName} is {@code fileName}, or null if {@code fileName} does
   * not follow the platform's rule.
   */
  public String libraryName(String fileName) {
    if (fileName.length() <= prefix.length() + suffix.length()
        || !fileName.startsWith(prefix)
        || !fileName.endsWith(suffix)) {
      return null;
    }
    return fileName.substring(prefix.length(), fileName.length() - suffix.length());
  }

  /**
   * dlopen flags: {@code RTLD_NOW} so a missing symbol fails at load rather than killing the JVM
   * at the first call, {@code RTLD_LOCAL} so versions never bind to each other's symbols.
   */
  public int openFlags() {
    return openFlags;
  }

  /** Whether libraries of this platform are ELF files. */
  public boolean usesElf() {
    return this == LINUX || this == OTHER_UNIX;
  }

  /** ELF class this JVM can load: 2 for 64-bit, 1 for 32-bit. */
  public static int elfClass() {
    return Native.POINTER_SIZE == 8 ? 2 : 1;
  }

  /** ELF data encoding this JVM can load: 1 for little-endian, 2 for big-endian. */
  public static int elfData() {
    return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 1 : 2;
  }

  /** The ELF {@code e_machine} of this JVM's architecture, if known. */
  public static OptionalInt elfMachine() {
    return elfMachine(System.getProperty("os.arch", ""));
  }

  static OptionalInt elfMachine(String arch) {
    switch (arch.toLowerCase(Locale.ROOT)) {
      case "amd64":
      case "x86_64":
        return OptionalInt.of(62);
      case "aarch64":
      case "arm64":
        return OptionalInt.of(183);
      case "x86":
      case "i386":
      case "i486":
      case "i586":
      case "i686":
        return OptionalInt.of(3);
      case "arm":
        return OptionalInt.of(40);
      case "riscv64":
        return OptionalInt.of(243);
      case "ppc64":
      case "ppc64le":
        return OptionalInt.of(21);
      case "s390x":
        return OptionalInt.of(22);
      case "loongarch64":
        return OptionalInt.of(258);
      default:
        return OptionalInt.empty();
    }
  }
}
