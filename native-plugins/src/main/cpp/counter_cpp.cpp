/*
 * Example stateful plugin in C++: the counter of src/main/c/counter.c, same ABI.
 *
 * ABI (kept stable, callers bind it by these names):
 *   long counter_next(void)   increments the counter and returns the new value
 *   long counter_get(void)    returns the counter
 *   void counter_set(long v)  sets the counter (used to restore state after a reload)
 *
 * What makes it safe to hot-reload:
 *  - the exports are extern "C" (no name mangling) and noexcept: an exception that reached the
 *    JVM would terminate the process, so none may leave;
 *  - the state is a namespace-scope object, built with -fno-gnu-unique (see the Makefile): a
 *    static local of an inline function or a template static would otherwise be an
 *    STB_GNU_UNIQUE symbol, which glibc never unloads;
 *  - no thread_local with a destructor: it would keep the library mapped while any thread that
 *    called it lives;
 *  - the host moves the state across reloads with counter_get / counter_set (a StateSnapshot).
 */
#include <atomic>

namespace {

class Counter {
 public:
  long next() noexcept { return value_.fetch_add(1) + 1; }
  long get() const noexcept { return value_.load(); }
  void set(long value) noexcept { value_.store(value); }

 private:
  std::atomic<long> value_{0};
};

Counter counter;

}  // namespace

extern "C" {

long counter_next(void) noexcept { return counter.next(); }

long counter_get(void) noexcept { return counter.get(); }

void counter_set(long value) noexcept { counter.set(value); }

}
