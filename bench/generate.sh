#!/usr/bin/env bash
# Text-generation benchmark: pgml.transform_stream (SmolLM2-135M-Instruct Q4_1 GGUF, llama.cpp
# inside the backend) versus llama.cpp's own llama-bench built from the same sources
# (bench/llama_reference.sh), same thread count, in one run; medians of REPEATS.
#   bench/generate.sh [repeats, default 5]
# Ours is measured in SQL through a cursor (one FETCH per piece = one token for ASCII text):
#   time to first token for a ~100-token prompt with the model loaded (prompt processing
#   included), and generation speed over 128 new tokens.
source "$(dirname "$0")/../scripts/lib.sh"
REPEATS=${1:-5}
THREADS=${THREADS:-2}
MODEL=HuggingFaceTB/SmolLM2-135M-Instruct
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A ~100-token prompt (the same words each run).
PROMPT=$(printf 'The history of databases began with hierarchical and network models, then the relational model of Edgar Codd changed everything. %.0s' 1 2 3 4)

cat >"$work/bench.sql" <<SQL
SET pgml.generation_threads = $THREADS;
SELECT pgml.transform('{"task": "text-generation", "model": "$MODEL"}', '{"max_new_tokens": 1}', ARRAY['warm up']) IS NOT NULL AS loaded \\gset
CREATE FUNCTION pg_temp.bench_generation(prompt text, n int, OUT prompt_tokens int, OUT pieces int, OUT first_ms float8, OUT total_ms float8)
LANGUAGE plpgsql AS \$\$
DECLARE
    c refcursor;
    r jsonb;
    t0 timestamptz;
    t1 timestamptz;
BEGIN
    pieces := 0;
    t0 := clock_timestamp();
    OPEN c FOR SELECT pgml.transform_stream(
        '{"task": "text-generation", "model": "$MODEL"}',
        jsonb_build_object('max_new_tokens', n, 'do_sample', true, 'seed', 7, 'temperature', 0.8), prompt);
    LOOP
        FETCH c INTO r;
        EXIT WHEN NOT FOUND;
        pieces := pieces + 1;
        IF pieces = 1 THEN t1 := clock_timestamp(); END IF;
    END LOOP;
    CLOSE c;
    first_ms := extract(epoch FROM t1 - t0) * 1000;
    total_ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
END \$\$;
SQL
for i in $(seq "$REPEATS"); do
    echo "SELECT pieces, round(first_ms::numeric, 1) AS ttft_ms, round(((pieces - 1) / ((total_ms - first_ms) / 1000))::numeric, 1) AS tg_tokens_per_s FROM pg_temp.bench_generation('$PROMPT', 128);" >>"$work/bench.sql"
done
psql_pgml -d "$PGML_DB" -v ON_ERROR_STOP=1 -qtA -F ' ' -f "$work/bench.sql" >"$work/ours"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
o_ttft=$(cut -d' ' -f2 "$work/ours" | median)
o_tg=$(cut -d' ' -f3 "$work/ours" | median)
o_pieces=$(cut -d' ' -f1 "$work/ours" | median)

THREADS=$THREADS REPS=$REPEATS "$REPO/bench/llama_reference.sh" bench >"$work/ref.json" 2>"$work/ref.err" \
    || { cat "$work/ref.err" >&2; exit 1; }
# llama_reference.sh prints one JSON object per line: llama-bench tests "pp100" / "tg128"
# (tokens_per_s) and llama-simple's "ttft" (ttft_ms_median).
ref() { python3 - "$work/ref.json" "$1" "$2" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
print(next((r[sys.argv[3]] for r in rows if r.get("test") == sys.argv[2]), "n/a"))
PY
}
r_tg=$(ref tg128 tokens_per_s)
r_pp=$(ref pp100 tokens_per_s)
r_ttft=$(ref ttft ttft_ms_median)
echo "| measure | pgml.transform_stream | llama.cpp ($THREADS threads) | ratio |"
echo "|---|---:|---:|---:|"
printf '| generation, tokens/s | %s | %s | %s |\n' "$o_tg" "$r_tg" "$(awk -v a="$o_tg" -v b="$r_tg" 'BEGIN{ if (b+0 > 0) printf "%.2f", a/b; else print "n/a"}')"
printf '| time to first token, ~100-token prompt, ms | %s | %s | |\n' "$o_ttft" "$r_ttft"
printf '| prompt processing, tokens/s | | %s | |\n' "$r_pp"
echo "ours: $REPEATS runs of 128 new tokens (median $o_pieces pieces), sampled (seed 7), model loaded; medians"
