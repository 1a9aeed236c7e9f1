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
# multitenant-axum builds cleanly with each integration alone, and an app on sqlx alone
# compiles no SeaORM.
for features in "" sqlx sea-orm openapi sqlx,sea-orm; do
    echo "multitenant-axum, features [$features]"
    cargo clippy -p multitenant-axum --no-default-features --features "$features" --all-targets --locked -- -D warnings
done
sqlx_only=$(cargo tree -p multitenant-axum --no-default-features --features sqlx -e normal --prefix none --locked)
if grep -q '^sea-orm ' <<<"$sqlx_only"; then
    echo "multitenant-axum with only the sqlx feature depends on sea-orm" >&2
    exit 1
fi
cargo test --workspace --locked
