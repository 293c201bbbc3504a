#!/usr/bin/env bash
# The main job: install what is missing, build, and run FlashTile's flagship
# kernel, flash attention forward (kernels/flash_fwd.tile), checked against an
# fp64 reference: on an NVIDIA GPU when one is present (compiled to a cubin),
# otherwise on the CPU through the host lowering.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh

run() {
  echo "+ $*"
  "$@"
}

K=kernels/flash_fwd.tile
# On the GPU: 128x64 blocks, 4 warps and 2 cp.async stages, the measured
# configuration (docs/perf.md; also the tools' and the kernel's defaults).
if info=$(./build/bin/fa-device-info 2>/dev/null); then
  echo "main.sh: $info"
  cc=$(echo "$info" | sed -E 's/.*sm_([0-9]+).*/\1/')
  target=sm_80
  [ "$cc" -ge 90 ] && target=sm_90a
  # fa-run compiles the .tile source for the GPU (needs ptxas: CUDA_HOME,
  # /usr/local/cuda or PATH), runs it and checks it against fp64.
  run ./build/bin/fa-run $K --target $target --block-m 128 --block-n 64 --num-stages 2 --batch 2 --heads 16 --seqlen 4096 --headdim 128 --dtype bf16 --check --time 20
  run ./build/bin/fa-run $K --target $target --block-m 128 --block-n 64 --num-stages 2 --batch 1 --heads 8 --kv-heads 2 --seqlen 1000 --seqlen-k 333 --headdim 64 --dtype fp16 --causal --check
else
  echo "main.sh: no GPU found; running on the host (CPU)"
  run ./build/bin/fa-run $K --target host --batch 1 --heads 4 --seqlen 1000 --headdim 128 --dtype bf16 --check
  run ./build/bin/fa-run $K --target host --batch 1 --heads 4 --seqlen 1000 --headdim 128 --dtype bf16 --causal --check
  run ./build/bin/fa-run $K --target host --batch 1 --heads 8 --kv-heads 2 --seqlen 333 --seqlen-k 1000 --headdim 64 --dtype fp16 --check
fi
echo "main.sh: flash attention forward passed its checks"
