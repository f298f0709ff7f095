# Shared settings and helpers for the scripts in this folder. Source it; don't run it.
# Every setting can be overridden from the environment.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export REPO

# Caches live outside the checkout, so a fresh clone on the same machine (CI) starts warm.
PGML_CACHE=${PGML_CACHE:-/var/cache/pgml}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PGML_CACHE/target}
export PGML_MODEL_DIR=${PGML_MODEL_DIR:-$PGML_CACHE/models}
# One set of compiler flags for every build: cargo-pgrx adds `-Wl,--no-gc-sections` through
# --config, which RUSTFLAGS overrides, so with both here the pure crates' tests, clippy and the
# extension share one compile of llama.cpp and candle. target-cpu=native as in .cargo/config.toml.
export RUSTFLAGS=${RUSTFLAGS:-"-C target-cpu=native -C link-arg=-Wl,--no-gc-sections"}
PGML_WHEELS=${PGML_WHEELS:-$PGML_CACHE/wheels}
# Native ML libraries (crates/pgml-boost), both put in place by prereqs.sh: XGBoost's C++ sources
# for its static build, and a CMake new enough for LightGBM (>= 3.28; bookworm has 3.25) from
# PyPI in a venv. The cmake crate of every -sys build script honours CMAKE.
export PGML_XGBOOST_SRC=${PGML_XGBOOST_SRC:-$PGML_CACHE/src/xgboost-3.4.1}
export CMAKE=${CMAKE:-$PGML_CACHE/cmake-venv/bin/cmake}
# XGBoost's two static archives, built once per source/compiler/options and shared by every
# profile, cargo command and target directory (crates/pgml-boost/build.rs).
export PGML_NATIVE_CACHE=${PGML_NATIVE_CACHE:-$PGML_CACHE/native}

PG_MAJOR=15
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
PG_CONFIG=$PG_BIN/pg_config
PGML_HOST=127.0.0.1
PGML_PORT=${PGML_PORT:-5433}
PGML_DB=${PGML_DB:-pgml}
PGML_SOCKET_DIR=/var/run/postgresql
CARGO_PGRX_VERSION=0.18.1
PGRX_HOME=${PGRX_HOME:-$HOME/.pgrx}

# A panic's backtrace in every ERROR's DETAIL helps nobody in production; see BUILD-NOTES.
unset RUST_BACKTRACE

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Run a command as the postgres OS user (initdb and the postmaster refuse root), from a
# directory it can read.
as_postgres() { (cd / && runuser -u postgres -- env -u RUST_BACKTRACE "$@"); }

# Where the project-local cluster lives: inside the checkout (git-ignored) when the postgres
# user can reach it, otherwise under /var/lib/pgml (a checkout under /root usually is not
# traversable by other users).
pgml_home() {
    if [ -n "${PGML_HOME:-}" ]; then
        echo "$PGML_HOME"
    elif id postgres >/dev/null 2>&1 && runuser -u postgres -- test -x "$REPO" 2>/dev/null; then
        echo "$REPO/.pgml"
    else
        echo "/var/lib/pgml/cluster-$(printf '%s' "$REPO" | sha1sum | cut -c1-12)"
    fi
}

psql_pgml() {
    "$PG_BIN/psql" -X -h "$PGML_HOST" -p "$PGML_PORT" -U postgres "$@"
}
