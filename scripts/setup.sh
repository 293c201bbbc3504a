#!/usr/bin/env bash
# Installs the Debian packages FlashTile needs, only when some are missing.
# Idempotent; works as root without sudo.
set -euo pipefail
pkgs=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools lld-22 clang-22
      libclang-rt-22-dev clang-format-22 ninja-build cmake g++ python3)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
fi

# ptxas turns PTX into cubins. Debian has no CUDA 12+ toolkit, so without a
# local toolkit fetch NVIDIA's ptxas wheel from PyPI into .deps/ (optional:
# without it the cubin tests are skipped and PTX is still produced).
cd "$(dirname "$0")/.."
have_ptxas() {
  [ -n "${CUDA_HOME:-}" ] && [ -x "$CUDA_HOME/bin/ptxas" ] && return 0
  [ -x /usr/local/cuda/bin/ptxas ] && return 0
  command -v ptxas >/dev/null 2>&1 && return 0
  [ -x .deps/cuda/nvidia/cuda_nvcc/bin/ptxas ]
}
if ! have_ptxas; then
  echo "setup: no ptxas found; installing nvidia-cuda-nvcc-cu12 (ptxas) into .deps/cuda"
  PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q --disable-pip-version-check \
    --target .deps/cuda \
    "nvidia-cuda-nvcc-cu12==12.9.86" ||
    echo "setup: warning: could not install ptxas; cubin tests will be skipped"
fi
