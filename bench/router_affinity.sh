#!/usr/bin/env bash
# Model affinity: pgml.embed (all-MiniLM-L6-v2) and pgml.transform (SmolLM2, 4 new tokens) through
# a pool of 2 server connections, with and without model_affinity, pgbench custom scripts: one
# client calling both models in random order, then two clients at once, one per model. With
# pgml.transformer_cache_size too small for both models (150 MB), a backend that serves both
# reloads them in turn; then the same with the default cache size (both fit in every backend).
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
reconnect() { # fresh backends for each run: RECONNECT closes the pool's connections
    PGPASSWORD=admin "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U admin -d pgml-router -c "RECONNECT $1" >/dev/null 2>&1
}
bench() { # POOL CACHE_MB OUT SCRIPT...
    local pool=$1 cache=$2 out=$3 args=()
    shift 3
    for script in "$@"; do args+=(-f "$work/$script.sql"); done
    PGOPTIONS="-c pgml.transformer_cache_size=$cache" PGPASSWORD=bench "$PG_BIN/pgbench" -n "${args[@]}" \
        -c 1 -j 1 -T "$SECS" -h 127.0.0.1 -p "$port" -U postgres "$pool" >"$out" 2>&1
}
for cache in 150 8192; do
    for mode in plain affine; do
        # One client calling both models in random order.
        reconnect "$mode"
        bench "$mode" "$cache" "$work/mixed.out" embed generate
        # Two clients at once, one per model.
        reconnect "$mode"
        bench "$mode" "$cache" "$work/embed.out" embed &
        e=$!
        bench "$mode" "$cache" "$work/generate.out" generate &
        g=$!
        wait "$e" "$g"
        printf 'cache %5s MB  %-6s  one client, both models %6.1f calls/s   two clients: embed %6.1f, generate %5.1f calls/s\n' \
            "$cache" "$mode" "$(tps "$work/mixed.out")" "$(tps "$work/embed.out")" "$(tps "$work/generate.out")"
    done
done
