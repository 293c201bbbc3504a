"""ctypes binding of FlashTile's C runtime (include/fa/Runtime/CudaRuntime.h)."""
import ctypes
import json
import os

_LIB = None


class RuntimeError_(RuntimeError):
    """A failure reported by the FlashTile runtime or a refused argument."""


def load_runtime(path=None):
    """Loads libfa_runtime.so: `path`, $FA_RUNTIME_LIB, or build*/lib next to the repo."""
    global _LIB
    if _LIB is not None:
        return _LIB
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    candidates = [path, os.environ.get("FA_RUNTIME_LIB"),
                  # The package's library exports the same runtime (fa_rt_*).
                  os.path.join(here, "_lib", "libflashtile.so"),
                  os.path.join(repo, "build", "lib", "libfa_runtime.so"),
                  os.path.join(repo, "build-rt", "lib", "libfa_runtime.so")]
    for c in candidates:
        if c and os.path.exists(c):
            lib = ctypes.CDLL(c)
            break
    else:
        raise RuntimeError_("libfa_runtime.so not found: build FlashTile (scripts/build.sh) or "
                            "the runtime alone (cmake -S lib/Runtime -B build-rt), or set FA_RUNTIME_LIB")
    u3 = ctypes.c_uint * 3
    lib.fa_rt_last_error.restype = ctypes.c_char_p
    lib.fa_rt_init.argtypes = [ctypes.c_int]
    lib.fa_rt_load_file.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
    lib.fa_rt_unload.argtypes = [ctypes.c_void_p]
    lib.fa_rt_launch.argtypes = [ctypes.c_void_p, u3, u3, ctypes.c_uint, ctypes.c_void_p,
                                 ctypes.POINTER(ctypes.c_void_p)]
    lib.fa_rt_kernel_info.argtypes = [ctypes.c_void_p] + [ctypes.POINTER(ctypes.c_int)] * 3
    i64p = ctypes.POINTER(ctypes.c_int64)
    lib.fa_rt_encode_tensor_map.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint,
                                            ctypes.c_uint64, i64p, i64p, i64p, ctypes.c_uint]
    _LIB = lib
    return lib


def _check(rc):
    if rc != 0:
        raise RuntimeError_(_LIB.fa_rt_last_error().decode())


_DTYPES = {"bf16": "torch.bfloat16", "f16": "torch.float16", "f32": "torch.float32",
           "i32": "torch.int32", "f64": "torch.float64", "i64": "torch.int64"}

_GRID_OPS = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
             "div": lambda x, y: int(x / y), "cdiv": lambda x, y: -(-x // y),
             "min": min, "max": max, "rem": lambda x, y: x % y}


