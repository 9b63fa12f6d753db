#!/usr/bin/env bash
# Sift and llama.cpp side by side on the same GGUF file, with the same thread count, prompt length and
# number of decoded tokens. The two alternate in rounds, so that both see the same machine load; the
# table gives medians over all runs, the ratio Sift / llama.cpp and each engine's share of the
# memory-bandwidth limit (weights read per token / read bandwidth, measured first).
#
# llama.cpp runs through node-llama-cpp's prebuilt CPU build (npm), installed on first use into
# $SIFT_PEER_DIR (default: ~/.cache/sift/node-llama-cpp); llamacpp-bench.mjs says how it is timed.
#
# usage: scripts/bench-vs-llamacpp.sh MODEL.gguf [--threads N] [--prompt-tokens 512] [--gen-tokens 128]
#                                     [--runs 3] [--rounds 2]
set -euo pipefail

NODE_LLAMA_CPP_VERSION=3.21.1
root="$(cd "$(dirname "$0")/.." && pwd)"
peer="${SIFT_PEER_DIR:-$HOME/.cache/sift/node-llama-cpp}"

usage() {
    sed -n 's/^# usage: //p; s/^#  *\(\[--.*\)/\1/p' "$0" >&2
    exit 2
}

[ $# -ge 1 ] || usage
model="$1"
shift
threads="$(nproc)"
prompt=512
gen=128
runs=3
rounds=2
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || usage
    case "$1" in
        --threads) threads="$2" ;;
        --prompt-tokens) prompt="$2" ;;
        --gen-tokens) gen="$2" ;;
        --runs) runs="$2" ;;
        --rounds) rounds="$2" ;;
        *) usage ;;
    esac
    shift 2
done
[ -f "$model" ] || { echo "error: no such file: $model" >&2; exit 1; }

if [ ! -d "$peer/node_modules/node-llama-cpp" ]; then
    echo "Installing node-llama-cpp $NODE_LLAMA_CPP_VERSION into $peer ..." >&2
    mkdir -p "$peer"
    npm install --prefix "$peer" --no-audit --no-fund --loglevel=error "node-llama-cpp@$NODE_LLAMA_CPP_VERSION" >&2
fi
# Node resolves the package from the script's folder, so the script runs from the install.
cp "$root/scripts/llamacpp-bench.mjs" "$peer/"

sift() {
    "$root/bin/sift" "$@"
}

vocabulary="$(sift info --model "$model" | sed -n 's/^tokenizer .*, \([0-9]*\) tokens.*/\1/p')"
bandwidth="$(sift bench --measure-bandwidth --threads "$threads" | sed -n 's/^read bandwidth: \([0-9.]*\) GB\/s.*/\1/p')"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for round in $(seq "$rounds"); do
    echo "round $round/$rounds: Sift" >&2
    sift bench --model "$model" --threads "$threads" --prompt-tokens "$prompt" --gen-tokens "$gen" --runs "$runs" \
        > "$work/sift-$round.out" 2> "$work/sift-$round.err"
    sed -n 's/^run [0-9]*\/[0-9]*: prefill \([0-9.]*\) tokens\/s, decode \([0-9.]*\) tokens\/s$/\1 \2/p' \
        "$work/sift-$round.err" >> "$work/sift.runs"
    echo "round $round/$rounds: llama.cpp" >&2
    node "$peer/llamacpp-bench.mjs" "$model" "$threads" "$prompt" "$gen" "$runs" "$vocabulary" > "$work/llama-$round.json"
    node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
             r.prefill.forEach((p, i) => console.log(p + " " + r.decode[i]));' "$work/llama-$round.json" >> "$work/llama.runs"
done

weights_mb="$(sed -n 's/.*weights read per token: \([0-9.]*\) MB.*/\1/p' "$work/sift-1.out")"
llama_release="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).llamaCpp)' "$work/llama-1.json")"

# median, min and max of column $1 of a runs file
stats() {
    cut -d' ' -f"$1" "$2" | sort -g | awk '{v[NR] = $1} END {
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.2f %.2f %.2f\n", m, v[1], v[NR]}'
}
read -r sp sp_min sp_max < <(stats 1 "$work/sift.runs")
read -r sd sd_min sd_max < <(stats 2 "$work/sift.runs")
read -r lp lp_min lp_max < <(stats 1 "$work/llama.runs")
read -r ld ld_min ld_max < <(stats 2 "$work/llama.runs")
share() { awk -v d="$1" -v mb="$weights_mb" -v bw="$bandwidth" 'BEGIN {printf "%.0f%%", 100 * d * mb / 1000 / bw}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

echo
echo "model:     $(basename "$model"), $weights_mb MB of weights read per decoded token"
echo "machine:   $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; read bandwidth $bandwidth GB/s ($threads threads)"
echo "software:  $("$("$root/bin/find-jdk25")/bin/java" -version 2>&1 | head -1); node-llama-cpp $NODE_LLAMA_CPP_VERSION (llama.cpp $llama_release, prebuilt CPU)"
echo "run:       $threads threads, prompt $prompt tokens, $gen decoded tokens, $rounds rounds x $runs runs each, $(date -u +%Y-%m-%d)"
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min averages at the end)"
echo
printf "| %-16s | %-30s | %-30s | %-17s |\n" "engine" "prefill tokens/s (min-max)" "decode tokens/s (min-max)" "bandwidth limit"
printf "|%s|%s|%s|%s|\n" "------------------" "--------------------------------" "--------------------------------" "-------------------"
printf "| %-16s | %-30s | %-30s | %-17s |\n" "Sift" "$sp ($sp_min-$sp_max)" "$sd ($sd_min-$sd_max)" "$(share "$sd")"
printf "| %-16s | %-30s | %-30s | %-17s |\n" "llama.cpp" "$lp ($lp_min-$lp_max)" "$ld ($ld_min-$ld_max)" "$(share "$ld")"
printf "| %-16s | %-30s | %-30s | %-17s |\n" "Sift / llama.cpp" "$(ratio "$sp" "$lp")x" "$(ratio "$sd" "$ld")x" ""
