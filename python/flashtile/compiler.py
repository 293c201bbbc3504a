"""flashtile.compile: any `.tile` kernel, launchable on CPU or CUDA tensors.

    k = flashtile.compile("kernels/flash_fwd.tile", kernel="flash_fwd",
                          HEAD_DIM=64, T="bf16", CAUSAL=True)
    k(q, k_, v, o, lse, 0.125)       # the grid comes from the kernel's grid rule

CPU tensors run through the host lowering (JIT-compiled in process); CUDA
tensors through a binary compiled for the device's target on first use and
kept in memory and in the disk cache (flashtile._cache).
"""
import hashlib
import os
import threading

from . import _cache, _capi, _toolkit
from .errors import ArgumentError, FlashTileError

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(os.path.dirname(_HERE))

# Element types of the language as torch dtypes (names, to import torch lazily).
_DTYPE_NAMES = {"bf16": "bfloat16", "f16": "float16", "f32": "float32", "f64": "float64",
                "i32": "int32", "i64": "int64", "i16": "int16", "i8": "int8", "i1": "bool"}


def kernel_source_dir():
    """The shipped kernels' folder (the package's, or the repository's)."""
    for d in (os.path.join(_HERE, "kernels"), os.path.join(_REPO, "kernels")):
        if os.path.isdir(d):
            return d
    raise FlashTileError("the kernels' .tile sources are not installed")


def _read_defaults(filename):
    """(path, text) of the per-target defaults file beside a `.tile` file
    (`kernels/flash_fwd.defaults` for `kernels/flash_fwd.tile`), or None."""
    if not filename or not filename.endswith(".tile"):
        return None
    path = filename[:-len(".tile")] + ".defaults"
    try:
        with open(path) as f:
            return path, f.read()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise FlashTileError(f"cannot read {path}: {e.strerror}") from None


def _read_source(path_or_source):
    """(text, filename) of a path or of source text."""
    if isinstance(path_or_source, os.PathLike) or (
            isinstance(path_or_source, str) and "\n" not in path_or_source
            and path_or_source.endswith(".tile")):
        path = os.fspath(path_or_source)
        if not os.path.exists(path) and os.path.exists(os.path.join(kernel_source_dir(), path)):
            path = os.path.join(kernel_source_dir(), path)
        try:
            with open(path) as f:
                return f.read(), path
        except OSError as e:
            raise FlashTileError(f"cannot read {path}: {e.strerror}") from None
    if not isinstance(path_or_source, str):
        raise TypeError("compile() takes a path or the source text of a .tile file")
    return path_or_source, "<source>"


def _constant_text(name, value):
    import torch
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, torch.dtype):
        for k, v in _DTYPE_NAMES.items():
            if getattr(torch, v) == value:
                return k
        raise ArgumentError(f"constant {name}: no element type for {value}")
    if isinstance(value, str) and value and "\n" not in value and "=" not in value:
        return value
    raise ArgumentError(f"constant {name}={value!r}: expected a bool, an int, a type name "
                        "(\"bf16\") or a torch dtype")


def gpu_target(device_index):
    """The compile target of a CUDA device ($FLASHTILE_TARGET overrides)."""
    forced = os.environ.get("FLASHTILE_TARGET")
    if forced:
        return forced
    import torch
    major, minor = torch.cuda.get_device_capability(device_index)
    if major == 9:
        return "sm_90a"
    if major == 8:
        return "sm_80"
    raise FlashTileError(f"CUDA device {device_index} has compute capability {major}.{minor}; "
                         f"flashtile compiles for {', '.join(_capi.targets())} (sm_8x, sm_90)")


