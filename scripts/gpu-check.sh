#!/usr/bin/env bash
# The CUDA backend's checks on the GPU machine, in one run, from what scripts/prepare-gpu-check.sh
# put beside the working tree (.jre, .models, .gpu-check/{classes,test-classes,lib}):
#   1. the machine: nvidia-smi, the Java runtime
#   2. the CUDA tests (dev.sift.engine.backend.cuda: each kernel against the CPU math, then the
#      CUDA decoder against the CPU decoder on every test model), failing rather than skipping
#      when CUDA is unavailable, and synchronising after every kernel so that a fault names it
#   3. greedy decoding speed, CPU against CUDA (CudaSpeedCheck)
# Everything goes to $OUT (default ./gpu-out): gpu-check.log (all output, with every test's result),
# speed.txt and results.txt (one line per step with its exit code). A failing step does not stop
# the later ones; the script exits non-zero if any failed.
#
# Usage, from the repository root: bash scripts/gpu-check.sh
# Environment: OUT; CUDA_REQUIRED=false lets the tests skip without CUDA (a dry run elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-./gpu-out}
mkdir -p "$OUT"
# The driver's JIT cache for the PTX kernels: outside $OUT, so that it does not travel back.
export CUDA_CACHE_PATH=${CUDA_CACHE_PATH:-/tmp/sift-cuda-cache}
results="$OUT/results.txt"
failed=0

record() { # step, exit code
    echo "$1: exit $2" >> "$results"
    echo "== $1 finished with exit code $2"
    if [[ "$2" != 0 ]]; then
        failed=1
    fi
}

main() {
    : > "$results"
    local path
    for path in .jre/bin/java .models/stories260K.gguf .gpu-check/classes .gpu-check/test-classes .gpu-check/lib; do
        if [[ ! -e "$path" ]]; then
            echo "missing $path: run scripts/prepare-gpu-check.sh on the build machine and carry its outputs"
            return 2
        fi
    done
    local launcher classpath jar
    launcher=$(ls .gpu-check/lib/junit-platform-console-standalone-*.jar)
    classpath=.gpu-check/classes:.gpu-check/test-classes
    for jar in .gpu-check/lib/*.jar; do
        [[ "$jar" == "$launcher" ]] || classpath+=":$jar"
    done
    local java=(.jre/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
                -Dsift.shared.models=.models)

    echo "== machine ($(date -u +%FT%TZ))"
    uname -a
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi || true
        nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv || true
    else
        echo "nvidia-smi not found"
    fi
    .jre/bin/java -version

    echo "== CUDA tests"
    set +e
    timeout 300 "${java[@]}" -Dsift.cuda.sync=true -Dsift.cuda.required="${CUDA_REQUIRED:-true}" \
        -jar "$launcher" execute --disable-banner --disable-ansi-colors --details=tree --fail-if-no-tests \
        --class-path "$classpath" --select-package dev.sift.engine.backend.cuda
    record "CUDA tests" $?

    echo "== speed: CPU against CUDA"
    timeout 150 "${java[@]}" -cp "$classpath" dev.sift.engine.backend.cuda.CudaSpeedCheck \
        .models/stories260K.gguf .models/synthetic/tiny-llama-f32.gguf generated:Q8_0 generated:Q4_0 \
        | tee "$OUT/speed.txt"
    record "speed check" "${PIPESTATUS[0]}"
    set -e

    echo "== results"
    cat "$results"
    return "$failed"
}

main 2>&1 | tee "$OUT/gpu-check.log"
exit "${PIPESTATUS[0]}"
