#!/usr/bin/env bash
# The Python peers the benchmarks compare against (scikit-learn, ...), in a venv outside the
# checkout. Prints the venv's python path. Installs on first use only.
source "$(dirname "$0")/../scripts/lib.sh"
VENV=${PGML_BENCH_VENV:-$PGML_CACHE/bench-venv}
if ! "$VENV/bin/python" -c 'import sklearn, numpy' >/dev/null 2>&1; then
    log "installing the benchmark peers into $VENV (scikit-learn, numpy)"
    python3 -m venv "$VENV" >&2
    "$VENV/bin/pip" install --quiet 'scikit-learn==1.9.*' 'numpy<3' >&2
fi
echo "$VENV/bin/python"
