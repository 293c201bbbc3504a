#!/usr/bin/env bash
# The Python package's check on the GPU machine (Python 3.12, torch, CUDA at
# /usr/local/cuda, no LLVM, no network). Uses only the wheel built here by
# scripts/build_python.sh and carried as out/python/ (git-ignored):
#   1. installs it into a private folder (and pytest from out/python/wheels
#      when the machine has none);
#   2. first call of flashtile.attention in a fresh process with an empty
#      cache (compile time printed, checked against SDPA and fp64), then a
#      second fresh process (cache hit: compiles nothing);
#   3. the GPU pytest suite (python/tests, -m gpu) and the CPU suite's quick
#      files (the host path under this Python);
#   4. torch.compile of a module calling flashtile.attention, with
#      torch._dynamo.explain's report;
#   5. examples/train_gpt.py for STEPS (default 200) steps with each of
#      flashtile.attention, SDPA and SDPA's memory-efficient kernel (the
#      noise floor), once per seed of SEEDS (default "0 1").
# Results go to $OUT (default out/python-check). Steps: all (default), or a
# list of install first pytest compile train.
# Usage: bash scripts/gpu_python_check.sh [steps...]
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out/python-check}
mkdir -p "$OUT"
PKG=${FT_PKG_DIR:-/tmp/flashtile-pkg}
steps=("${@:-all}")
want() { [[ " ${steps[*]} " == *" all "* || " ${steps[*]} " == *" $1 "* ]]; }
export PYTHONPATH="$PKG${PYTHONPATH:+:$PYTHONPATH}"
export FLASHTILE_CACHE_DIR=${FLASHTILE_CACHE_DIR:-/tmp/flashtile-cache}
status=0
run() {  # run NAME TIMEOUT CMD...: output to $OUT/NAME.txt, tail shown
  local name=$1 t=$2
  shift 2
  echo "== $name: $*"
  timeout "$t" "$@" >"$OUT/$name.txt" 2>&1
  local rc=$?
  tail -n 25 "$OUT/$name.txt"
  echo "== $name: exit $rc"
  [ $rc = 0 ] || status=1
}

if want install || [ ! -d "$PKG/flashtile" ]; then
  whl=$(ls out/python/flashtile-*.whl | head -1)
  rm -rf "$PKG" && mkdir -p "$PKG"
  python3 -m pip install -q --no-deps --no-index --target "$PKG" "$whl" || exit 1
  python3 -c "import pytest" 2>/dev/null ||
    python3 -m pip install -q --no-index --find-links out/python/wheels --target "$PKG" pytest
  python3 -m flashtile info | tee "$OUT/info.txt"
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader >>"$OUT/info.txt" 2>&1
fi

if want first; then
  rm -rf "$FLASHTILE_CACHE_DIR"
  cat >"$OUT/first_call.py" <<'PY'
import math, time, sys, torch, torch.nn.functional as F
t_import = time.perf_counter()
import flashtile
from flashtile import _cache
t_import = time.perf_counter() - t_import
torch.manual_seed(0)
q, k, v = (torch.randn(2, 16, 2048, 128, dtype=torch.bfloat16, device="cuda") for _ in range(3))
torch.cuda.synchronize()
t0 = time.perf_counter()
o = flashtile.attention(q, k, v, causal=True)
torch.cuda.synchronize()
first = time.perf_counter() - t0
t0 = time.perf_counter()
o = flashtile.attention(q, k, v, causal=True)
torch.cuda.synchronize()
second = time.perf_counter() - t0
ref = F.scaled_dot_product_attention(q, k, v, is_causal=True)
s = (q.double() @ k.double().transpose(-1, -2)) / math.sqrt(128)
s = s.masked_fill(~torch.ones(2048, 2048, dtype=torch.bool, device="cuda").tril(), float("-inf"))
o64 = torch.softmax(s, -1) @ v.double()
err, plain = (o.double() - o64).abs().max().item(), (ref.double() - o64).abs().max().item()
tol = 2 * plain + 2 ** -8
print(f"import {t_import:.2f} s; first call {first:.2f} s; second call {second * 1e3:.2f} ms; "
      f"stats {_cache.stats()}")
print(f"max error vs fp64: flashtile {err:.3e}, SDPA {plain:.3e}, tolerance {tol:.3e}: "
      f"{'ok' if err <= tol else 'FAILED'}")
sys.exit(0 if err <= tol else 1)
PY
  run first_call 300 python3 "$OUT/first_call.py"
  run cache_hit 300 python3 "$OUT/first_call.py"
  grep -q "'compiles': 0" "$OUT/cache_hit.txt" || { echo "cache hit run compiled"; status=1; }
fi

if want pytest; then
  run pytest_gpu 540 python3 -m pytest -m gpu -v -rs python/tests
  run pytest_cpu_quick 300 python3 -m pytest -q python/tests/test_errors.py \
    python/tests/test_op_and_compile.py python/tests/test_compile_api.py
fi

if want compile; then
  cat >"$OUT/compile_check.py" <<'PY'
import torch, flashtile
class Attn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = torch.nn.Linear(1024, 3 * 1024, dtype=torch.bfloat16, device="cuda")
    def forward(self, x):
        B, N, _ = x.shape
        q, k, v = self.qkv(x).view(B, N, 3, 16, 64).unbind(2)
        return flashtile.attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                                   causal=True).transpose(1, 2).reshape(B, N, -1)
m = Attn()
x = torch.randn(4, 1024, 1024, dtype=torch.bfloat16, device="cuda", requires_grad=True)
explanation = torch._dynamo.explain(m)(x)
print(explanation)
assert explanation.graph_break_count == 0
y = torch.compile(m, fullgraph=True)(x)
y.float().sum().backward()
ref = m(x)
print("compiled vs eager max diff", (y - ref).abs().max().item())
PY
  run compile 300 python3 "$OUT/compile_check.py"
fi

if want train; then
  for seed in ${SEEDS:-0 1}; do
    run "train_gpt_seed$seed" 540 python3 examples/train_gpt.py --steps "${STEPS:-200}" \
      --seed "$seed"
  done
fi
echo "gpu_python_check: $([ $status = 0 ] && echo passed || echo FAILED); results in $OUT"
exit $status
