/*
 * The benchmark plugin. Built once per BUILD number (make variants), so every
 * republished copy has different bytes and a version() that tells it apart.
 *
 *   int add(int a, int b)            the trivial call the call benchmarks time
 *   int version(void)                BUILD
 *   long counter_next(void)          a counter kept inside the 1 KiB state
 *   void state_get(char *out)        copies the 1 KiB state out (StateSnapshot.capture)
 *   void state_set(const char *in)   copies it in (StateSnapshot.restore)
 */
#include <string.h>

#ifndef BUILD
#define BUILD 0
#endif

#define STATE_BYTES 1024

static union {
    char bytes[STATE_BYTES];
    long counter;
} state;

int add(int a, int b) { return a + b; }

int version(void) { return BUILD; }

long counter_next(void) { return __atomic_add_fetch(&state.counter, 1, __ATOMIC_SEQ_CST); }

void state_get(char *out) { memcpy(out, state.bytes, STATE_BYTES); }

void state_set(const char *in) { memcpy(state.bytes, in, STATE_BYTES); }
