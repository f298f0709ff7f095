#!/usr/bin/env bash
# pgml-router's model affinity with the real extension and the real models: one client calls
# pgml.embed (all-MiniLM-L6-v2) and pgml.transform (SmolLM2) in turn through a pool of two server
# connections. With model_affinity each model stays on its own backend (each call sees exactly one
# model in that backend's pgml.cached_models()); the same calls through a pool without it are
# reported for contrast. Needs the local cluster with pgml installed (scripts/cluster.sh start).
source "$(dirname "$0")/../../scripts/lib.sh"
(cd "$REPO" && cargo build --release -q -p pgml-router)
psql_pgml -d "$PGML_DB" -qc "CREATE EXTENSION IF NOT EXISTS pgml" || die "cannot create extension pgml in $PGML_DB"
ROUTER_BIN=$CARGO_TARGET_DIR/release/pgml-router
work=$(mktemp -d /tmp/router-affinity.XXXXXX)
ROUTER_PID=
cleanup() { [ -n "$ROUTER_PID" ] && kill "$ROUTER_PID" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pool() { # NAME AFFINITY
    cat <<TOML
[pools.$1]
pool_mode = "transaction"
model_affinity = $2
[pools.$1.users.0]
username = "postgres"
password = "router-test"
pool_size = 2
[pools.$1.shards.0]
database = "$PGML_DB"
servers = [["$PGML_HOST", $PGML_PORT, "primary"]]
TOML
}
{
    printf '[general]\nhost = "127.0.0.1"\nport = %s\nadmin_username = "admin"\nadmin_password = "admin"\n' "$port"
    printf 'enable_prometheus_exporter = false\n'
    pool affine true
    pool plain false
} >"$work/router.toml"
"$ROUTER_BIN" "$work/router.toml" >"$work/router.log" 2>&1 &
ROUTER_PID=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

# One Query message each: the model call, then (on the same backend, after it) what that
# backend's cache holds.
cache="SELECT pg_backend_pid(), (SELECT string_agg(kind, ',' ORDER BY kind) FROM pgml.cached_models())"
embed="SELECT pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'hello') IS NOT NULL; $cache, 'embed'"
generate="SELECT pgml.transform(task => '{\"task\": \"text-generation\", \"model\": \"HuggingFaceTB/SmolLM2-135M-Instruct\"}'::jsonb,
          inputs => ARRAY['Hi'], args => '{\"max_new_tokens\": 1}'::jsonb) IS NOT NULL; $cache, 'generate'"
calls() { # DATABASE -> "function pid models" lines
    local args=()
    for _ in 1 2 3 4; do args+=(-c "$embed" -c "$generate"); done
    PGPASSWORD=router-test "$PG_BIN/psql" -X -At -F ' ' -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" \
        -U postgres -d "$1" "${args[@]}"
}
affine=$(calls affine) || die "calls through the model_affinity pool failed: $(tail -5 "$work/router.log")"
plain=$(calls plain) || die "calls through the plain pool failed"
echo "$affine" | sed 's/^/  affinity: /'
echo "$plain" | sed 's/^/  plain:    /'

embed_pids=$(awk '$3 == "embed" {print $1}' <<<"$affine" | sort -u)
generate_pids=$(awk '$3 == "generate" {print $1}' <<<"$affine" | sort -u)
[ "$(wc -l <<<"$embed_pids")" = 1 ] || die "model_affinity: embed ran on several backends: $embed_pids"
[ "$(wc -l <<<"$generate_pids")" = 1 ] || die "model_affinity: generation ran on several backends: $generate_pids"
[ "$embed_pids" != "$generate_pids" ] || die "model_affinity: both models on backend $embed_pids"
# Each backend holds exactly its own model after each call.
bad=$(awk '($3 == "embed" && $2 != "embedding") || ($3 == "generate" && $2 != "text-generation")' <<<"$affine")
[ -z "$bad" ] || die "model_affinity: a backend held another model too: $bad"
log "model affinity: embed on backend $embed_pids, generation on backend $generate_pids, one model each"
