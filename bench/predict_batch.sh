#!/usr/bin/env bash
# Batch prediction benchmark: pgml.predict_batch on ROWS rows (default 1,000,000) of 10 features
# with an XGBoost model (100 trees of depth 6), versus Python xgboost's inplace_predict on the
# same rows as a NumPy array (the limit: no database, no SQL) with the very same model file
# (pgml.files' xgboost.json). Same thread count (THREADS, default: all cores); medians of
# REPEATS. Ours is timed in SQL around one call whose 10M-float argument is already built
# (read from a one-row table), and returns a count of the predictions.
#   bench/predict_batch.sh [rows, default 1000000] [repeats, default 5]
source "$(dirname "$0")/../scripts/lib.sh"
ROWS=${1:-1000000}
REPEATS=${2:-5}
THREADS=${THREADS:-$(nproc)}
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
PY=$("$REPO/bench/python-env.sh")
"$PY" -c 'import xgboost' 2>/dev/null || "$(dirname "$PY")/pip" install --quiet --only-binary :all: 'xgboost-cpu==3.*' >&2

psql_pgml -d "$PGML_DB" -v ON_ERROR_STOP=1 -q <<SQL
DROP TABLE IF EXISTS bench_batch_train, bench_batch_rows;
CREATE TABLE bench_batch_train AS
SELECT f[1] AS f1, f[2] AS f2, f[3] AS f3, f[4] AS f4, f[5] AS f5, f[6] AS f6, f[7] AS f7, f[8] AS f8,
       f[9] AS f9, f[10] AS f10,
       (f[1] * 3 - f[2] * 2 + f[3] + 0.5 * f[4] - f[5] + f[6] * f[7] + random())::float8 AS y
FROM (SELECT ARRAY(SELECT random()::real * 10 FROM generate_series(1, 10) WHERE g > 0) AS f
      FROM generate_series(1, 10000) AS g) AS rows;
DELETE FROM pgml.projects WHERE name = 'bench_batch_xgboost';
SELECT project FROM pgml.train('bench_batch_xgboost', 'regression', 'bench_batch_train', 'y', 'xgboost',
                               '{"n_estimators": 100, "max_depth": 6}');
-- All rows' features back to back, in one array (what predict_batch takes).
CREATE TABLE bench_batch_rows AS
SELECT array_agg((random() * 10)::real) AS x FROM generate_series(1, $ROWS * 10);
SQL
psql_pgml -d "$PGML_DB" -tAc "SELECT convert_from(f.data, 'UTF8') FROM pgml.files f
    JOIN pgml.models m ON m.id = f.model_id JOIN pgml.projects p ON p.id = m.project_id
    WHERE p.name = 'bench_batch_xgboost' AND f.path = 'xgboost.json'" >"$work/model.json"
psql_pgml -d "$PGML_DB" -tAc "COPY (SELECT x FROM bench_batch_rows) TO STDOUT" | tr -d '{}' | tr ',' '\n' >"$work/rows.txt"

: >"$work/ours"
for _ in $(seq "$REPEATS"); do
    psql_pgml -d "$PGML_DB" -qtA -v ON_ERROR_STOP=1 >>"$work/ours" <<SQL
SET pgml.predict_batch_threads = $THREADS;
SELECT pgml.predict('bench_batch_xgboost', ARRAY[1,2,3,4,5,6,7,8,9,10]::real[]) IS NOT NULL AS warm \gset
CREATE TEMP TABLE t0 AS SELECT clock_timestamp() AS t;
SELECT count(*) FROM pgml.predict_batch('bench_batch_xgboost', (SELECT x FROM bench_batch_rows)) \gset
SELECT round(extract(epoch FROM clock_timestamp() - t)::numeric * 1000, 1) FROM t0;
SQL
done
theirs=$("$PY" - "$work/model.json" "$work/rows.txt" "$THREADS" "$REPEATS" <<'PY'
import statistics, sys, time
import numpy as np, xgboost as xgb
model, rows, threads, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
X = np.loadtxt(rows, dtype=np.float32).reshape(-1, 10)
b = xgb.Booster(model_file=model)
b.set_param({"nthread": threads})
b.inplace_predict(X[:1000])
times = []
for _ in range(repeats):
    t = time.perf_counter()
    p = b.inplace_predict(X)
    times.append((time.perf_counter() - t) * 1000)
print(round(statistics.median(times), 1), len(p))
PY
)
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ours_ms=$(median <"$work/ours")
theirs_ms=${theirs%% *}
echo "| rows | threads | pgml.predict_batch ms | rows/s | Python xgboost inplace_predict ms | rows/s | pgml / Python time |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
awk -v n="$ROWS" -v t="$THREADS" -v a="$ours_ms" -v b="$theirs_ms" \
    'BEGIN{printf "| %d | %d | %.1f | %.0f | %.1f | %.0f | %.2f |\n", n, t, a, n / (a / 1000), b, n / (b / 1000), a / b}'
psql_pgml -d "$PGML_DB" -qc "DELETE FROM pgml.projects WHERE name = 'bench_batch_xgboost'; DROP TABLE bench_batch_train, bench_batch_rows;"
