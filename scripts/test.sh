#!/usr/bin/env bash
# Command 2: every test. .ci/run calls exactly this (with CI=true).
source "$(dirname "$0")/lib.sh"
passed=0
step() {
    log "$1"
    shift
    "$@"
    passed=$((passed + 1))
}
on_exit() {
    local rc=$?
    [ "$rc" = 0 ] || echo "checks: $passed passed, 1 failed (exit $rc)" >&2
}
trap on_exit EXIT

"$REPO/scripts/prereqs.sh"
cd "$REPO"
step "cargo fmt --check" cargo fmt --all -- --check
# Release profile throughout: llama.cpp and candle compile once for clippy, the tests, the
# in-backend tests and the installed extension, and the model tests run at real speed.
step "cargo clippy (-D warnings)" cargo clippy --release --workspace --all-targets --quiet -- -D warnings
step "unit tests of the pure crates" cargo test --release --workspace --exclude pgml --quiet

# In-backend tests: initdb refuses root, so the test cluster runs as postgres. Release
# profile, so the install below reuses the compiled dependencies.
pgrx_data=$PGML_CACHE/pgrx-test-data
mkdir -p "$pgrx_data" && chown postgres:postgres "$pgrx_data"
# Without our RUSTFLAGS: the test binary must link with --gc-sections (it references PostgreSQL
# symbols it never calls), and cargo-pgrx adds --no-gc-sections only to its own cdylib builds;
# .cargo/config.toml still gives target-cpu=native.
step "cargo pgrx test (in-backend tests)" \
    env -u RUSTFLAGS bash -c "cd crates/pgml && cargo pgrx test pg$PG_MAJOR --release --runas postgres --pgdata '$pgrx_data'"

# cargo pgrx test leaves its test build installed; put the release build back.
step "install the release build" "$REPO/scripts/install-extension.sh"
step "start the local cluster" "$REPO/scripts/cluster.sh" start

run_regress() {
    "$REPO/scripts/regress.sh" || {
        cat "$REPO/tests/sql/regression.diffs" >&2 2>/dev/null || true
        return 1
    }
}
step "SQL golden-file tests (pg_regress)" run_regress
step "pgml-router model affinity with the real models" "$REPO/tests/router/model_affinity.sh"

echo "checks: $passed passed, 0 failed"
