//! Structure-aware: a seed statement of the corpus edited token by token (insertions from a
//! vocabulary of SQL and schema names, deletions, copies, splices from other seeds). The scoper
//! never panics, and whatever it returns passes the independent check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use multitenant_fuzz::Mutation;

fuzz_target!(|mutation: Mutation| {
    multitenant_fuzz::exercise(&mutation.apply());
});
