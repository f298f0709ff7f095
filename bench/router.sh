#!/usr/bin/env bash
# Pooler benchmark: pgbench -S (select-only) against the local cluster (./dev run first), three
# ways in the same run, interleaved per repeat: direct, PgBouncer (Debian package) and pgml-router.
# Both poolers: transaction mode, 20 server connections, md5 client auth (user bench).
# Rows: 10, 100, 1000 clients (simple protocol) and 100 clients -M extended. Medians over repeats of
# tps, p50/p99 latency (from pgbench's per-transaction logs) and the pooler's CPU time per
# transaction (utime+stime from /proc/PID/stat, threads included, / transactions pgbench counted).
# Then 5,000 idle authenticated clients: each pooler's RSS before, with them, and after they leave.
#   bench/router.sh [seconds per run, default 20] [repeats, default 3]
# Environment: JOBS (pgbench -j, default 2), ROUTER_THREADS (worker_threads, default nproc),
# IDLE_CLIENTS (default 5000; 0 skips the memory test), SKIP_DIRECT_1000=1 (no direct run at 1000
# clients, and max_connections is left alone), PGB_PORT / ROUTER_PORT (defaults 6441 / 6442),
# WAIT_QUIET=1 (first wait, up to 10 min, until no cargo/rustc process runs).
# Run as root. Raises the cluster's max_connections to 1100 (ALTER SYSTEM + restart) if it is lower.
source "$(dirname "$0")/../scripts/lib.sh"
SECONDS_PER_RUN=${1:-20}
REPEATS=${2:-3}
JOBS=${JOBS:-2}
ROUTER_THREADS=${ROUTER_THREADS:-$(nproc)}
IDLE_CLIENTS=${IDLE_CLIENTS:-5000}
SKIP_DIRECT_1000=${SKIP_DIRECT_1000:-0}
PGB_PORT=${PGB_PORT:-6441}
ROUTER_PORT=${ROUTER_PORT:-6442}
BENCH_USER=bench
BENCH_PASSWORD=bench-password
BENCH_DB=bench
here=$(cd "$(dirname "$0")" && pwd)

[ "$(id -u)" = 0 ] || die "run as root (pgbouncer is started as the postgres user)"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -ge 8000 ] || die "ulimit -n is $(ulimit -n); 1000 pgbench clients and $IDLE_CLIENTS idle clients need more"

work=$(mktemp -d /tmp/bench-router.XXXXXX)
chmod 755 "$work"
chown postgres:postgres "$work"
ROUTER_PID=
PGB_PID=
cleanup() {
    [ -n "$ROUTER_PID" ] && kill "$ROUTER_PID" 2>/dev/null || true
    [ -n "$PGB_PID" ] && kill "$PGB_PID" 2>/dev/null || true
    sleep 0.5
    rm -rf "$work"
}
trap cleanup EXIT

# --- setup -------------------------------------------------------------------------------
if ! command -v pgbouncer >/dev/null; then
    log "installing pgbouncer"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y pgbouncer >/dev/null
fi
log "building pgml-router (release)"
(cd "$REPO" && cargo build --release -q -p pgml-router)
ROUTER_BIN=$CARGO_TARGET_DIR/release/pgml-router
[ -x "$ROUTER_BIN" ] || die "no $ROUTER_BIN"

"$REPO/scripts/cluster.sh" start
if [ "$SKIP_DIRECT_1000" != 1 ] && [ "$(psql_pgml -d postgres -tAc 'SHOW max_connections')" -lt 1100 ]; then
    log "raising max_connections to 1100 for the direct 1000-client run (restarts the cluster)"
    psql_pgml -d postgres -qc "ALTER SYSTEM SET max_connections = 1100"
    "$REPO/scripts/cluster.sh" stop
    "$REPO/scripts/cluster.sh" start
fi

psql_pgml -d postgres -v ON_ERROR_STOP=1 -q <<SQL
SELECT 'CREATE ROLE $BENCH_USER LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$BENCH_USER')
\gexec
ALTER ROLE $BENCH_USER PASSWORD '$BENCH_PASSWORD';
SELECT 'CREATE DATABASE $BENCH_DB OWNER $BENCH_USER' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$BENCH_DB')
\gexec
SQL
if [ "$(psql_pgml -d "$BENCH_DB" -tAc "SELECT count(*) FROM pgbench_accounts" 2>/dev/null || echo 0)" != 1000000 ]; then
    log "pgbench -i -s 10 in database $BENCH_DB"
    "$PG_BIN/pgbench" -i -q -s 10 -h "$PGML_HOST" -p "$PGML_PORT" -U "$BENCH_USER" "$BENCH_DB" >"$work/init.log" 2>&1 \
        || { cat "$work/init.log" >&2; die "pgbench -i failed"; }
fi

