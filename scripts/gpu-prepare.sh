#!/usr/bin/env bash
# Builds the GPU path (the `cuda` feature) and packs what a GPU machine needs to check it into
# .gpu/ (git-ignored): the GPU test binary and the embedding benchmark, compressed, and
# all-MiniLM-L6-v2 with its weights stored as f16 (half the size; loaded back into f32, the
# precision pgml computes in). scripts/gpu-check.sh runs them there. See docs/gpu.md.
#
# Needs a CUDA toolkit: CUDA_ROOT (default /usr/local/cuda) with bin/nvcc, include/ and the
# libraries (cuBLAS, cuRAND, NVRTC; libcuda from the driver or lib/stubs). CUDA_COMPUTE_CAP
# picks the GPU generation the kernels are compiled for (default 90, Hopper).
source "$(dirname "$0")/lib.sh"
set -u
CUDA_ROOT=${CUDA_ROOT:-/usr/local/cuda}
[ -x "$CUDA_ROOT/bin/nvcc" ] || die "no nvcc under CUDA_ROOT=$CUDA_ROOT (docs/gpu.md)"
export CUDA_ROOT CUDA_HOME=$CUDA_ROOT PATH=$CUDA_ROOT/bin:$PATH
export CUDA_COMPUTE_CAP=${CUDA_COMPUTE_CAP:-90}
export LIBRARY_PATH=$CUDA_ROOT/lib64:$CUDA_ROOT/lib:$CUDA_ROOT/lib64/stubs:$CUDA_ROOT/lib/stubs${LIBRARY_PATH:+:$LIBRARY_PATH}
# A portable x86-64 level, not this machine's CPU: the binaries run on the GPU machine.
export RUSTFLAGS="-C target-cpu=x86-64-v3"
export CARGO_TARGET_DIR=${GPU_TARGET_DIR:-$REPO/target}
cd "$REPO"
cargo build --release -p pgml-nlp --features cuda --test gpu --example embed_bench
test_bin=$(cargo test --release -p pgml-nlp --features cuda --test gpu --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "gpu":
        print(m["executable"])')
[ -n "$test_bin" ] || die "the GPU test binary was not built"

out=$REPO/.gpu
rm -rf "$out" && mkdir -p "$out/models/sentence-transformers"
strip -o "$out/gpu-tests" "$test_bin"
strip -o "$out/embed_bench" "$CARGO_TARGET_DIR/release/examples/embed_bench"
xz -T2 -6 "$out/gpu-tests" "$out/embed_bench"

model=$PGML_MODEL_DIR/sentence-transformers/all-MiniLM-L6-v2
dest=$out/models/sentence-transformers/all-MiniLM-L6-v2
mkdir -p "$dest"
(cd "$model" && cp -r 1_Pooling config.json config_sentence_transformers.json modules.json \
    sentence_bert_config.json special_tokens_map.json tokenizer.json tokenizer_config.json \
    vocab.txt "$dest/")
"$("$REPO/bench/nlp-python-env.sh")" - "$model/model.safetensors" "$dest/model.safetensors" <<'PY'
import sys
from safetensors.numpy import load_file, save_file
tensors = load_file(sys.argv[1])
save_file({k: v.astype("float16") if v.dtype.kind == "f" else v for k, v in tensors.items()},
          sys.argv[2])
PY
du -sh "$out"/* "$out"
