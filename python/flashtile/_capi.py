"""ctypes binding of libflashtile.so (python/csrc/flashtile_capi.h).

The library holds FlashTile's compiler (front end, GPU compile, host JIT) and
runtime (CUDA driver, sidecar-checked launches), with LLVM and MLIR linked in;
it uses no Python C API, so one build serves every Python version.
"""
import ctypes
import json
import os
import threading

from .errors import ArgumentError, CompileError, FlashTileError, LaunchError

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(os.path.dirname(_HERE))

_lock = threading.Lock()
_lib = None
_lib_path = None


class FtArg(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int32), ("rank", ctypes.c_int32), ("data", ctypes.c_void_p),
                ("sizes", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("f", ctypes.c_double),
                ("i", ctypes.c_int64)]


ARG_TENSOR, ARG_FLOAT, ARG_INT = 0, 1, 2


def library_candidates():
    """Where libflashtile.so is looked for, in order."""
    env = os.environ.get("FLASHTILE_LIB")
    return [p for p in [env, os.path.join(_HERE, "_lib", "libflashtile.so"),
                        os.path.join(_REPO, "build", "lib", "libflashtile.so")] if p]


def library_path():
    load()
    return _lib_path


def load():
    """Loads libflashtile.so once and declares its functions."""
    global _lib, _lib_path
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is not None:
            return _lib
        for path in library_candidates():
            if os.path.exists(path):
                break
        else:
            raise FlashTileError(
                "libflashtile.so not found (looked at " + ", ".join(library_candidates()) +
                "): install the package with `pip install .` from the repository, or build "
                "it (scripts/build.sh builds build/lib/libflashtile.so) or set FLASHTILE_LIB")
        lib = ctypes.CDLL(path)
        c = ctypes
        P = c.POINTER
        sigs = {
            "ft_version": ([], c.c_char_p),
            "ft_last_error": ([], c.c_char_p),
            "ft_free": ([c.c_void_p], None),
            "ft_targets": ([], c.c_char_p),
            "ft_inspect": ([c.c_char_p, c.c_size_t, c.c_char_p, c.c_char_p, P(c.c_void_p)],
                           c.c_int),
            "ft_compile_gpu": ([c.c_char_p, c.c_size_t, c.c_char_p, c.c_char_p, c.c_char_p,
                                c.c_char_p, c.c_uint, c.c_uint, c.c_char_p, c.c_char_p,
                                c.c_int, c.c_char_p, P(c.c_void_p)], c.c_int),
            "ft_host_compile": ([c.c_char_p, c.c_size_t, c.c_char_p, c.c_char_p, c.c_char_p,
                                 c.c_uint, P(c.c_void_p)], c.c_int),
            "ft_host_describe": ([c.c_void_p, P(c.c_void_p)], c.c_int),
            "ft_host_check": ([c.c_void_p, c.c_int, P(FtArg)], c.c_int),
            "ft_host_run": ([c.c_void_p, c.c_int, P(FtArg)], c.c_int),
            "ft_host_destroy": ([c.c_void_p], None),
            "ft_gpu_load": ([c.c_char_p, c.c_char_p, P(c.c_void_p)], c.c_int),
            "ft_gpu_check": ([c.c_void_p, c.c_int, P(FtArg), P(c.c_uint)], c.c_int),
            "ft_gpu_launch": ([c.c_void_p, c.c_int, c.c_void_p, c.c_int, P(FtArg)], c.c_int),
            "ft_gpu_destroy": ([c.c_void_p], None),
            "ft_device_capability": ([c.c_int, P(c.c_int)], c.c_int),
        }
        for name, (args, res) in sigs.items():
            fn = getattr(lib, name)
            fn.argtypes = args
            fn.restype = res
        _lib, _lib_path = lib, path
        return lib


def last_error():
    return load().ft_last_error().decode(errors="replace")


def _take_string(ptr):
    lib = load()
    try:
        return ctypes.string_at(ptr.value).decode(errors="replace") if ptr.value else ""
    finally:
        lib.ft_free(ptr)


def version():
    return load().ft_version().decode()


def targets():
    return load().ft_targets().decode().split(",")


