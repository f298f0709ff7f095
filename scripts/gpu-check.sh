#!/usr/bin/env bash
# Runs on a machine with an NVIDIA GPU, from the checkout, after scripts/gpu-prepare.sh packed
# its folders on the build machine. Needs no Rust or PostgreSQL there. Runs what is there:
#   .gpu/      the embedding GPU tests, the embedding benchmark on the GPU, and
#              sentence-transformers on the same GPU (when PyTorch is installed) as the peer;
#   .gpu-gen/  (with .gpu-model-1/, .gpu-model-2/ and .gpu-gen-bench/ carried by earlier
#              calls) the generation GPU tests, and the generation benchmark on the GPU and on
#              the CPU.
# Results go to $OUT (default /tmp/pgml-gpu). See docs/gpu.md.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/pgml-gpu}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT/gpu.txt"

# The CUDA libraries the binaries link (cuBLAS, cuRAND, NVRTC of CUDA 13): a toolkit's lib64,
# or the NVIDIA wheels PyTorch installs; libcuda from the driver.
dirs=()
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/local/cuda/lib64; do
    [ -d "$d" ] && dirs+=("$d")
done
sites=$(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null || true)
for lib in libcublasLt.so.13 libcublas.so.13 libcurand.so.10 libnvrtc.so.13; do
    # shellcheck disable=SC2086
    found=$(find $sites /usr/local/cuda/lib64 -name "$lib" 2>/dev/null | head -1)
    if [ -n "$found" ]; then dirs+=("$(dirname "$found")"); else echo "not found: $lib"; fi
done
LD_LIBRARY_PATH=$(printf '%s\n' "${dirs[@]}" | awk '!seen[$0]++' | paste -sd:)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH

export CARGO_MANIFEST_DIR=$PWD/crates/pgml-nlp
rc=0
ran=0

if [ -d .gpu ]; then
    ran=1
    for bin in gpu-tests embed_bench; do
        xz -dkf ".gpu/$bin.xz" && chmod +x ".gpu/$bin"
    done
    ldd .gpu/gpu-tests | grep -E "not found|cuda|cublas|curand|nvrtc" | tee "$OUT/ldd.txt"
    export PGML_MODEL_DIR=$PWD/.gpu/models
    .gpu/gpu-tests --test-threads=1 --nocapture 2>&1 | tee "$OUT/gpu-tests.log" || rc=1
    for batch in 64 256; do
        .gpu/embed_bench --device cuda --batch "$batch" 2>&1 | tee -a "$OUT/bench.jsonl" || rc=1
        if python3 -c 'import sentence_transformers' 2>/dev/null; then
            python3 bench/embed_python.py --device cuda --batch "$batch" \
                --model-dir "$PGML_MODEL_DIR/sentence-transformers/all-MiniLM-L6-v2" 2>/dev/null |
                tee -a "$OUT/bench.jsonl" || rc=1
        fi
    done
fi

if [ -d .gpu-gen ]; then
    ran=1
    models=$PWD/.gpu-gen/models
    gguf=$models/HuggingFaceTB/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf
    mkdir -p "$(dirname "$gguf")"
    if [ -f .gpu-model-1/part ] && [ -f .gpu-model-2/part ]; then
        cat .gpu-model-1/part .gpu-model-2/part >"$gguf"
    fi
    if [ "$(sha256sum "$gguf" 2>/dev/null | cut -d' ' -f1)" != "$(cat .gpu-gen/model.sha256)" ]; then
        echo "SmolLM2's GGUF is missing or damaged: carry .gpu-model-1 and .gpu-model-2 in the calls before (docs/gpu.md)" |
            tee "$OUT/generation.log"
        exit 1
    fi
    xz -dkf .gpu-gen/gpu-generation-tests.xz && chmod +x .gpu-gen/gpu-generation-tests
    ldd .gpu-gen/gpu-generation-tests | grep -E "not found|cuda|cublas" | tee "$OUT/ldd-generation.txt"
    export PGML_MODEL_DIR=$models
    .gpu-gen/gpu-generation-tests --test-threads=1 --nocapture 2>&1 | tee "$OUT/gpu-generation-tests.log" || rc=1
    if [ -f .gpu-gen-bench/generate_bench.xz ]; then
        xz -dkf .gpu-gen-bench/generate_bench.xz && chmod +x .gpu-gen-bench/generate_bench
        .gpu-gen-bench/generate_bench --device cuda 2>&1 | tee -a "$OUT/generate.jsonl" || rc=1
        .gpu-gen-bench/generate_bench --device cpu --threads 8 2>&1 | tee -a "$OUT/generate.jsonl" || rc=1
    else
        echo "no .gpu-gen-bench/: the generation benchmark was not carried" | tee -a "$OUT/generate.jsonl"
    fi
fi

[ "$ran" = 1 ] || { echo "nothing to check: run scripts/gpu-prepare.sh on the build machine first"; exit 1; }
exit $rc
