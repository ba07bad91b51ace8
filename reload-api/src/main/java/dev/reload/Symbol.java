package dev.reload;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the exported C symbol a method of a {@link Plugin#bind bound} interface calls, when it
 * differs from the method's name. Immutable and thread-safe, as every annotation.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Symbol {

  /** {@return the exported symbol} */
  String value();
}
