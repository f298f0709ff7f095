#!/usr/bin/env bash
# Vector functions benchmark: pgml.cosine_similarity over ROWS rows of 384-dim real[] (default
# 100,000) against one query vector, versus the same in plain SQL (unnest and sum) and versus
# NumPy on the same numbers (the no-database limit: a matrix-vector product on a float32 array
# already in memory). One backend / one thread each; medians of REPEATS.
#   bench/vector.sh [rows, default 100000] [repeats, default 5]
source "$(dirname "$0")/../scripts/lib.sh"
ROWS=${1:-100000}
REPEATS=${2:-5}
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
PY=$("$REPO/bench/python-env.sh")

psql_pgml -d "$PGML_DB" -v ON_ERROR_STOP=1 -q <<SQL
DROP TABLE IF EXISTS bench_vectors;
CREATE TABLE bench_vectors AS
SELECT g AS id, ARRAY(SELECT (random() * 2 - 1)::real FROM generate_series(1, 384) WHERE g > 0) AS v
FROM generate_series(1, $ROWS) AS g;
VACUUM ANALYZE bench_vectors;
SQL
query=$(psql_pgml -d "$PGML_DB" -tAc "SELECT ARRAY(SELECT (random() * 2 - 1)::real FROM generate_series(1, 384))")
psql_pgml -d "$PGML_DB" -tAc "COPY (SELECT array_to_string(v, ' ') FROM bench_vectors ORDER BY id) TO STDOUT" >"$work/rows.txt"
echo "$query" | tr -d '{}' | tr ',' ' ' >"$work/query.txt"

time_sql() { # SQL -> milliseconds (median of REPEATS, after one warm-up)
    local sql=$1
    {
        echo "SET max_parallel_workers_per_gather = 0;"
        echo "SELECT clock_timestamp() AS t \\gset"
        echo "$sql"
        for _ in $(seq "$REPEATS"); do
            echo "SELECT clock_timestamp() AS t0 \\gset"
            echo "$sql"
            echo "SELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric * 1000, 1) AS ms;"
        done
    } >"$work/q.sql"
    psql_pgml -d "$PGML_DB" -qtA -v ON_ERROR_STOP=1 -f "$work/q.sql" | awk 'NR > 1 && NR % 2 == 1' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
q="'$query'::real[]"
ours=$(time_sql "SELECT max(pgml.cosine_similarity(v, $q)) FROM bench_vectors;")
plain=$(time_sql "SELECT max((SELECT sum(a * b) / (sqrt(sum(a * a)) * sqrt(sum(b * b))) FROM unnest(v, $q) AS u(a, b))) FROM bench_vectors;")
ours_max=$(psql_pgml -d "$PGML_DB" -tAc "SELECT max(pgml.cosine_similarity(v, $q)) FROM bench_vectors")
numpy=$(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 "$PY" - "$work/rows.txt" "$work/query.txt" "$REPEATS" "$ours_max" <<'PY'
import statistics, sys, time
import numpy as np
X = np.loadtxt(sys.argv[1], dtype=np.float32)
q = np.loadtxt(sys.argv[2], dtype=np.float32)
repeats, ours = int(sys.argv[3]), float(sys.argv[4])
times = []
for _ in range(repeats + 1):
    t = time.perf_counter()
    s = (X @ q) / (np.linalg.norm(X, axis=1) * np.linalg.norm(q))
    best = float(s.max())
    times.append((time.perf_counter() - t) * 1000)
assert abs(best - ours) < 1e-4, (best, ours)
print(round(statistics.median(times[1:]), 1))
PY
)
echo "| rows x dims | pgml.cosine_similarity ms | plain SQL ms | NumPy ms | plain SQL / pgml | pgml / NumPy |"
echo "|---:|---:|---:|---:|---:|---:|"
awk -v n="$ROWS" -v a="$ours" -v b="$plain" -v c="$numpy" \
    'BEGIN{printf "| %d x 384 | %.1f | %.1f | %.1f | %.1fx | %.1fx |\n", n, a, b, c, b / a, a / c}'
psql_pgml -d "$PGML_DB" -qc "DROP TABLE bench_vectors"
