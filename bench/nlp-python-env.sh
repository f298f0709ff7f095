#!/usr/bin/env bash
# The Python side of issue 4 (embeddings and text generation), in a venv outside the checkout:
# sentence-transformers on PyTorch (CPU use) as the embedding peer and reference, transformers /
# tokenizers / gguf for the tokenizer and chat-template references. Prints the venv's python
# path; installs on first use only (or when a pinned version differs), so
#
#     "$(bench/nlp-python-env.sh)" bench/embed_python.py
#
# PyPI has no CPU-only torch wheel for Linux x86_64: `torch` pulls the CUDA runtime packages
# (nvidia-*, triton; about 4 GB of the venv's 5.3 GB). They are never used here (no GPU), but
# libtorch links against them, so they cannot be left out. The CPU-only wheels live on
# PyTorch's own index, which this machine cannot reach.
source "$(dirname "$0")/../scripts/lib.sh"
VENV=${PGML_NLP_VENV:-$PGML_CACHE/nlp-venv}
PINS=(
    'torch==2.15.0'
    'sentence-transformers==6.2.0'
    'transformers==5.24.0'
    'tokenizers==0.23.3'
    'huggingface-hub==2.4.0'
    'safetensors==0.8.0'
    'gguf==0.19.0'
    'numpy==2.4.6'
    'Jinja2==3.1.6'
)
check() {
    "$VENV/bin/python" - "${PINS[@]}" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    assert version(name) == want, (name, version(name), want)
import torch, sentence_transformers, transformers, tokenizers, gguf, numpy  # noqa: F401
PY
}
if ! check; then
    log "installing the NLP reference packages into $VENV (torch, sentence-transformers, transformers, gguf; ~5 GB)"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" >&2
    "$VENV/bin/pip" install --quiet --upgrade pip >&2
    nice -n 10 "$VENV/bin/pip" install --quiet "${PINS[@]}" >&2
    check || die "the NLP venv at $VENV is still incomplete after installing"
fi
echo "$VENV/bin/python"
