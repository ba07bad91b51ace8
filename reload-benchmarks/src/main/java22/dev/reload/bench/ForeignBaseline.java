package dev.reload.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * The {@code java.lang.foreign} baseline of {@link CallBenchmark}: a downcall handle of {@code int
 * add(int, int)} in a library mapped for good, with no framework around it. Compiled only by JDK
 * 22 and newer; {@link CallBenchmark} loads it by name there. Stateless.
 */
final class ForeignBaseline {

  private ForeignBaseline() {}

  /** The handle of {@code add} in {@code library}, of type {@code (int, int)int}. */
  static MethodHandle add(Path library) {
    SymbolLookup symbols = SymbolLookup.libraryLookup(library, Arena.global());
    return Linker.nativeLinker()
        .downcallHandle(
            symbols.find("add").orElseThrow(),
            FunctionDescriptor.of(
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  }
}
