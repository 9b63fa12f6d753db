#!/usr/bin/env bash
# Compiles the CUDA kernels (engine/src/main/cuda/*.cu) to PTX resources of the CUDA backend and
# records the SHA-256 of every kernel source in kernels.sha256 beside them; a unit test fails when
# a source changed without this script being run again. Needs nvcc (any CUDA 12/13 toolkit), no GPU.
#
# The PTX targets the virtual architecture compute_75 (Turing, the oldest CUDA 13 still builds for),
# so that the driver JIT-compiles it for any GPU from Turing on. The PTX ISA version follows the
# toolkit (CUDA 13.0 writes .version 9.0, which needs a driver for CUDA 13.0 or newer).
# No --use_fast_math: exp, sqrt and division must stay IEEE-accurate to match the CPU backend.
#
# Usage (from anywhere): scripts/build-ptx.sh
set -euo pipefail
cd "$(dirname "$0")/.."
src=engine/src/main/cuda
out=engine/src/main/resources/dev/sift/engine/backend/cuda
command -v nvcc >/dev/null || { echo "nvcc not found: install the CUDA toolkit or put it on PATH" >&2; exit 1; }
mkdir -p "$out"
rm -f "$out"/*.ptx
for cu in "$src"/*.cu; do
  name=$(basename "$cu" .cu)
  nvcc -ptx -arch=compute_75 -O3 -std=c++17 -o "$out/$name.ptx" "$cu"
  echo "$out/$name.ptx: $(grep -c '^\.visible \.entry' "$out/$name.ptx") kernels"
done
# Hashes ignore carriage returns so that a checkout with CRLF line endings gives the same values.
(
  cd "$src"
  for f in $(ls *.cu *.cuh | LC_ALL=C sort); do
    echo "$(tr -d '\r' < "$f" | sha256sum | cut -d' ' -f1)  $f"
  done
) > "$out/kernels.sha256"
echo "wrote $out/kernels.sha256 ($(nvcc --version | tail -1))"
