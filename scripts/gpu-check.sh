#!/usr/bin/env bash
# Runs on a machine with an NVIDIA GPU, from the checkout, after scripts/gpu-prepare.sh packed
# .gpu/ on the build machine. Needs no Rust or PostgreSQL there: the GPU tests, the embedding
# benchmark on the GPU, and sentence-transformers on the same GPU (when PyTorch is installed)
# as the peer. Results go to $OUT (default /tmp/pgml-gpu). See docs/gpu.md.
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

for bin in gpu-tests embed_bench; do
    xz -dkf ".gpu/$bin.xz" && chmod +x ".gpu/$bin"
done
ldd .gpu/gpu-tests | grep -E "not found|cuda|cublas|curand|nvrtc" | tee "$OUT/ldd.txt"

export PGML_MODEL_DIR=$PWD/.gpu/models CARGO_MANIFEST_DIR=$PWD/crates/pgml-nlp
rc=0
.gpu/gpu-tests --test-threads=1 --nocapture 2>&1 | tee "$OUT/gpu-tests.log" || rc=1

for batch in 64 256; do
    .gpu/embed_bench --device cuda --batch "$batch" 2>&1 | tee -a "$OUT/bench.jsonl" || rc=1
    if python3 -c 'import sentence_transformers' 2>/dev/null; then
        python3 bench/embed_python.py --device cuda --batch "$batch" \
            --model-dir "$PGML_MODEL_DIR/sentence-transformers/all-MiniLM-L6-v2" 2>/dev/null |
            tee -a "$OUT/bench.jsonl" || rc=1
    fi
done
exit $rc
