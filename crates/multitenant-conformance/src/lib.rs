//! (Not published.) The contract every driver adapter of `multitenant` follows, as one test
//! matrix: every key kind (`bigint`, `integer`, `uuid`, `text`) times every scope (one tenant, a
//! set, an empty set, unscoped, none) through every adapter, against a real PostgreSQL. The
//! matrix is in `tests/matrix.rs`; an adapter joins it by implementing its `Adapter` trait
//! there.
