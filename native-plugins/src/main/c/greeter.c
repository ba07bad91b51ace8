/*
 * Example stateless plugin: builds a greeting.
 *
 * ABI (kept stable, the example server calls it):
 *   int greet(const char *name, char *out, int cap)
 * writes a NUL-terminated greeting for `name` into `out` (at most `cap` bytes,
 * truncating if needed) and returns the length of the full greeting, or -1 on
 * bad arguments.
 */
#include <stdio.h>

int greet(const char *name, char *out, int cap) {
    if (name == NULL || out == NULL || cap <= 0) {
        return -1;
    }
    return snprintf(out, (size_t) cap, "Hello, %s!", name);
}
