"""FlashTile for PyTorch.

    import flashtile
    o = flashtile.attention(q, k, v, causal=True)       # autograd, torch.compile
    k = flashtile.compile("my_kernel.tile", kernel="axpy", BLOCK=256)
    k(x, y, 2.0)                                          # CPU or CUDA tensors

Kernels compile on first use for the device (CUDA: the compiler library in
this package plus ptxas; CPU: the host lowering, JIT-compiled in process) and
are cached in memory and, for GPUs, on disk (~/.cache/flashtile or
$FLASHTILE_CACHE_DIR). `python -m flashtile aot` prebuilds the attention
kernels. See docs/python.md.
"""
from .errors import (ArgumentError, CompileError, FlashTileError, LaunchError,  # noqa: F401
                     ToolkitError)
from .compiler import JITKernel, compile, gpu_target  # noqa: F401
from ._cache import cache_dir, stats as cache_stats, clear as clear_cache  # noqa: F401
from ._attention import attention  # noqa: F401
from .runtime import Kernel, RuntimeError_, load_runtime  # noqa: F401

__version__ = "0.1.0"


def compiler_version():
    """The compiler library's identity (commit and LLVM version)."""
    from . import _capi
    return _capi.version()
