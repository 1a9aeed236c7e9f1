#!/usr/bin/env bash
# Installs what building and testing needs on a Debian machine, and makes sure PostgreSQL
# answers at DATABASE_URL. Safe to run repeatedly; installs nothing that is already there.
set -euo pipefail

export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}

need_apt=()
# pg_query's build generates bindings with libclang.
if ! ls /usr/lib/llvm-*/lib/libclang.so* >/dev/null 2>&1 && ! ldconfig -p 2>/dev/null | grep -q 'libclang\.so'; then
    need_apt+=(libclang1-14 libclang-14-dev)
fi
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
command -v psql >/dev/null 2>&1 || need_apt+=(postgresql-client)
if [[ ${MULTITENANT_BROWSER_TESTS:-1} == 1 ]]; then
    command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
    command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
fi

if ((${#need_apt[@]})); then
    if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing ${need_apt[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
    else
        echo "setup: missing packages; install them with: sudo apt-get install ${need_apt[*]}" >&2
        exit 1
    fi
fi

if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: cargo not found; install Rust 1.94 or newer (rustup)" >&2
    exit 1
fi

# PostgreSQL: start the local cluster when it does not answer and we are allowed to.
if ! pg_isready -q -d "$DATABASE_URL" 2>/dev/null; then
    if command -v pg_ctlcluster >/dev/null 2>&1 && [[ $EUID -eq 0 ]]; then
        version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
        [[ -n $version ]] && pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    fi
    for _ in $(seq 1 30); do
        pg_isready -q -d "$DATABASE_URL" 2>/dev/null && break
        sleep 1
    done
    if ! pg_isready -q -d "$DATABASE_URL" 2>/dev/null; then
        echo "setup: PostgreSQL does not answer at $DATABASE_URL; start it or set DATABASE_URL" >&2
        exit 1
    fi
fi
