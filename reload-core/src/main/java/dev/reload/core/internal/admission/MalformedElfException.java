package dev.reload.core.internal.admission;

/**
 * An ELF structure {@link ElfFile} was asked for cannot be read: it runs past the end of the file,
 * or its entries are too small for their kind. The message says what and where, as the rest of a
 * sentence whose subject is the file: {@code "is truncated: its dynamic section ends at byte
 * 2147491647 but the file has 15736 bytes (...)"}. Immutable and thread-safe.
 */
final class MalformedElfException extends Exception {

  private static final long serialVersionUID = 1L;

  MalformedElfException(String what) {
    super(what);
  }
}