class JITModule:
    """A `.tile` source with its constants: compiled per target on demand."""

    def __init__(self, source, filename, constants, only=None, num_warps=None, num_stages=None,
                 host_opt_level=3, defaults=None):
        self.source, self.filename = source, filename
        # The per-target defaults beside a source file (<name>.defaults), as
        # fa-compile reads them: tile shapes, warps, matrix instructions.
        # (path, text) or None.
        self.defaults = defaults
        self.constants = dict(constants)
        self.defines = "\n".join(f"{k}={_constant_text(k, v)}"
                                 for k, v in sorted(self.constants.items()))
        self.only = only
        self.num_warps = num_warps or 0
        self.num_stages = num_stages or 0
        self.host_opt_level = host_opt_level
        self._lock = threading.Lock()
        self._signatures = None
        self._host = {}
        self._sidecars = {}
        self._gpu = {}

    def signatures(self):
        """{kernel name: {"params", "args"}} from the front end."""
        if self._signatures is None:
            kernels = _capi.inspect(self.source, self.filename, self.defines)
            self._signatures = {k["name"]: k for k in kernels}
        return self._signatures

    def host_kernel(self, name):
        with self._lock:
            k = self._host.get(name)
            if k is None:
                _cache.bump("host_compiles")
                k = _capi.HostKernel(self.source, self.filename, name, self.defines,
                                     self.host_opt_level)
                self._host[name] = k
            return k

    def cache_key(self, target):
        return _cache.make_key(self.source, kernel=self.only or "", defines=self.defines,
                               target=target, num_warps=self.num_warps,
                               num_stages=self.num_stages,
                               defaults=self.defaults[1] if self.defaults else "")

    def sidecar(self, target):
        """The sidecar of this module compiled for `target`: from memory, the
        disk cache, or compiled now."""
        with self._lock:
            s = self._sidecars.get(target)
            if s is not None:
                return s
            key = self.cache_key(target)
            s = _cache.lookup(key)
            if s is not None:
                _cache.bump("disk_hits")
            else:
                _toolkit.use_ptxas()

                def build(folder):
                    _capi.compile_gpu(self.source, self.filename, self.only, self.defines, target,
                                      self.num_warps, self.num_stages,
                                      os.path.join(folder, "kernel.cubin"),
                                      defaults=self.defaults)
                s = _cache.store(key, build)
                _cache.bump("compiles")
            self._sidecars[target] = s
            return s

    def gpu_kernel(self, name, device_index):
        k = self._gpu.get((name, device_index))
        if k is not None:
            _cache.bump("memory_hits")
            return k
        sidecar = self.sidecar(gpu_target(device_index))
        with self._lock:
            k = self._gpu.get((name, device_index))
            if k is None:
                k = _capi.GpuKernel(sidecar, name)
                self._gpu[(name, device_index)] = k
            return k


_modules = {}
_modules_lock = threading.Lock()


def module(source, filename, constants, only=None, num_warps=None, num_stages=None):
    """The JITModule for these inputs, shared by every caller of the process."""
    defaults = _read_defaults(filename)
    key = (hashlib.sha256(source.encode()).hexdigest(), filename, tuple(sorted(
        (k, repr(v)) for k, v in constants.items())), only, num_warps, num_stages, defaults)
    with _modules_lock:
        m = _modules.get(key)
        if m is None:
            m = _modules[key] = JITModule(source, filename, constants, only, num_warps,
                                          num_stages, defaults=defaults)
        return m


