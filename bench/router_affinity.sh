#!/usr/bin/env bash
# Model affinity: two clients through pgml-router, one calling pgml.embed (all-MiniLM-L6-v2) and
# one pgml.transform (SmolLM2, 4 new tokens), at the same time, through a pool of 2 server
# connections with and without model_affinity. pgbench runs (custom scripts) report each client's
# calls per second. With pgml.transformer_cache_size too small for both models (150 MB), a backend
# that serves both models reloads them in turn; with model affinity each model stays on its
# backend. Then the same with the default cache size (both models fit in every backend).
#   bench/router_affinity.sh [seconds per run, default 20]
# Needs the local cluster with pgml and the models (./dev run).
source "$(dirname "$0")/../scripts/lib.sh"
SECS=${1:-20}
(cd "$REPO" && cargo build --release -q -p pgml-router)
ROUTER_BIN=$CARGO_TARGET_DIR/release/pgml-router
"$REPO/scripts/cluster.sh" start
psql_pgml -d "$PGML_DB" -qc "CREATE EXTENSION IF NOT EXISTS pgml" || die "cannot create extension pgml in $PGML_DB"
work=$(mktemp -d /tmp/bench-affinity.XXXXXX)
ROUTER_PID=
cleanup() { [ -n "$ROUTER_PID" ] && kill "$ROUTER_PID" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
{
    printf '[general]\nhost = "127.0.0.1"\nport = %s\nadmin_username = "admin"\nadmin_password = "admin"\n' "$port"
    for mode in affine plain; do
        affinity=false
        [ "$mode" = affine ] && affinity=true
        printf '[pools.%s]\nmodel_affinity = %s\n[pools.%s.users.0]\nusername = "postgres"\npassword = "bench"\npool_size = 2\n' \
            "$mode" "$affinity" "$mode"
        printf '[pools.%s.shards.0]\ndatabase = "%s"\nservers = [["%s", %s, "primary"]]\n' "$mode" "$PGML_DB" "$PGML_HOST" "$PGML_PORT"
    done
} >"$work/router.toml"
"$ROUTER_BIN" "$work/router.toml" >"$work/router.log" 2>&1 &
ROUTER_PID=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
echo "SELECT pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'hello world');" >"$work/embed.sql"
cat >"$work/generate.sql" <<'SQL'
SELECT pgml.transform(task => '{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}'::jsonb, inputs => ARRAY['Hi'], args => '{"max_new_tokens": 4}'::jsonb);
SQL
tps() { sed -nE 's/^tps = ([0-9.]+).*/\1/p' "$1" | head -1; }
for cache in 150 8192; do
    for mode in plain affine; do
        # A fresh pair of backends for each run: RECONNECT closes the pool's connections.
        PGPASSWORD=admin "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U admin -d pgml-router -c "RECONNECT $mode" >/dev/null
        runs=()
        for script in embed generate; do
            PGOPTIONS="-c pgml.transformer_cache_size=$cache" PGPASSWORD=bench "$PG_BIN/pgbench" -n -f "$work/$script.sql" \
                -c 1 -j 1 -T "$SECS" -h 127.0.0.1 -p "$port" -U postgres "$mode" >"$work/$script.out" 2>&1 &
            runs+=("$!")
        done
        wait "${runs[@]}"
        printf 'cache %5s MB  %-6s  embed %7.1f calls/s  generate %6.1f calls/s\n' "$cache" "$mode" \
            "$(tps "$work/embed.out")" "$(tps "$work/generate.out")"
    done
done
