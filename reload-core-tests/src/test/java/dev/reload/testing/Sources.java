package dev.reload.testing;

/**
 * Sources of the test plugins: C (gcc), C++ (g++) and Rust ({@code src/lib.rs} of a {@link
 * dev.reload.testkit.CargoCrate}). Each build embeds a version number so tests can tell builds apart.
 */
public final class Sources {

  private Sources() {}

  /**
   * A stateful counter plugin: {@code counter_next/get/set} (the example plugin's ABI), {@code
   * version()}, {@code slow(ms)} which sleeps then returns the version, and {@code add}.
   */
  public static String counter(int version) {
    return """
        #include <unistd.h>
        static long counter;
        int version(void) { return %d; }
        long counter_next(void) { return __atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST); }
        long counter_get(void) { return __atomic_load_n(&counter, __ATOMIC_SEQ_CST); }
        void counter_set(long value) { __atomic_store_n(&counter, value, __ATOMIC_SEQ_CST); }
        int slow(int millis) { usleep(millis * 1000); return %d; }
        int add(int a, int b) { return a + b; }
        """.formatted(version, version);
  }

  /** The functions of {@link TypesApi}, one per type a bound interface can pass. */
  public static String types() {
    return """
        #include <string.h>
        signed char negateByte(signed char v) { return -v; }
        short negateShort(short v) { return -v; }
        long addLongs(long a, long b) { return a + b; }
        float halveFloat(float v) { return v / 2; }
        double halveDouble(double v) { return v / 2; }
        int not(int v) { return !v; }
        int length(const char *text) { return text == NULL ? -1 : (int) strlen(text); }
        const char *nameOf(int number) { return number == 1 ? "one" : NULL; }
        int fill(char *out, int cap, char fill) { memset(out, fill, (size_t) cap); return cap; }
        long sumInts(const int *values, int count) {
          long sum = 0;
          for (int i = 0; i < count; i++) sum += values[i];
          return sum;
        }
        void doubleAll(double *values, int count) {
          for (int i = 0; i < count; i++) values[i] *= 2;
        }
        """;
  }

  /** The counter plugin without {@code counter_set}: a build missing a required symbol. */
  public static String counterWithoutSet(int version) {
    return counter(version).replace("void counter_set(long value)", "static void unused_set(long value)")
        + "void keep(void) { unused_set(0); }\n";
  }

  /** A stateless greeter with the example plugin's ABI, greeting with {@code greeting}. */
  public static String greeter(String greeting) {
    return """
        #include <stdio.h>
        int greet(const char *name, char *out, int cap) {
          if (name == NULL || out == NULL || cap <= 0) return -1;
          return snprintf(out, (size_t) cap, "%s, %%s!", name);
        }
        """.formatted(greeting);
  }

  /** The counter plugin with a constructor (run by dlopen) whose body is {@code statement}. */
  public static String withConstructor(int version, String statement) {
    return """
        #include <signal.h>
        #include <stdlib.h>
        #include <unistd.h>
        __attribute__((constructor)) static void on_load(void) { %s }
        """.formatted(statement) + counter(version);
  }

  /** A plugin whose {@code reload_selftest} export returns {@code status}. */
  public static String withSelfTest(int version, int status) {
    return counter(version) + "int reload_selftest(void) { return " + status + "; }\n";
  }

  /** A plugin whose {@code reload_init} export returns {@code status}. */
  public static String withInit(int version, int status) {
    return counter(version) + "int reload_init(void) { return " + status + "; }\n";
  }

  /**
   * C++ whose {@code version()} counts its calls in a static local of an inline function: without
   * {@code -fno-gnu-unique}, g++ makes that an {@code STB_GNU_UNIQUE} symbol, and glibc never
   * unloads the library.
   */
  public static String cppWithGnuUnique(int version) {
    return """
        inline int &calls() { static int count; return count; }
        extern "C" int version(void) { ++calls(); return %d; }
        """.formatted(version);
  }

  /**
   * C++ whose {@code version()} uses a {@code thread_local} with a non-trivial destructor: glibc
   * keeps the library mapped while a thread that called it lives.
   */
  public static String cppWithThreadLocalDestructor(int version) {
    return """
        #include <string>
        namespace {
        struct Scratch {
          std::string text;
          ~Scratch() { text.clear(); }
        };
        thread_local Scratch scratch;
        }
        extern "C" int version(void) { scratch.text.assign("called"); return %d; }
        """.formatted(version);
  }

  /**
   * Rust ({@code src/lib.rs}) whose {@code version()} uses a {@code thread_local!} holding a value
   * with {@code Drop}: glibc keeps the library mapped while a thread that called it lives.
   */
  public static String rustWithThreadLocalDestructor(int version) {
    return """
        use std::cell::RefCell;

        struct Scratch(Vec<u8>);

        impl Drop for Scratch {
            fn drop(&mut self) {
                self.0.clear();
            }
        }

        thread_local! {
            static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch(Vec::new()));
        }

        #[no_mangle]
        pub extern "C" fn version() -> i32 {
            SCRATCH.with(|scratch| scratch.borrow_mut().0.push(1));
            %d
        }
        """.formatted(version);
  }
}
