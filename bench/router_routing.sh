#!/usr/bin/env bash
# What routing costs pgml-router: pgbench -S through three pools of the same binary, interleaved:
#   single  - one server (pool_size 20), as in bench/router.sh
#   routed  - the same PostgreSQL listed twice, as primary and replica (pool_size 10 each):
#             load balancing (random), Query messages held whole
#   parser  - routed + query_parser_enabled + query_parser_read_write_splitting
# Prints tps and the router's CPU time per transaction (utime+stime from /proc/PID/stat).
#   bench/router_routing.sh [seconds per run, default 15] [repeats, default 2]
# Needs the local cluster and the bench user/database of bench/router.sh (run that once first).
source "$(dirname "$0")/../scripts/lib.sh"
SECS=${1:-15}
REPS=${2:-2}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/bench-routing.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

log "building pgml-router (release)"
(cd "$REPO" && cargo build --release -q -p pgml-router)
ROUTER_BIN=$CARGO_TARGET_DIR/release/pgml-router
"$REPO/scripts/cluster.sh" start
psql_pgml -d bench -tAc "SELECT 1 FROM pgbench_accounts LIMIT 1" >/dev/null 2>&1 \
    || die "no pgbench tables in database bench: run bench/router.sh once first"

config() { # NAME PORT -> config file
    local name=$1 port=$2 servers pool_size=20 extra=""
    servers="[[\"$PGML_HOST\", $PGML_PORT, \"primary\"]]"
    if [ "$name" != single ]; then
        servers="[[\"$PGML_HOST\", $PGML_PORT, \"primary\"], [\"$PGML_HOST\", $PGML_PORT, \"replica\"]]"
        pool_size=10
    fi
    [ "$name" = parser ] && extra=$'query_parser_enabled = true\nquery_parser_read_write_splitting = true'
    sed -e "s|@ROUTER_PORT@|$port|g" -e "s|@PG_HOST@|$PGML_HOST|g" -e "s|@PG_PORT@|$PGML_PORT|g" \
        -e "s|@DB@|bench|g" -e "s|@USER@|bench|g" -e "s|@PASSWORD@|bench-password|g" \
        -e "s|@THREADS@|$(nproc)|g" -e "s|pool_size = 20|pool_size = $pool_size|" \
        -e "s|^servers = .*|servers = $servers|" "$here/router/pgml-router.toml" >"$work/$name.toml"
    printf '\n%s\n' "$extra" | sed -i "/^pool_mode = /r /dev/stdin" "$work/$name.toml"
}
declare -A port pid
n=0
for name in single routed parser; do
    port[$name]=$((6460 + n)); n=$((n + 1))
    config "$name" "${port[$name]}"
    "$ROUTER_BIN" "$work/$name.toml" >"$work/$name.log" 2>&1 &
    pid[$name]=$!
    pids+=("$!")
done
sleep 1
ticks() { sed -E 's/^.*\) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
CLK_TCK=$(getconf CLK_TCK)
for clients in 10 100; do
    for rep in $(seq "$REPS"); do
        for name in single routed parser; do
            t0=$(ticks "${pid[$name]}")
            out=$(PGPASSWORD=bench-password "$PG_BIN/pgbench" -n -S -c "$clients" -j 2 -T "$SECS" \
                -h 127.0.0.1 -p "${port[$name]}" -U bench bench 2>&1) || die "pgbench failed: $out"
            t1=$(ticks "${pid[$name]}")
            tps=$(sed -nE 's/^tps = ([0-9.]+).*/\1/p' <<<"$out" | head -1)
            txns=$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' <<<"$out")
            cpu=$(awk -v a="$t0" -v b="$t1" -v n="$txns" -v hz="$CLK_TCK" 'BEGIN {printf "%.1f", (b - a) * 1e6 / hz / n}')
            printf '%-7s %4d clients  repeat %d  tps %8.0f  router CPU %5s us/txn\n' "$name" "$clients" "$rep" "$tps" "$cpu"
        done
    done
done
