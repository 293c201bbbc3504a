#!/usr/bin/env bash
# The main job: install what is missing, build, and run FlashTile's flagship
# kernel, flash attention forward (kernels/flash_fwd.tile), checked against an
# fp64 reference. The kernel runs on the CPU through the host lowering; the
# GPU targets of fa-run (added with the GPU back end) run where a GPU is
# present.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh

run() {
  echo "+ $*"
  "$@"
}

if ./build/bin/fa-device-info >/dev/null 2>&1; then
  echo "main.sh: a CUDA GPU is present, but this build of fa-run runs only on the host"
else
  echo "main.sh: no GPU found; running on the host (CPU)"
fi
K=kernels/flash_fwd.tile
run ./build/bin/fa-run $K --target host --batch 1 --heads 4 --seqlen 1000 --headdim 128 --dtype bf16 --check
run ./build/bin/fa-run $K --target host --batch 1 --heads 4 --seqlen 1000 --headdim 128 --dtype bf16 --causal --check
run ./build/bin/fa-run $K --target host --batch 1 --heads 8 --kv-heads 2 --seqlen 333 --seqlen-k 1000 --headdim 64 --dtype fp16 --check
echo "main.sh: flash attention forward passed its checks"
