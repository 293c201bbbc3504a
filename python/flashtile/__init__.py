"""FlashTile from Python: launch compiled kernels on PyTorch tensors.

    from flashtile import Kernel
    k = Kernel("out/flash_fwd_d128.json")          # a sidecar written by fa-compile
    k(q, k_, v, o, lse, 1.0 / 128 ** 0.5)          # torch CUDA tensors and scalars

Kernels are launched through FlashTile's C runtime (libfa_runtime.so, loaded with
ctypes; it dlopens the CUDA driver itself), on PyTorch's current stream. Arguments
are checked against the sidecar before launch: element type, compile-time sizes,
sizes shared by name, a contiguous last dimension and alignment.
"""
from .runtime import Kernel, RuntimeError_, load_runtime  # noqa: F401