class Kernel:
    """A compiled kernel, loaded from its sidecar (format flashtile-kernel-1)."""

    def __init__(self, sidecar, entry=None, device=0):
        with open(sidecar) as f:
            meta = json.load(f)
        if meta.get("format") != "flashtile-kernel-1":
            raise RuntimeError_(f"{sidecar}: not a FlashTile kernel sidecar")
        kernels = [k for k in meta["kernels"] if entry in (None, k["entry"])]
        if len(kernels) != 1:
            raise RuntimeError_(f"{sidecar}: expected one kernel{' ' + entry if entry else ''}, "
                                f"found {len(kernels)}")
        self.meta = k = kernels[0]
        self.params = k["params"]
        self._tma_params = {self.params[e["param"]]["name"] for e in k["abi"]
                            if e["kind"] == "tensormap"}
        self.entry = k["entry"]
        cubin = k.get("cubin") or meta["cubin"]
        if not os.path.isabs(cubin):
            cubin = os.path.join(os.path.dirname(os.path.abspath(sidecar)), cubin)
        lib = load_runtime()
        _check(lib.fa_rt_init(device))
        self._handle = ctypes.c_void_p()
        _check(lib.fa_rt_load_file(cubin.encode(), self.entry.encode(), ctypes.byref(self._handle)))
        self.threads = (ctypes.c_uint * 3)(*k["threads"])
        self.shared_bytes = int(k["shared_bytes"])
        self._cache = {}

    def __del__(self):
        if getattr(self, "_handle", None) and _LIB is not None:
            _LIB.fa_rt_unload(self._handle)

    def info(self):
        """Registers per thread, static shared memory and max threads, from the driver."""
        vals = [ctypes.c_int() for _ in range(3)]
        _check(_LIB.fa_rt_kernel_info(self._handle, *[ctypes.byref(v) for v in vals]))
        return {"registers": vals[0].value, "static_shared": vals[1].value,
                "max_threads": vals[2].value}

    def check(self, args):
        """Refuses arguments the kernel was not compiled for, before any launch."""
        if len(args) != len(self.params):
            raise RuntimeError_(f"{self.entry} takes {len(self.params)} arguments, got {len(args)}")
        symbols = {}
        for p, a in zip(self.params, args):
            name = p["name"]
            if p["kind"] != "tensor":
                continue
            if not hasattr(a, "data_ptr") or not a.is_cuda:
                raise RuntimeError_(f"{name}: expected a CUDA tensor")
            if str(a.dtype) != _DTYPES.get(p["dtype"]):
                raise RuntimeError_(f"{name}: dtype {a.dtype}, the kernel expects {p['dtype']}")
            if a.dim() != p["rank"]:
                raise RuntimeError_(f"{name}: rank {a.dim()}, the kernel expects {p['rank']}")
            for d, want in enumerate(p["dims"]):
                size = a.shape[d]
                if isinstance(want, int):
                    if size != want:
                        raise RuntimeError_(f"{name}: dimension {d} is {size}, but the kernel was "
                                            f"compiled for {want}")
                else:
                    prev = symbols.setdefault(want, (size, f"{name}[{d}]"))
                    if prev[0] != size:
                        raise RuntimeError_(f"size {want} differs: {prev[1]} = {prev[0]} but "
                                            f"{name}[{d}] = {size}")
            if a.dim() and a.stride(-1) != 1:
                raise RuntimeError_(f"{name}: the last dimension must be contiguous (stride 1)")
            align, esz = p.get("align_bytes", 1), a.element_size()
            if p["name"] in self._tma_params:
                align = max(align, 16)  # TMA: 16-byte aligned base and strides
            if a.data_ptr() % align or any((s * esz) % align for s in a.stride()[:-1]):
                raise RuntimeError_(f"{name}: base and outer strides must be {align}-byte aligned")

    def _grid(self, expr, args):
        if isinstance(expr, int):
            return expr
        if "size" in expr:
            a, d = expr["size"]
            return int(args[a].shape[d])
        if "arg" in expr:
            return int(args[expr["arg"]])
        x, y = (self._grid(e, args) for e in expr["args"])
        return _GRID_OPS[expr["op"]](x, y)

    def _prepare(self, args):
        """Checks `args` and marshals them: (grid, kept ctypes values, pointer array)."""
        self.check(args)
        grid = [self._grid(g, args) for g in self.meta["grid"]]
        slots = []
        for e in self.meta["abi"]:
            a = args[e["param"]]
            kind, ty = e["kind"], e["type"]
            if kind == "ptr":
                slots.append(ctypes.c_uint64(a.data_ptr()))
            elif kind == "tensormap":
                # A TMA descriptor (CUtensorMap) by value, encoded by the runtime.
                rank = a.dim()
                arr = ctypes.c_int64 * rank
                m = (ctypes.c_uint8 * 128)()
                _check(_LIB.fa_rt_encode_tensor_map(
                    m, e["dtype"].encode(), rank, a.data_ptr(), arr(*a.shape), arr(*a.stride()),
                    arr(*e["box"]), e["swizzle"]))
                slots.append(m)
            elif kind in ("size", "stride"):
                v = a.shape[e["dim"]] if kind == "size" else a.stride(e["dim"])
                slots.append(ctypes.c_int32(v) if ty == "i32" else ctypes.c_int64(v))
            else:
                slots.append({"f32": ctypes.c_float, "f64": ctypes.c_double, "i32": ctypes.c_int32,
                              "i64": ctypes.c_int64}[ty](a))
        ptrs = (ctypes.c_void_p * len(slots))(*[ctypes.cast(ctypes.byref(s), ctypes.c_void_p)
                                                for s in slots])
        return (ctypes.c_uint * 3)(*grid), min(grid) > 0, slots, ptrs

    def __call__(self, *args, stream=None):
        import torch
        # Arguments seen before (same buffers, shapes, strides and scalars)
        # reuse their checked, marshalled form: launches stay cheap in loops.
        key = tuple((a.data_ptr(), a.dtype, tuple(a.shape), tuple(a.stride()))
                    if hasattr(a, "data_ptr") else a for a in args)
        prepared = self._cache.get(key)
        if prepared is None:
            prepared = self._prepare(args)
            if len(self._cache) >= 64:
                self._cache.clear()
            self._cache[key] = prepared
        grid, nonempty, _, ptrs = prepared
        if not nonempty:
            return
        s = stream if stream is not None else torch.cuda.current_stream().cuda_stream
        _check(_LIB.fa_rt_launch(self._handle, grid, self.threads, self.shared_bytes,
                                 ctypes.c_void_p(s), ptrs))
