#!/usr/bin/env bash
# Builds the GPU path (the `cuda` feature) and packs what a GPU machine needs to check it
# (git-ignored folders; scripts/gpu-check.sh runs them there; see docs/gpu.md):
#   .gpu/          embeddings: the GPU test binary and the embedding benchmark, compressed, and
#                  all-MiniLM-L6-v2 with its weights stored as f16 (half the size; loaded back
#                  into f32, the precision pgml computes in);
#   .gpu-gen/      text generation: its GPU test binary (about 41 MB compressed: llama.cpp's
#                  CUDA kernels);
#   .gpu-gen-bench/  the generation benchmark (as large);
#   .gpu-model-1/, .gpu-model-2/  SmolLM2's GGUF (98 MB) in two halves.
# One call to the GPU machine carries at most 64 MiB, so each generation folder travels in a
# call of its own (docs/gpu.md).
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
# llama.cpp's CUDA backend (cmake; llama-cpp-sys-2 passes CMAKE_* variables on): the same GPU
# generation, the toolkit's nvcc.
export CMAKE_CUDA_ARCHITECTURES=$CUDA_COMPUTE_CAP CMAKE_CUDA_COMPILER=$CUDA_ROOT/bin/nvcc
export CUDAToolkit_ROOT=$CUDA_ROOT
# Where llama-cpp-sys-2 (find_cuda_helper) looks for the CUDA libraries: <path>/lib64.
export CUDA_PATH=$CUDA_ROOT CUDA_LIBRARY_PATH=$CUDA_ROOT
export LIBRARY_PATH=$CUDA_ROOT/lib64:$CUDA_ROOT/lib:$CUDA_ROOT/lib64/stubs:$CUDA_ROOT/lib/stubs${LIBRARY_PATH:+:$LIBRARY_PATH}
# A portable x86-64 level, not this machine's CPU: the binaries run on the GPU machine.
export RUSTFLAGS="-C target-cpu=x86-64-v3"
export CARGO_TARGET_DIR=${GPU_TARGET_DIR:-$REPO/target}
cd "$REPO"
cargo build --release -p pgml-nlp --features cuda --test gpu --test gpu_generation \
    --example embed_bench --example generate_bench
test_binary() { # TEST-NAME -> the path of that test's binary
    cargo test --release -p pgml-nlp --features cuda --test "$1" --no-run --message-format=json 2>/dev/null |
        python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == sys.argv[1]:
        print(m["executable"])' "$1"
}
test_bin=$(test_binary gpu)
[ -n "$test_bin" ] || die "the GPU test binary was not built"
gen_test_bin=$(test_binary gpu_generation)
[ -n "$gen_test_bin" ] || die "the GPU generation test binary was not built"

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
# Text generation: the binaries, and the model in two halves (checked by sha256 when joined).
gen=$REPO/.gpu-gen
gen_bench=$REPO/.gpu-gen-bench
rm -rf "$gen" "$gen_bench" "$REPO"/.gpu-model-[12]
mkdir -p "$gen" "$gen_bench" "$REPO/.gpu-model-1" "$REPO/.gpu-model-2"
strip -o "$gen/gpu-generation-tests" "$gen_test_bin"
strip -o "$gen_bench/generate_bench" "$CARGO_TARGET_DIR/release/examples/generate_bench"
xz -T2 -6 "$gen/gpu-generation-tests" "$gen_bench/generate_bench"
gguf=$PGML_MODEL_DIR/HuggingFaceTB/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf
[ -f "$gguf" ] || die "no $gguf (scripts/models.sh installs it)"
sha256sum "$gguf" | cut -d' ' -f1 >"$gen/model.sha256"
half=$(( ($(stat -c %s "$gguf") + 1) / 2 ))
head -c "$half" "$gguf" >"$REPO/.gpu-model-1/part"
tail -c +$((half + 1)) "$gguf" >"$REPO/.gpu-model-2/part"
du -sh "$out"/* "$out" "$gen"/* "$gen" "$gen_bench" "$REPO"/.gpu-model-[12]
