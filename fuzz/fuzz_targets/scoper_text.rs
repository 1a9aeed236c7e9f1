//! Arbitrary bytes as SQL text: the scoper never panics, never hangs, and whatever it returns
//! passes the independent check.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sql) = std::str::from_utf8(data) {
        multitenant_fuzz::exercise(sql);
    }
});
