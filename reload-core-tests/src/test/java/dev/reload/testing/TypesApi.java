package dev.reload.testing;

/**
 * The plugin of {@link Sources#types()}: one function per type a bound interface can pass, so
 * that tests can check both call paths pass each the same way.
 */
public interface TypesApi {

  byte negateByte(byte value);

  short negateShort(short value);

  long addLongs(long a, long b);

  float halveFloat(float value);

  double halveDouble(double value);

  /** Returns the C negation of a C int. */
  boolean not(boolean value);

  /** The length of a C string, -1 for NULL. */
  int length(String text);

  /** A static string for 1, NULL otherwise. */
  String nameOf(int number);

  /** Writes {@code cap} bytes of {@code fill} into {@code out}. */
  int fill(byte[] out, int cap, byte fill);

  long sumInts(int[] values, int count);

  /** Doubles each element in place. */
  void doubleAll(double[] values, int count);
}
