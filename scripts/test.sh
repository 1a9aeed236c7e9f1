#!/usr/bin/env bash
# Runs every check and test of the workspace against the PostgreSQL at DATABASE_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The API documentation builds without warnings (broken links, bad code blocks).
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
cargo test --workspace --locked