def inspect(source, filename, defines):
    """The kernels of a source: [{name, params, args}] (front end only)."""
    lib = load()
    data = source.encode()
    out = ctypes.c_void_p()
    if lib.ft_inspect(data, len(data), filename.encode(), defines.encode(), ctypes.byref(out)):
        raise CompileError(last_error())
    return json.loads(_take_string(out))


def compile_gpu(source, filename, kernel, defines, target, num_warps, num_stages, output,
                fail_on_spill=False, defaults=None):
    """Compiles for a GPU target into `output` (+ .ptx, .json); returns the
    warnings. num_warps/num_stages 0: unset. `defaults`: (name, text) of the
    per-target defaults file, or None."""
    lib = load()
    data = source.encode()
    log = ctypes.c_void_p()
    dname, dtext = (d.encode() for d in defaults) if defaults else (None, None)
    rc = lib.ft_compile_gpu(data, len(data), filename.encode(), (kernel or "").encode(),
                            defines.encode(), target.encode(), num_warps, num_stages,
                            dtext, dname, int(fail_on_spill), output.encode(),
                            ctypes.byref(log))
    if rc:
        raise CompileError(last_error())
    return _take_string(log)


class HostKernel:
    """A kernel JIT-compiled for the CPU (the host lowering)."""

    def __init__(self, source, filename, kernel, defines, opt_level=3):
        lib = load()
        data = source.encode()
        handle = ctypes.c_void_p()
        if lib.ft_host_compile(data, len(data), filename.encode(), (kernel or "").encode(),
                               defines.encode(), opt_level, ctypes.byref(handle)):
            raise CompileError(last_error())
        self._handle = handle
        out = ctypes.c_void_p()
        if lib.ft_host_describe(handle, ctypes.byref(out)):
            raise CompileError(last_error())
        self.signature = json.loads(_take_string(out))

    def __del__(self):
        h = getattr(self, "_handle", None)
        if h and _lib is not None:
            _lib.ft_host_destroy(h)
            self._handle = None

    def check(self, args):
        if load().ft_host_check(self._handle, len(args), args):
            raise ArgumentError(last_error())

    def run(self, args):
        if load().ft_host_run(self._handle, len(args), args):
            raise LaunchError(last_error())


class GpuKernel:
    """A compiled GPU kernel, from its sidecar (fa::GpuKernel)."""

    def __init__(self, sidecar, entry):
        handle = ctypes.c_void_p()
        if load().ft_gpu_load(sidecar.encode(), entry.encode(), ctypes.byref(handle)):
            raise FlashTileError(last_error())
        self._handle = handle

    def __del__(self):
        h = getattr(self, "_handle", None)
        if h and _lib is not None:
            _lib.ft_gpu_destroy(h)
            self._handle = None

    def check(self, args):
        """Validates `args` against the sidecar; returns the grid."""
        grid = (ctypes.c_uint * 3)()
        if load().ft_gpu_check(self._handle, len(args), args, grid):
            raise ArgumentError(last_error())
        return tuple(grid)

    def launch(self, device, stream, args):
        if load().ft_gpu_launch(self._handle, device, ctypes.c_void_p(stream), len(args), args):
            raise LaunchError(last_error())


def device_capability(device):
    cc = ctypes.c_int()
    if load().ft_device_capability(device, ctypes.byref(cc)):
        raise FlashTileError(last_error())
    return cc.value


def pack_args(values):
    """Packs Python values into an ft_arg array: tensors (objects with
    data_ptr/shape/stride), floats and ints. Returns (array, keepalive)."""
    arr = (FtArg * len(values))()
    keep = []
    for a, v in zip(arr, values):
        if hasattr(v, "data_ptr"):
            rank = v.dim()
            sizes = (ctypes.c_int64 * max(rank, 1))(*v.shape)
            strides = (ctypes.c_int64 * max(rank, 1))(*v.stride())
            keep += [sizes, strides]
            a.kind, a.rank, a.data = ARG_TENSOR, rank, v.data_ptr()
            a.sizes, a.strides = sizes, strides
        elif isinstance(v, bool):
            a.kind, a.i = ARG_INT, int(v)
        elif isinstance(v, int):
            a.kind, a.i = ARG_INT, v
        elif isinstance(v, float):
            a.kind, a.f = ARG_FLOAT, v
        else:
            raise ArgumentError(f"cannot pass a {type(v).__name__} to a kernel")
    return arr, keep
