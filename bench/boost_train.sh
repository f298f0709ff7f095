#!/usr/bin/env bash
# Training time of XGBoost and LightGBM through pgml-boost (the same libraries, statically
# linked) versus their Python packages, on the same synthetic table (ROWS x 20 features;
# regression, and 3-class classification), same parameters (100 rounds; XGBoost depth 6,
# eta 0.3, hist; LightGBM 31 leaves, learning rate 0.1) and the same THREADS; medians of
# REPEATS. Needs no database. Also prints the Rust evaluator's one-row prediction time.
# More than one thread on busy cores: OpenMP's spinning workers slow both sides 20-30x unless
# OMP_WAIT_POLICY=passive is exported (it is read when libgomp loads).
#   bench/boost_train.sh [rows, default 100000] [threads, default 1] [repeats, default 3]
source "$(dirname "$0")/../scripts/lib.sh"
ROWS=${1:-100000}
THREADS=${2:-1}
REPEATS=${3:-3}
PY=$("$REPO/bench/python-env.sh")
if ! "$PY" -c 'import xgboost, lightgbm' >/dev/null 2>&1; then
    log "installing xgboost and lightgbm into the benchmark venv"
    "$(dirname "$PY")/pip" install --quiet --only-binary :all: 'xgboost-cpu==3.*' 'lightgbm==4.7.*' >&2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$REPO"
cargo build --release --quiet -p pgml-boost --example train_bench
ours=$("$CARGO_TARGET_DIR/release/examples/train_bench" "$work" "$ROWS" "$THREADS" "$REPEATS")
theirs=$("$PY" "$REPO/bench/boost_train.py" "$work" "$ROWS" "$THREADS" "$REPEATS")

echo "| library | task | pgml fit s | Python fit s | pgml / Python |"
echo "|---|---|---:|---:|---:|"
while IFS=$'\t' read -r library task secs; do
    case "$task" in regression | classification) ;; *) continue ;; esac
    py=$(awk -F'\t' -v l="$library" -v t="$task" '$1 == l && $2 == t {print $3}' <<<"$theirs")
    ratio=$(awk -v a="$secs" -v b="$py" 'BEGIN {printf "%.2f", a / b}')
    echo "| $library | $task | $secs | $py | $ratio |"
done <<<"$ours"
echo
grep -v -E $'\t(regression|classification)\t' <<<"$ours" | sed 's/^/    /'
