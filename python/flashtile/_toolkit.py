"""Finds ptxas, which turns the compiler's PTX into a cubin.

Order: $FA_PTXAS, $CUDA_HOME/bin (or $CUDA_PATH/bin), PATH, the
nvidia-cuda-nvcc wheel (nvidia/cu13/bin or nvidia/cuda_nvcc/bin in
site-packages), /usr/local/cuda/bin, and the repository's .deps/cuda
(scripts/setup.sh). The choice is handed to the compiler library through
FA_PTXAS.
"""
import glob
import os
import shutil
import sys

from .errors import ToolkitError

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(os.path.dirname(_HERE))


def _executable(p):
    return p if p and os.path.isfile(p) and os.access(p, os.X_OK) else None


def ptxas_candidates():
    """(where, path) pairs, in the order they are tried."""
    out = []
    if os.environ.get("FA_PTXAS"):
        out.append(("$FA_PTXAS", os.environ["FA_PTXAS"]))
    for var in ("CUDA_HOME", "CUDA_PATH"):
        if os.environ.get(var):
            out.append((f"${var}/bin", os.path.join(os.environ[var], "bin", "ptxas")))
    which = shutil.which("ptxas")
    if which:
        out.append(("PATH", which))
    roots = [p for p in sys.path if p and os.path.isdir(p)] + [os.path.join(_REPO, ".deps", "cuda")]
    for root in roots:
        for p in sorted(glob.glob(os.path.join(root, "nvidia", "*", "bin", "ptxas"))):
            out.append(("nvidia-cuda-nvcc wheel", p))
    out.append(("/usr/local/cuda/bin", "/usr/local/cuda/bin/ptxas"))
    return out


def find_ptxas():
    """The ptxas to use; raises ToolkitError naming every place looked at."""
    cands = ptxas_candidates()
    if os.environ.get("FA_PTXAS"):
        # An explicit choice is not second-guessed.
        if _executable(os.environ["FA_PTXAS"]):
            return os.environ["FA_PTXAS"]
        raise ToolkitError(f"FA_PTXAS={os.environ['FA_PTXAS']} is not an executable ptxas")
    for _, p in cands:
        if _executable(p):
            return p
    raise ToolkitError(
        "ptxas (CUDA toolkit) not found; flashtile needs it to compile kernels for the GPU. "
        "Looked in: " + ", ".join(f"{w} ({p})" for w, p in cands) +
        ". Install the CUDA toolkit and set CUDA_HOME, put ptxas on PATH, or "
        "`pip install nvidia-cuda-nvcc` (CUDA 13) / `nvidia-cuda-nvcc-cu12`.")


def use_ptxas():
    """Finds ptxas and points the compiler library at it; returns its path."""
    p = find_ptxas()
    os.environ["FA_PTXAS"] = p
    return p