# --- poolers -----------------------------------------------------------------------------
sub() { sed -e "s|@WORK@|$work|g" -e "s|@PGB_PORT@|$PGB_PORT|g" -e "s|@ROUTER_PORT@|$ROUTER_PORT|g" \
    -e "s|@PG_HOST@|$PGML_HOST|g" -e "s|@PG_PORT@|$PGML_PORT|g" -e "s|@DB@|$BENCH_DB|g" \
    -e "s|@USER@|$BENCH_USER|g" -e "s|@PASSWORD@|$BENCH_PASSWORD|g" -e "s|@THREADS@|$ROUTER_THREADS|g" "$1"; }
sub "$here/router/pgbouncer.ini" >"$work/pgbouncer.ini"
printf '"%s" "md5%s"\n' "$BENCH_USER" "$(printf '%s%s' "$BENCH_PASSWORD" "$BENCH_USER" | md5sum | cut -d' ' -f1)" \
    >"$work/userlist.txt"
sub "$here/router/pgml-router.toml" >"$work/pgml-router.toml"
chown postgres:postgres "$work"/*

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { for _ in $(seq 100); do port_free "$1" || return 0; sleep 0.1; done; return 1; }
port_free "$PGB_PORT" || die "port $PGB_PORT is in use; set PGB_PORT"
port_free "$ROUTER_PORT" || die "port $ROUTER_PORT is in use; set ROUTER_PORT"

log "starting pgbouncer on $PGB_PORT and pgml-router on $ROUTER_PORT ($ROUTER_THREADS worker threads)"
(cd / && runuser -u postgres -- sh -c "ulimit -n $(ulimit -n); exec pgbouncer -d -q '$work/pgbouncer.ini'")
wait_port "$PGB_PORT" || die "pgbouncer did not start: $(tail -5 "$work/pgbouncer.log")"
PGB_PID=$(cat "$work/pgbouncer.pid")
"$ROUTER_BIN" "$work/pgml-router.toml" >"$work/router.log" 2>&1 &
ROUTER_PID=$!
wait_port "$ROUTER_PORT" || die "pgml-router did not start: $(tail -5 "$work/router.log")"

# --- measurement -------------------------------------------------------------------------
ticks() { # PID -> utime+stime in clock ticks (fields 14 and 15; the comm field may hold spaces)
    sed -E 's/^.*\) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
CLK_TCK=$(getconf CLK_TCK)
port_of() { case $1 in direct) echo "$PGML_PORT" ;; pgbouncer) echo "$PGB_PORT" ;; router) echo "$ROUTER_PORT" ;; esac; }
pid_of() { case $1 in pgbouncer) echo "$PGB_PID" ;; router) echo "$ROUTER_PID" ;; *) echo "" ;; esac; }

# run TARGET CLIENTS MODE SECONDS -> appends "tps p50_ms p99_ms cpu_us_per_txn failed_txns aborted_clients"
# to $work/res.TARGET.CLIENTS.MODE; pgbench's errors go to $work/errors.
run() {
    local target=$1 clients=$2 mode=$3 secs=$4 port pid t0 t1
    port=$(port_of "$target")
    pid=$(pid_of "$target")
    rm -f "$work"/txlog.*
    [ -n "$pid" ] && t0=$(ticks "$pid")
    PGPASSWORD=$BENCH_PASSWORD "$PG_BIN/pgbench" -n -S -M "$mode" -c "$clients" -j "$JOBS" -T "$secs" \
        -h "$PGML_HOST" -p "$port" -U "$BENCH_USER" --log --log-prefix="$work/txlog" "$BENCH_DB" \
        >"$work/out" 2>"$work/err" || true
    [ -n "$pid" ] && t1=$(ticks "$pid")
    local tps txns failed aborted
    tps=$(sed -nE 's/^tps = ([0-9.]+).*/\1/p' "$work/out" | head -1)
    txns=$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' "$work/out")
    failed=$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' "$work/out")
    aborted=$(grep -c 'aborted' "$work/err" || true)
    errlines=$(grep -c 'error' "$work/err" || true)
    if [ -s "$work/err" ]; then
        {
            echo "--- $target, $clients clients, -M $mode: pgbench stderr ($(wc -l <"$work/err") lines; first 5, then distinct messages)"
            head -5 "$work/err"
            sed -E 's/client [0-9]+/client N/; s/[0-9]+ ms/X ms/' "$work/err" | sort | uniq -c | sort -rn | head -8
            grep -E '^(number of|tps|pgbench: error)' "$work/out" || true
        } >>"$work/errors"
    fi
    [ -n "$tps" ] || tps=0
    [ -n "$txns" ] || txns=0
    # Per-transaction log: 3rd field is the latency in microseconds ("failed" for failures).
    local pcts
    pcts=$(cat "$work"/txlog.* 2>/dev/null | awk '$3 ~ /^[0-9]+$/ {print $3}' | sort -n | awk '
        {a[NR] = $1} END { if (NR == 0) { print "nan nan"; exit }
        printf "%.3f %.3f\n", a[int(NR * 0.50) + 1] / 1000, a[(int(NR * 0.99) + 1 > NR ? NR : int(NR * 0.99) + 1)] / 1000 }')
    local cpu=nan
    if [ -n "$pid" ] && [ "$txns" -gt 0 ]; then
        cpu=$(awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$txns" 'BEGIN {printf "%.1f", d / hz / n * 1e6}')
    fi
    echo "$tps $pcts $cpu ${failed:-0} $aborted $errlines" >>"$work/res.$target.$clients.$mode"
    rm -f "$work"/txlog.*
}

median() { awk '$1 != "nan"' | sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "nan"; else print a[int((NR + 1) / 2)]}'; }
col() { awk -v c="$2" '{print $c}' "$work/res.$1"; } # FILE-SUFFIX COLUMN
med() { col "$1" "$2" | median; }
sum() { col "$1" "$2" | awk '{s += $1} END {print s + 0}'; }

rows=("10 simple" "100 simple" "1000 simple" "100 extended")
targets() { # CLIENTS
    if [ "$1" = 1000 ] && [ "$SKIP_DIRECT_1000" = 1 ]; then echo "pgbouncer router"; else echo "direct pgbouncer router"; fi
}

if [ "${WAIT_QUIET:-1}" = 1 ]; then
    for i in $(seq 40); do
        busy=$( (pgrep -x cargo || true; pgrep rustc || true) | wc -l)
        [ "$busy" = 0 ] && break
        [ "$i" = 40 ] && { log "cargo/rustc still running after 10 min; measuring anyway (figures disturbed)"; break; }
        log "waiting for a quiet machine ($busy cargo/rustc processes)"
        sleep 15
    done
fi
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" >"$work/load"

log "warm-up (3 s each)"
for t in direct pgbouncer router; do run "$t" 100 simple 3; done
rm -f "$work"/res.* "$work/errors"

for rep in $(seq "$REPEATS"); do
    for row in "${rows[@]}"; do
        read -r clients mode <<<"$row"
        for t in $(targets "$clients"); do
            log "repeat $rep/$REPEATS: $clients clients, -M $mode, $t"
            run "$t" "$clients" "$mode" "$SECONDS_PER_RUN"
            tail -1 "$work/res.$t.$clients.$mode" | awk '{printf "    tps %s  p50 %s ms  p99 %s ms  cpu/txn %s us  failed %s  aborted clients %s  pgbench error lines %s\n", $1, $2, $3, $4, $5, $6, $7}' >&2
        done
    done
done

# --- idle clients: memory ----------------------------------------------------------------
declare -A MEM
idle_test() { # TARGET -> MEM[TARGET]="before with after connected failed error"
    local t=$1 pid port
    pid=$(pid_of "$t")
    port=$(port_of "$t")
    rm -f "$work/ready" "$work/release"
    local before with after
    before=$(rss_kib "$pid")
    python3 "$here/router/idle_clients.py" "$PGML_HOST" "$port" "$BENCH_USER" "$BENCH_PASSWORD" "$BENCH_DB" \
        "$IDLE_CLIENTS" "$work/ready" "$work/release" 2>"$work/idle.err" &
    local py=$!
    for _ in $(seq 1200); do [ -f "$work/ready" ] || ! kill -0 "$py" 2>/dev/null && break; sleep 0.1; done
    sleep 1
    with=$(rss_kib "$pid")
    touch "$work/release"
    wait "$py" || true
    sleep 3
    after=$(rss_kib "$pid")
    local status="0 $IDLE_CLIENTS python-failed:$(tail -1 "$work/idle.err" 2>/dev/null | tr ' ' '_')"
    [ -f "$work/ready" ] && status=$(cat "$work/ready")
    MEM[$t]="$before $with $after $status"
}
if [ "$IDLE_CLIENTS" -gt 0 ]; then
    for t in pgbouncer router; do
        log "$IDLE_CLIENTS idle clients: $t"
        idle_test "$t"
        echo "    ${MEM[$t]}" >&2
    done
fi

# --- report ------------------------------------------------------------------------------
echo
echo "## Poolers: \`pgbench -S\`, transaction mode, pool of 20 server connections"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB; PostgreSQL $(psql_pgml -d postgres -tAc 'SHOW server_version' | cut -d' ' -f1),"
echo "$(pgbouncer --version | head -1), pgml-router $("$ROUTER_BIN" --version 2>/dev/null | awk '{print $NF}') ($ROUTER_THREADS worker threads);"
echo "${SECONDS_PER_RUN}-s runs, $REPEATS repeats interleaved direct/PgBouncer/router, medians; pgbench -j $JOBS, md5 client auth for both poolers"
echo "(direct: the cluster's own auth, trust on loopback). $(cat "$work/load"); at end: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| clients | direct tps | PgBouncer tps | router tps | router/PgBouncer tps | p50 ms direct / PgBouncer / router | p99 ms direct / PgBouncer / router | CPU/txn PgBouncer / router | router/PgBouncer CPU/txn |"
echo "|---:|---:|---:|---:|---:|---|---|---|---:|"
for row in "${rows[@]}"; do
    read -r clients mode <<<"$row"
    label=$clients
    [ "$mode" = simple ] || label="$clients, \`-M $mode\`"
    declare -A tps=() p50=() p99=() cpu=()
    for t in direct pgbouncer router; do
        if [ -f "$work/res.$t.$clients.$mode" ]; then
            tps[$t]=$(med "$t.$clients.$mode" 1)
            p50[$t]=$(med "$t.$clients.$mode" 2)
            p99[$t]=$(med "$t.$clients.$mode" 3)
            cpu[$t]=$(med "$t.$clients.$mode" 4)
        else
            tps[$t]=skipped p50[$t]=- p99[$t]=- cpu[$t]=-
        fi
    done
    fmt() { awk -v v="$1" 'BEGIN { if (v ~ /^[0-9.]+$/) printf "%.0f", v; else printf "%s", v }' | sed -E ':a; s/([0-9])([0-9]{3})($|,)/\1,\2\3/; ta'; }
    ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2fx", a / b; else printf "-" }'; }
    echo "| $label | $(fmt "${tps[direct]}") | $(fmt "${tps[pgbouncer]}") | $(fmt "${tps[router]}") | $(ratio "${tps[router]}" "${tps[pgbouncer]}") | ${p50[direct]} / ${p50[pgbouncer]} / ${p50[router]} | ${p99[direct]} / ${p99[pgbouncer]} / ${p99[router]} | ${cpu[pgbouncer]} µs / ${cpu[router]} µs | $(ratio "${cpu[router]}" "${cpu[pgbouncer]}") |"
done
echo
echo "Errors (summed over repeats; failed transactions / clients aborted / pgbench stderr lines with 'error'):"
for row in "${rows[@]}"; do
    read -r clients mode <<<"$row"
    line="- $clients clients -M $mode:"
    for t in direct pgbouncer router; do
        [ -f "$work/res.$t.$clients.$mode" ] || continue
        line="$line $t $(sum "$t.$clients.$mode" 5) / $(sum "$t.$clients.$mode" 6) / $(sum "$t.$clients.$mode" 7);"
    done
    echo "$line"
done
echo
echo "Per-run figures (tps p50_ms p99_ms cpu_us/txn failed aborted errlines):"
for row in "${rows[@]}"; do
    read -r clients mode <<<"$row"
    for t in direct pgbouncer router; do
        [ -f "$work/res.$t.$clients.$mode" ] && echo "- $clients $mode $t: $(paste -sd'|' "$work/res.$t.$clients.$mode" | sed 's/|/ | /g')"
    done
done
if [ "$IDLE_CLIENTS" -gt 0 ]; then
    echo
    echo "## $IDLE_CLIENTS idle authenticated clients (startup + md5 done, then idle): pooler RSS"
    echo
    echo "| pooler | RSS before | with clients | after they left | per client | connected / failed |"
    echo "|---|---:|---:|---:|---:|---|"
    for t in pgbouncer router; do
        read -r b w a ok bad err <<<"${MEM[$t]}"
        awk -v t="$t" -v b="$b" -v w="$w" -v a="$a" -v ok="$ok" -v bad="$bad" -v err="$err" 'BEGIN {
            printf "| %s | %.1f MiB | %.1f MiB (+%.1f) | %.1f MiB | %.2f KiB | %s / %s%s |\n", t, b / 1024, w / 1024, (w - b) / 1024,
                a / 1024, (ok > 0 ? (w - b) / ok : 0), ok, bad, (err == "-" || err == "") ? "" : " (" err ")" }'
    done
fi
if [ -s "$work/errors" ]; then
    echo
    echo "## pgbench error output"
    echo
    echo '```'
    cat "$work/errors"
    echo '```'
fi
router_errs=$(grep -ciE 'error|warn|panic' "$work/router.log" || true)
echo
echo "pgml-router log: $(wc -l <"$work/router.log") lines, $router_errs with error/warn/panic"
if [ "$router_errs" -gt 0 ]; then
    echo '```'
    grep -iE 'error|warn|panic' "$work/router.log" | sed -E 's/^[^ ]+ +//' | sed -E 's/[0-9]+(\.[0-9]+)?(ms|s|µs)/N\2/g; s/[0-9]{3,}/N/g' \
        | sort | uniq -c | sort -rn | head -15
    echo '```'
fi
