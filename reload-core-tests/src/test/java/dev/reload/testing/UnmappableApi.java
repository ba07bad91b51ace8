package dev.reload.testing;

/** A public interface JNA's direct mapping cannot map: {@code Object} is no native type. */
public interface UnmappableApi {

  Object add(Object a, Object b);
}
