#!/usr/bin/env bash
# Regenerates the tables and plots of BENCHMARKS.md under docs/benchmarks/:
#   quality.{txt,csv,png}   sift eval on stories260K: every method at budgets 64/128/256 against the full cache
#   long-<type>.{md,csv,png} sift bench-long on a generated Llama-3.2-1B-shaped model (random weights, real speed;
#                            random text has few sentence ends, so the sentence method also re-chooses every 16 tokens)
#
# Usage (from anywhere): scripts/benchmarks.sh [quality] [long]   (both when none is named)
# Environment: SIFT_SHARED_MODELS (default ../shared/models), SIFT_BENCH_MODELS (where generated models go,
# default target/bench-models), SIFT_LONG_TYPES (default "q8_0 q4_0"), SIFT_LONG_CONTEXTS (default
# 4096,16384,32768), SIFT_THREADS (default 0: all processors).
set -euo pipefail
cd "$(dirname "$0")/.."
models=${SIFT_SHARED_MODELS:-../shared/models}
generated=${SIFT_BENCH_MODELS:-target/bench-models}
out=docs/benchmarks
threads=${SIFT_THREADS:-0}
parts=${*:-quality long}
mkdir -p "$out" "$generated"

if [[ " $parts " == *" quality "* ]]; then
    bin/sift eval --model "$models/stories260K.gguf" --context 512 --threads "$threads" --kv-type f32 \
        --prompts "$models/reference" \
        --methods none,streaming,snapkv,pyramidkv,sentence,srh-uniform,srh,srh-kvhead --budgets 64,128,256 \
        --compression-profile engine/src/test/resources/dev/sift/engine/kv/stories260K.srh.json \
        --haystack engine/src/main/resources/dev/sift/engine/eval/haystack.txt \
        --needles engine/src/main/resources/dev/sift/engine/calibration/needles.tsv \
        --csv "$out/quality.csv" --plot "$out/quality.png" | tee "$out/quality.txt"
fi

if [[ " $parts " == *" long "* ]]; then
    for type in ${SIFT_LONG_TYPES:-q8_0 q4_0}; do
        model="$generated/llama-3.2-1b-$type.gguf"
        [[ -f "$model" ]] || bin/sift bench --generate-model "$model" --shape llama-3.2-1b --type "$type"
        bin/sift bench-long --model "$model" --threads "$threads" \
            --contexts "${SIFT_LONG_CONTEXTS:-4096,16384,32768}" \
            --methods streaming,snapkv,sentence --budgets 1024,2048 --gen-tokens 32 --reselect-interval 16 \
            --csv "$out/long-$type.csv" --markdown "$out/long-$type.md" --plot "$out/long-$type.png" --plot-budget 2048
    done
fi