class JITKernel:
    """One kernel of a JITModule, callable on torch tensors and scalars in
    the order of its parameters."""

    def __init__(self, mod, name):
        self.module = mod
        sigs = mod.signatures()
        if name is None:
            if len(sigs) != 1:
                raise ArgumentError(f"{mod.filename} has kernels {', '.join(sigs)}: pass kernel=")
            name = next(iter(sigs))
        if name not in sigs:
            raise ArgumentError(f"{mod.filename} has no kernel '{name}' (it has: "
                                f"{', '.join(sigs)})")
        self.name = name
        self.signature = sigs[name]
        self.params = self.signature["params"]
        self.args = self.signature["args"]

    def __repr__(self):
        return f"<flashtile kernel {self.name} {self.params}>"

    def check_types(self, args):
        """Count, tensors vs scalars, element types and devices; returns the
        device of the tensors."""
        import torch
        if len(args) != len(self.args):
            raise ArgumentError(f"{self.name} takes {len(self.args)} arguments "
                                f"({', '.join(a['name'] for a in self.args)}), got {len(args)}")
        device = None
        for spec, a in zip(self.args, args):
            name = spec["name"]
            if spec["tensor"]:
                if not isinstance(a, torch.Tensor):
                    raise ArgumentError(f"{self.name}: argument '{name}' must be a tensor, "
                                        f"got {type(a).__name__}")
                want = getattr(torch, _DTYPE_NAMES.get(spec["dtype"], ""), None)
                if a.dtype != want:
                    raise ArgumentError(f"{self.name}: argument '{name}' must hold "
                                        f"{spec['dtype']}, got {a.dtype}")
                if device is None:
                    device = a.device
                elif a.device != device:
                    raise ArgumentError(f"{self.name}: argument '{name}' is on {a.device}, "
                                        f"the others on {device}")
                if a.device.type not in ("cpu", "cuda"):
                    raise ArgumentError(f"{self.name}: argument '{name}' is on {a.device}; "
                                        "flashtile runs CPU and CUDA tensors")
            else:
                if isinstance(a, torch.Tensor):
                    raise ArgumentError(f"{self.name}: argument '{name}' is a scalar "
                                        f"({spec['dtype']}), got a tensor")
                is_float = spec["dtype"].startswith(("f", "bf"))
                ok = isinstance(a, (int, float)) if is_float else isinstance(a, (int, bool))
                if not ok:
                    raise ArgumentError(f"{self.name}: argument '{name}' must be a "
                                        f"{spec['dtype']} scalar, got {type(a).__name__}")
        if device is None:
            device = torch.device("cpu")
        return device

    def _scalars(self, args):
        return [float(a) if not s["tensor"] and s["dtype"].startswith(("f", "bf")) else a
                for s, a in zip(self.args, args)]

    def prepare(self, *args):
        """Checks the arguments and compiles for their device, launching
        nothing: (runner, packed args). Raises ArgumentError on a bad argument."""
        device = self.check_types(args)
        packed, keep = _capi.pack_args(self._scalars(args))
        if device.type == "cpu":
            k = self.module.host_kernel(self.name)
            k.check(packed)
            return ("cpu", k, None), (packed, keep)
        index = device.index if device.index is not None else 0
        k = self.module.gpu_kernel(self.name, index)
        k.check(packed)
        return ("cuda", k, index), (packed, keep)

    def __call__(self, *args, stream=None):
        (kind, k, index), (packed, _keep) = self.prepare(*args)
        if kind == "cpu":
            k.run(packed)
            return
        import torch
        with torch.cuda.device(index):
            s = stream if stream is not None else torch.cuda.current_stream(index).cuda_stream
            k.launch(index, s, packed)

    def warm(self, target):
        """Compiles (or finds in the cache) the binary for GPU `target`;
        returns its sidecar path."""
        return self.module.sidecar(target)


def compile(path_or_source, kernel=None, *, num_warps=None, num_stages=None, **constants):
    """Compiles a kernel of a `.tile` file (a path, or the source text) with
    compile-time constants (`HEAD_DIM=64`, `CAUSAL=True`, `T="bf16"` or a
    torch dtype). Returns a JITKernel: call it with tensors and scalars in
    the order of the kernel's parameters, on CPU or CUDA tensors; its grid
    follows the kernel's grid rule. Errors in the source raise CompileError
    at once (the front end runs here); the binary is made on first call."""
    source, filename = _read_source(path_or_source)
    mod = module(source, filename, constants, only=kernel, num_warps=num_warps,
                 num_stages=num_stages)
    return JITKernel(mod, kernel)
