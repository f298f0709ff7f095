#!/usr/bin/env bash
# Embedding benchmark: pgml.embed (all-MiniLM-L6-v2, candle, inside the backend) versus
# sentence-transformers (PyTorch CPU) on the same 1,000 sentences (bench/data/sentences.txt),
# both with 2 threads, interleaved in one run, repeated; medians.
#   bench/embed.sh [seconds per pgbench run, default 15] [repeats, default 3]
# Needs the local cluster (./dev run). Ours, through pgbench on one connection:
#   single   one sentence per SELECT pgml.embed(model, text): sentences/s, p50/p99 latency
#   batched  64 sentences per SELECT pgml.embed(model, text[]): sentences/s, in the default
#            precision (16-bit integer dense layers on AVX2 CPUs) and in float32
#            (pgml.embedding_precision)
source "$(dirname "$0")/../scripts/lib.sh"
SECONDS_PER_RUN=${1:-15}
REPEATS=${2:-3}
THREADS=${THREADS:-2}
MODEL=sentence-transformers/all-MiniLM-L6-v2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
PY=$("$REPO/bench/nlp-python-env.sh")

psql_pgml -d "$PGML_DB" -v ON_ERROR_STOP=1 -q -c "DROP TABLE IF EXISTS bench_sentences" \
    -c "CREATE TABLE bench_sentences (id serial PRIMARY KEY, s text NOT NULL)" \
    -c "\\copy bench_sentences (s) FROM '$REPO/bench/data/sentences.txt' WITH (FORMAT text)"
n=$(psql_pgml -d "$PGML_DB" -tAc "SELECT count(*) FROM bench_sentences")

cat >"$work/single.sql" <<SQL
\\set i random(1, $n)
SELECT pgml.embed('$MODEL', s) FROM bench_sentences WHERE id = :i;
SQL
cat >"$work/batch.sql" <<SQL
\\set b random(0, $((n / 64 - 1)))
SELECT count(*) FROM pgml.embed('$MODEL', (SELECT array_agg(s ORDER BY id) FROM bench_sentences WHERE id > :b * 64 AND id <= :b * 64 + 64));
SQL

run() { # script [extra PGOPTIONS] -> "tps p50_ms p99_ms"
    local script=$1
    PGOPTIONS="-c pgml.embedding_threads=$THREADS ${2:-}" "$PG_BIN/pgbench" -n -h "$PGML_HOST" -p "$PGML_PORT" \
        -U postgres -M prepared -c 1 -j 1 -T "$SECONDS_PER_RUN" -f "$work/$script.sql" \
        --log --log-prefix="$work/log_$script" "$PGML_DB" >"$work/out" 2>&1 || { cat "$work/out" >&2; return 1; }
    local tps n p50 p99
    tps=$(sed -nE 's/^tps = ([0-9.]+).*/\1/p' "$work/out")
    cat "$work/log_$script".* | awk '{print $3}' | sort -n >"$work/lat"
    rm -f "$work/log_$script".*
    n=$(wc -l <"$work/lat")
    p50=$(sed -n "$((n / 2 + 1))p" "$work/lat")
    p99=$(sed -n "$((n * 99 / 100 + 1))p" "$work/lat")
    awk -v t="$tps" -v a="$p50" -v b="$p99" 'BEGIN{printf "%s %.2f %.2f\n", t, a/1000, b/1000}'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Warm-up: the model loads once per backend; pgbench's connection is a new backend each run,
# so the first call of each run pays the load (about 0.1 s, reported separately below).
run single >/dev/null
: >"$work/ours_single"; : >"$work/ours_batch"; : >"$work/ours_batch_f32"
: >"$work/st_single"; : >"$work/st_batch"
for _ in $(seq "$REPEATS"); do
    run single >>"$work/ours_single"
    run batch >>"$work/ours_batch"
    run batch "-c pgml.embedding_precision=float32" >>"$work/ours_batch_f32"
    "$PY" "$REPO/bench/embed_python.py" --threads "$THREADS" --batch 64 >"$work/st.json" 2>/dev/null
    "$PY" - "$work/st.json" >>"$work/st_single" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
single = next(r for r in rows if r.get("mode") == "single")
print(single["sentences_per_s"], single["p50_ms"], single["p99_ms"])
PY
    "$PY" - "$work/st.json" >>"$work/st_batch" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(next(r for r in rows if r.get("mode") == "batched")["sentences_per_s"])
PY
done
load_ms=$(psql_pgml -d "$PGML_DB" -tA -c "SELECT pgml.embed('$MODEL', 'warm') IS NULL" \
    -c "SELECT round(load_ms::numeric, 1) FROM pgml.cached_models() WHERE kind = 'embedding'" | tail -1)

o_single=$(cut -d' ' -f1 "$work/ours_single" | median)
o_p50=$(cut -d' ' -f2 "$work/ours_single" | median)
o_p99=$(cut -d' ' -f3 "$work/ours_single" | median)
o_batch=$(cut -d' ' -f1 "$work/ours_batch" | median | awk '{printf "%.1f", $1 * 64}')
o_batch_f32=$(cut -d' ' -f1 "$work/ours_batch_f32" | median | awk '{printf "%.1f", $1 * 64}')
s_single=$(cut -d' ' -f1 "$work/st_single" | median)
s_p50=$(cut -d' ' -f2 "$work/st_single" | median)
s_p99=$(cut -d' ' -f3 "$work/st_single" | median)
s_batch=$(median <"$work/st_batch")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
echo "| mode | pgml.embed | sentence-transformers | ratio |"
echo "|---|---:|---:|---:|"
printf '| one sentence per call, sentences/s | %.0f | %.0f | %s |\n' "$o_single" "$s_single" "$(ratio "$o_single" "$s_single")"
printf '| one sentence per call, p50 / p99 ms | %s / %s | %s / %s | |\n' "$o_p50" "$o_p99" "$s_p50" "$s_p99"
printf '| batches of 64, sentences/s | %.0f | %.0f | %s |\n' "$o_batch" "$s_batch" "$(ratio "$o_batch" "$s_batch")"
printf '| batches of 64, float32, sentences/s | %.0f | %.0f | %s |\n' "$o_batch_f32" "$s_batch" "$(ratio "$o_batch_f32" "$s_batch")"
echo "model load in a backend (first call): ${load_ms} ms; threads: $THREADS; $REPEATS repeats, medians"
psql_pgml -d "$PGML_DB" -qc "DROP TABLE bench_sentences"
