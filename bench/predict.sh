#!/usr/bin/env bash
# Online prediction benchmark: pgbench runs one-row pgml.predict calls against the local cluster
# (./dev run first), beside the floor our call overhead cannot beat: a trivial SQL function call
# with the same 10-float array argument. Both in the same run, interleaved, repeated; medians.
#   bench/predict.sh [seconds per run, default 20] [repeats, default 3]
source "$(dirname "$0")/../scripts/lib.sh"
SECONDS_PER_RUN=${1:-20}
REPEATS=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

psql_pgml -d "$PGML_DB" -v ON_ERROR_STOP=1 -q <<'SQL'
DROP TABLE IF EXISTS bench_predict_data;
CREATE TABLE bench_predict_data AS
SELECT f[1] AS f1, f[2] AS f2, f[3] AS f3, f[4] AS f4, f[5] AS f5, f[6] AS f6, f[7] AS f7, f[8] AS f8,
       f[9] AS f9, f[10] AS f10,
       (f[1] * 3 - f[2] * 2 + f[3] + 0.5 * f[4] - f[5] + f[6] * f[7] + random())::float8 AS y
FROM (SELECT ARRAY(SELECT random()::real * 10 FROM generate_series(1, 10) WHERE g > 0) AS f
      FROM generate_series(1, 10000) AS g) AS rows;
DELETE FROM pgml.projects WHERE name LIKE 'bench_predict_%';
SELECT * FROM pgml.train('bench_predict_linear', 'regression', 'bench_predict_data', 'y');
SQL

vars='\set f1 random(0, 10000) / 1000.0
\set f2 random(0, 10000) / 1000.0
\set f3 random(0, 10000) / 1000.0
\set f4 random(0, 10000) / 1000.0
\set f5 random(0, 10000) / 1000.0
\set f6 random(0, 10000) / 1000.0
\set f7 random(0, 10000) / 1000.0
\set f8 random(0, 10000) / 1000.0
\set f9 random(0, 10000) / 1000.0
\set f10 random(0, 10000) / 1000.0'
array='ARRAY[:f1, :f2, :f3, :f4, :f5, :f6, :f7, :f8, :f9, :f10]::real[]'
printf '%s\nSELECT array_length(%s, 1);\n' "$vars" "$array" >"$work/floor.sql"
printf "%s\nSELECT pgml.predict('bench_predict_linear', %s);\n" "$vars" "$array" >"$work/linear.sql"

run() { # script clients -> "tps p50_ms p99_ms"
    local script=$1 clients=$2
    "$PG_BIN/pgbench" -n -h "$PGML_HOST" -p "$PGML_PORT" -U postgres -M prepared -c "$clients" \
        -j 2 -T "$SECONDS_PER_RUN" -f "$work/$script.sql" -r --log --log-prefix="$work/log_$script" "$PGML_DB" \
        >"$work/out" 2>&1 || { cat "$work/out" >&2; return 1; }
    local tps
    tps=$(sed -nE 's/^tps = ([0-9.]+).*/\1/p' "$work/out")
    # Per-transaction logs: 3rd field is latency in microseconds.
    cat "$work/log_$script".* | awk '{print $3}' | sort -n >"$work/lat"
    local n p50 p99
    n=$(wc -l <"$work/lat")
    p50=$(sed -n "$((n / 2 + 1))p" "$work/lat")
    p99=$(sed -n "$((n * 99 / 100 + 1))p" "$work/lat")
    rm -f "$work/log_$script".*
    echo "$tps $(awk -v v="$p50" 'BEGIN{printf "%.3f", v/1000}') $(awk -v v="$p99" 'BEGIN{printf "%.3f", v/1000}')"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "| clients | floor tps | pgml.predict (linear, 10 features) tps | ratio | p50 ms floor / predict | p99 ms floor / predict |"
echo "|---:|---:|---:|---:|---|---|"
for clients in 10 100; do
    : >"$work/floor.runs"
    : >"$work/linear.runs"
    for _ in $(seq "$REPEATS"); do
        run floor "$clients" >>"$work/floor.runs"
        run linear "$clients" >>"$work/linear.runs"
    done
    f_tps=$(cut -d' ' -f1 "$work/floor.runs" | median)
    l_tps=$(cut -d' ' -f1 "$work/linear.runs" | median)
    f_p50=$(cut -d' ' -f2 "$work/floor.runs" | median)
    l_p50=$(cut -d' ' -f2 "$work/linear.runs" | median)
    f_p99=$(cut -d' ' -f3 "$work/floor.runs" | median)
    l_p99=$(cut -d' ' -f3 "$work/linear.runs" | median)
    ratio=$(awk -v a="$l_tps" -v b="$f_tps" 'BEGIN{printf "%.2f", a/b}')
    printf '| %s | %.0f | %.0f | %s | %s / %s | %s / %s |\n' "$clients" "$f_tps" "$l_tps" "$ratio" "$f_p50" "$l_p50" "$f_p99" "$l_p99"
done
psql_pgml -d "$PGML_DB" -qc "DELETE FROM pgml.projects WHERE name LIKE 'bench_predict_%'; DROP TABLE bench_predict_data;"
