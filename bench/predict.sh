#!/usr/bin/env bash
# Online prediction benchmark: pgbench runs one-row pgml.predict calls against the local cluster
# (./dev run first) for an XGBoost model (100 trees of depth 6, 10 features) and a linear one,
# beside (a) the floor our call overhead cannot beat: a trivial SQL function call with the same
# 10-float array argument, and (b) the same XGBoost model (pgml's own xgboost.json from
# pgml.files) served over HTTP by a Python microservice (FastAPI + uvicorn, one worker per
# core, xgboost's inplace_predict; bench/predict_service.py) loaded by wrk. All in the same
# run, interleaved, repeated; medians.
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
SELECT * FROM pgml.train('bench_predict_xgboost', 'regression', 'bench_predict_data', 'y', 'xgboost',
                         '{"n_estimators": 100, "max_depth": 6}');
SQL
# The microservice serves the very model pgml trained.
psql_pgml -d "$PGML_DB" -tAc "SELECT convert_from(f.data, 'UTF8') FROM pgml.files f
    JOIN pgml.models m ON m.id = f.model_id JOIN pgml.projects p ON p.id = m.project_id
    WHERE p.name = 'bench_predict_xgboost' AND f.path = 'xgboost.json'" >"$work/model.json"
PY=$("$REPO/bench/python-env.sh")
if ! "$PY" -c 'import xgboost, fastapi, uvicorn' >/dev/null 2>&1; then
    log "installing xgboost, fastapi and uvicorn into the benchmark venv"
    "$(dirname "$PY")/pip" install --quiet --only-binary :all: 'xgboost-cpu==3.*' 'fastapi==0.*' 'uvicorn[standard]==0.*' >&2
fi
command -v wrk >/dev/null || apt-get install -y -q wrk >&2
SERVICE_PORT=${SERVICE_PORT:-6451}
"$PY" "$REPO/bench/predict_service.py" "$work/model.json" "$SERVICE_PORT" "$(nproc)" >"$work/service.log" 2>&1 &
SERVICE_PID=$!
trap 'kill $SERVICE_PID 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
    curl -sf -X POST -H 'Content-Type: application/json' -d '{"features": [1,2,3,4,5,6,7,8,9,10]}' \
        "http://127.0.0.1:$SERVICE_PORT/predict" >"$work/check" 2>/dev/null && break
    sleep 0.2
done
[ -s "$work/check" ] || { cat "$work/service.log" >&2; die "the microservice did not start"; }
ours=$(psql_pgml -d "$PGML_DB" -tAc "SELECT pgml.predict('bench_predict_xgboost', ARRAY[1,2,3,4,5,6,7,8,9,10]::real[])")
python3 - "$work/check" "$ours" <<'PY' || die "the microservice and pgml predict different values"
import json, sys
theirs = json.load(open(sys.argv[1]))["prediction"]
assert abs(theirs - float(sys.argv[2])) <= 1e-4 * max(1, abs(theirs)), (theirs, sys.argv[2])
PY

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
printf "%s\nSELECT pgml.predict('bench_predict_xgboost', %s);\n" "$vars" "$array" >"$work/xgboost.sql"

run() { # script clients -> "tps p50_ms p99_ms"
    local script=$1 clients=$2
    "$PG_BIN/pgbench" -n -h "$PGML_HOST" -p "$PGML_PORT" -U postgres -M prepared -c "$clients" \
        -j 2 -T "$SECONDS_PER_RUN" -f "$work/$script.sql" --log --log-prefix="$work/log_$script" "$PGML_DB" \
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

# wrk against the microservice -> "tps p50_ms p99_ms"
run_service() {
    local clients=$1
    wrk -t 2 -c "$clients" -d "${SECONDS_PER_RUN}s" --latency -s "$REPO/bench/predict_wrk.lua" \
        "http://127.0.0.1:$SERVICE_PORT" >"$work/wrk" 2>&1 || { cat "$work/wrk" >&2; return 1; }
    awk 'function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
         /^Requests\/sec:/ { tps = $2 }
         $1 == "50%" { p50 = ms($2) }
         $1 == "99%" { p99 = ms($2) }
         /Non-2xx|Socket errors/ { bad = 1 }
         END { if (bad) print "wrk saw errors" > "/dev/stderr"; printf "%s %.3f %.3f\n", tps, p50, p99 }' "$work/wrk"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

col() { cut -d' ' -f"$2" "$work/$1.runs" | median; }
echo "| clients | floor tps | pgml.predict xgboost tps | / floor | microservice tps | pgml / microservice | pgml.predict linear tps | p50 ms floor / xgboost / microservice | p99 ms floor / xgboost / microservice |"
echo "|---:|---:|---:|---:|---:|---:|---:|---|---|"
for clients in 10 100; do
    for name in floor xgboost linear service; do : >"$work/$name.runs"; done
    for _ in $(seq "$REPEATS"); do
        run floor "$clients" >>"$work/floor.runs"
        run xgboost "$clients" >>"$work/xgboost.runs"
        run_service "$clients" >>"$work/service.runs"
        run linear "$clients" >>"$work/linear.runs"
    done
    f_tps=$(col floor 1); x_tps=$(col xgboost 1); s_tps=$(col service 1); l_tps=$(col linear 1)
    printf '| %s | %.0f | %.0f | %s | %.0f | %s | %.0f | %s / %s / %s | %s / %s / %s |\n' "$clients" \
        "$f_tps" "$x_tps" "$(awk -v a="$x_tps" -v b="$f_tps" 'BEGIN{printf "%.2f", a/b}')" \
        "$s_tps" "$(awk -v a="$x_tps" -v b="$s_tps" 'BEGIN{printf "%.1f", a/b}')" "$l_tps" \
        "$(col floor 2)" "$(col xgboost 2)" "$(col service 2)" "$(col floor 3)" "$(col xgboost 3)" "$(col service 3)"
done
psql_pgml -d "$PGML_DB" -qc "DELETE FROM pgml.projects WHERE name LIKE 'bench_predict_%'; DROP TABLE bench_predict_data;"
