/*
 * Example stateful plugin: a counter held in the library's own memory.
 *
 * ABI (kept stable, the example server calls it):
 *   long counter_next(void)   increments the counter and returns the new value
 *   long counter_get(void)    returns the counter
 *   void counter_set(long v)  sets the counter (used to restore state after a reload)
 *
 * The counter is a plain global: each loaded copy of the library has its own,
 * which is why the host moves it across reloads with a StateSnapshot.
 */
#include <stdatomic.h>

static atomic_long counter;

long counter_next(void) {
    return atomic_fetch_add(&counter, 1) + 1;
}

long counter_get(void) {
    return atomic_load(&counter);
}

void counter_set(long value) {
    atomic_store(&counter, value);
}
