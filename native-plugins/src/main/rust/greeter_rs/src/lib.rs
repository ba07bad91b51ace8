//! Example stateless plugin in Rust: builds a greeting.
//!
//! ABI (the same as `src/main/c/greeter.c`, kept stable, the example server calls it):
//!   `int greet(const char *name, char *out, int cap)`
//! writes a NUL-terminated greeting for `name` into `out` (at most `cap` bytes, truncating if
//! needed) and returns the length of the full greeting, or -1 on bad arguments.
//!
//! What makes it safe to hot-reload: the export is `#[no_mangle] pub extern "C"`; no panic can
//! cross the C boundary (`catch_unwind`); and it keeps no `thread_local!` with a destructor, which
//! would pin the library in memory after the host unloads it.

use std::ffi::{c_char, c_int, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

const GREETING: &[u8] = b"Hello, ";

/// # Safety
///
/// `name` must be NUL-terminated and `out` must have room for `cap` bytes, as in C.
#[no_mangle]
pub unsafe extern "C" fn greet(name: *const c_char, out: *mut c_char, cap: c_int) -> c_int {
    if name.is_null() || out.is_null() || cap <= 0 {
        return -1;
    }
    // A panic must not unwind into the JVM: catch it and report it as a failure.
    catch_unwind(AssertUnwindSafe(|| {
        let name = CStr::from_ptr(name).to_bytes();
        let mut greeting = Vec::with_capacity(GREETING.len() + name.len() + 1);
        greeting.extend_from_slice(GREETING);
        greeting.extend_from_slice(name);
        greeting.push(b'!');
        let written = greeting.len().min(cap as usize - 1);
        std::ptr::copy_nonoverlapping(greeting.as_ptr(), out.cast::<u8>(), written);
        *out.add(written) = 0;
        c_int::try_from(greeting.len()).unwrap_or(-1)
    }))
    .unwrap_or(-1)
}
