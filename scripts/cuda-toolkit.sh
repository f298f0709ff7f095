#!/usr/bin/env bash
# Makes a CUDA toolkit from NVIDIA's PyPI wheels, on a machine without a GPU or NVIDIA's
# apt repository: enough to compile the `cuda` feature (candle's kernels, llama.cpp's CUDA
# backend) for scripts/gpu-prepare.sh. See docs/gpu.md.
#   scripts/cuda-toolkit.sh [DEST, default /opt/cuda-pypi]   -> prints DEST (a CUDA_ROOT)
# The wheels' nvidia/cu13 folder becomes DEST, with lib64 -> lib, unversioned .so links, and a
# link-time stub of the driver (lib/stubs/libcuda.so, soname libcuda.so.1, every cu* entry
# point of cuda.h returning an error): a GPU machine's driver provides the real one at run time.
source "$(dirname "$0")/lib.sh"
set -u
DEST=${1:-/opt/cuda-pypi}
# CUDA 13.4's set (the versions PyPI's cuda-toolkit==13.4.3 pins): candle's cudarc 0.19 knows
# CUDA versions up to 13.4 and refuses to build with a newer nvcc.
WHEELS="nvidia-cuda-nvcc==13.4.92 nvidia-cuda-crt==13.4.92 nvidia-cuda-runtime==13.4.92
    nvidia-cuda-nvrtc==13.4.92 nvidia-cuda-cccl==13.3.4.3.1 nvidia-cublas==13.8.0.4
    nvidia-curand==10.4.4.72 nvidia-nvvm==13.4.92"
if [ -x "$DEST/bin/nvcc" ] && [ -f "$DEST/lib/stubs/libcuda.so" ] && [ -f "$DEST/lib/libculibos.a" ] &&
    "$DEST/bin/nvcc" --version | grep -q 'release 13\.4'; then
    echo "$DEST"
    exit 0
fi
work=$(mktemp -d /tmp/cuda-toolkit.XXXXXX)
trap 'rm -rf "$work"' EXIT
log "downloading the CUDA toolkit wheels ($(echo $WHEELS | wc -w) packages, about 800 MB)"
# shellcheck disable=SC2086
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux1_x86_64 \
    -d "$work/wheels" $WHEELS >&2 || die "pip download of the CUDA wheels failed"
for wheel in "$work"/wheels/*.whl; do
    python3 -m zipfile -e "$wheel" "$work/unpacked" || die "cannot unpack $wheel"
done
root=$(find "$work/unpacked/nvidia" -mindepth 1 -maxdepth 1 -type d -name 'cu*' | head -1)
[ -n "$root" ] && [ -f "$root/bin/nvcc" ] || die "no nvidia/cuNN/bin/nvcc in the wheels"
rm -rf "$DEST" && mkdir -p "$(dirname "$DEST")" && mv "$root" "$DEST"
chmod +x "$DEST"/bin/* "$DEST"/nvvm/bin/* 2>/dev/null || true
ln -sfn lib "$DEST/lib64"
# The libraries come versioned only (libcublas.so.13); linkers look for libcublas.so.
for lib in "$DEST"/lib/*.so.*; do
    base=${lib%%.so.*}.so
    [ -e "$base" ] || ln -s "$(basename "$lib")" "$base"
done

# llama-cpp-sys-2's build script asks for cuBLAS as static archives (cublas_static,
# cublasLt_static, culibos), which the wheels do not ship. Empty archives of those names satisfy
# it; the shared cuBLAS that candle's CUDA backend links (cudarc) provides the symbols.
for lib in cublas_static cublasLt_static culibos; do
    [ -e "$DEST/lib/lib$lib.a" ] || ar rc "$DEST/lib/lib$lib.a"
done

# The driver stub: one function per cu* name cuda.h declares or #defines (the _v2 aliases).
mkdir -p "$DEST/lib/stubs"
grep -ohE '\bcu[A-Z][A-Za-z0-9_]*\b' "$DEST/include/cuda.h" | sort -u |
    awk '{printf "int %s(void) { return 999; }\n", $1}' >"$work/cuda_stub.c"
cc -shared -fPIC -o "$DEST/lib/stubs/libcuda.so" -Wl,-soname,libcuda.so.1 "$work/cuda_stub.c" \
    || die "cannot build the libcuda stub"
"$DEST/bin/nvcc" --version >&2 || die "nvcc does not run"
echo "$DEST"
