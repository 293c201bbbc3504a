#!/usr/bin/env bash
# The main job: install what is missing, build, and run FlashTile's flagship
# path. At this stage of the project that is: build, then print the
# canonicalized `tile` IR of the sample kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
./build/bin/fa-opt test/Tile/ops.mlir -canonicalize
