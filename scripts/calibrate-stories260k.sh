#!/usr/bin/env bash
# Regenerates the SRH profile of stories260K that the tests read
# (engine/src/test/resources/dev/sift/engine/kv/stories260K.srh.json): the default calibration grid at the
# 512-token context the model was trained with (its file declares 2048).
#
# Usage (from anywhere): scripts/calibrate-stories260k.sh
set -euo pipefail
cd "$(dirname "$0")/.."
models=${SIFT_SHARED_MODELS:-../shared/models}
bin/sift calibrate --model "$models/stories260K.gguf" --context 512 \
    --out engine/src/test/resources/dev/sift/engine/kv/stories260K.srh.json
