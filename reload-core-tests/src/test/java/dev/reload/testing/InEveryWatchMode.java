package dev.reload.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs a test once per watch mode that watches files ({@code INOTIFY} and {@code POLL}): the
 * test takes the {@link dev.reload.core.ReloadSettings.WatchMode} as its parameter. Both modes
 * must give the same answer for every way a file can be published.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "{0}")
@EnumSource(value = dev.reload.core.ReloadSettings.WatchMode.class, names = {"INOTIFY", "POLL"})
public @interface InEveryWatchMode {}
