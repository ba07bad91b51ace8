package dev.reload.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;

/**
 * The shape of {@link Lease} that lets C2 keep a try-with-resources lease out of the heap on JDK
 * 17-21. javac calls {@code close()} on the statement's exception path too; C2 compiles that path
 * although it never runs (JDK 22 prunes it), and inlines a call site that never ran only if the
 * callee is trivial. A bigger {@code close()} is a real call there, the lease escapes into it, and
 * every lease is allocated: {@code CallBenchmark.leasedFunction} with {@code -prof gc} on JDK 17
 * read 80 B/op against {@code rawFunction}'s 48 until close() was made trivial.
 */
class LeaseShapeTest {

  /** HotSpot's {@code MaxTrivialSize}, in bytes of bytecode. */
  private static final int MAX_TRIVIAL_SIZE = 6;

  @Test
  void closeIsTrivialSoThatC2InlinesItWhereTryWithResourcesHandlesAnException() throws IOException {
    assertThat(codeLength(Lease.class, "close", "()V"))
        .as("bytes of bytecode in Lease.close() (0: no such method)")
        .isBetween(1, MAX_TRIVIAL_SIZE);
  }

  /** The length of the code of {@code type}'s method {@code name}{@code descriptor}; 0 if none. */
  private static int codeLength(Class<?> type, String name, String descriptor) throws IOException {
    ClassReader reader;
    try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
      reader = new ClassReader(in);
    }
    char[] buffer = new char[reader.getMaxStringLength()];
    int at = reader.header + 6; // access_flags, this_class, super_class
    at += 2 + 2 * reader.readUnsignedShort(at); // interfaces
    at = skipMembers(reader, at); // fields
    int methods = reader.readUnsignedShort(at);
    at += 2;
    for (int m = 0; m < methods; m++) {
      boolean wanted = reader.readUTF8(at + 2, buffer).equals(name)
          && reader.readUTF8(at + 4, buffer).equals(descriptor);
      int attributes = reader.readUnsignedShort(at + 6);
      at += 8;
      for (int a = 0; a < attributes; a++) {
        if (wanted && reader.readUTF8(at, buffer).equals("Code")) {
          return reader.readInt(at + 10); // after max_stack and max_locals
        }
        at += 6 + reader.readInt(at + 2);
      }
    }
    return 0;
  }

  /** Skips a class file's count of fields or methods and each one's attributes. */
  private static int skipMembers(ClassReader reader, int at) {
    int members = reader.readUnsignedShort(at);
    at += 2;
    for (int m = 0; m < members; m++) {
      int attributes = reader.readUnsignedShort(at + 6);
      at += 8;
      for (int a = 0; a < attributes; a++) {
        at += 6 + reader.readInt(at + 2);
      }
    }
    return at;
  }
}
