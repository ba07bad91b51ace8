package dev.reload.core.internal;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The crash-safe preflight's probe: a separate JVM that loads candidate libraries so that a
 * constructor or self-test that crashes, aborts, exits or hangs takes down this process, not the
 * server. Reads one request per line on stdin, {@code <id>\t<open flags>\t<path>\t<sym,...>},
 * and answers {@code <id>\tOK} or {@code <id>\tFAIL\t<reason>}: it maps the library (running its
 * constructors), resolves the symbols, calls the optional exports {@code int reload_init(void)}
 * and {@code int reload_selftest(void)} (non-zero fails) and {@code void reload_shutdown(void)},
 * and unmaps it. The id lets the server tell answers from whatever a library prints on stdout.
 * Uses only the JDK and JNA. Not API.
 */
public final class ProbeMain {

  static final String SELF_TEST = "reload_selftest";

  private ProbeMain() {}

  public static void main(String[] args) throws IOException {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    out.println("READY");
    String line;
    while ((line = in.readLine()) != null) {
      String[] fields = line.split("\t", -1);
      if (fields.length != 4) {
        out.println(fields[0] + "\tFAIL\tmalformed probe request");
        continue;
      }
      out.println(fields[0] + "\t" + probe(Integer.parseInt(fields[1]), fields[2],
          fields[3].isEmpty() ? new String[0] : fields[3].split(",")));
    }
  }

  private static String probe(int flags, String path, String[] symbols) {
    NativeLibrary library;
    try {
      library = NativeLibrary.getInstance(path, Map.of(Library.OPTION_OPEN_FLAGS, flags));
    } catch (UnsatisfiedLinkError e) {
      return "FAIL\tcannot load: " + oneLine(e.getMessage());
    }
    try {
      for (String symbol : symbols) {
        if (!exports(library, symbol)) {
          return "FAIL\tdoes not export required symbol '" + symbol + "'";
        }
      }
      for (String check : new String[] {LoadedVersion.INIT_SYMBOL, SELF_TEST}) {
        if (exports(library, check)) {
          int status = library.getFunction(check).invokeInt(new Object[0]);
          if (status != 0) {
            return "FAIL\t" + check + "() returned " + status;
          }
        }
      }
      if (exports(library, LoadedVersion.SHUTDOWN_SYMBOL)) {
        library.getFunction(LoadedVersion.SHUTDOWN_SYMBOL).invokeVoid(new Object[0]);
      }
      return "OK";
    } finally {
      library.close();
    }
  }

  private static boolean exports(NativeLibrary library, String symbol) {
    try {
      Function function = library.getFunction(symbol);
      return function != null;
    } catch (UnsatisfiedLinkError e) {
      return false;
    }
  }

  private static String oneLine(String message) {
    return message == null ? "no reason given" : message.replace('\n', ' ').replace('\t', ' ');
  }
}
