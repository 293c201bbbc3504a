"""The on-disk cache of compiled GPU kernels.

An entry is a folder <cache>/<key[:2]>/<key>/ holding kernel.cubin, its
kernel.ptx and the kernel.json sidecar. The key hashes the source text, the
specialization (constants, kernel, warps, stages), the target and the
compiler's identity (its version string and the library file's size and
modification time, so a rebuilt library never reuses old binaries). Entries
are made in a temporary folder and renamed into place, so a crash or a
concurrent process never leaves a half-written entry.

The folder: $FLASHTILE_CACHE_DIR, else $XDG_CACHE_HOME/flashtile, else
~/.cache/flashtile.
"""
import hashlib
import json
import os
import shutil
import tempfile
import threading

from . import _capi

_stats_lock = threading.Lock()
_stats = {"compiles": 0, "disk_hits": 0, "memory_hits": 0, "host_compiles": 0}
_compiler_id = None


def cache_dir():
    d = os.environ.get("FLASHTILE_CACHE_DIR")
    if not d:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        d = os.path.join(base, "flashtile")
    return d


def stats():
    """Counters of this process: GPU compiles, disk and memory cache hits,
    host (CPU) JIT compiles."""
    with _stats_lock:
        return dict(_stats)


def bump(name):
    with _stats_lock:
        _stats[name] += 1


def compiler_id():
    global _compiler_id
    if _compiler_id is None:
        path = _capi.library_path()
        st = os.stat(path)
        _compiler_id = f"{_capi.version()} {st.st_size} {st.st_mtime_ns}"
    return _compiler_id


def make_key(source, **fields):
    h = hashlib.sha256()
    h.update(json.dumps({"source": hashlib.sha256(source.encode()).hexdigest(),
                         "compiler": compiler_id(), **fields}, sort_keys=True).encode())
    return h.hexdigest()


def entry_dir(key):
    return os.path.join(cache_dir(), key[:2], key)


def lookup(key):
    """The sidecar path of a complete entry, or None (a broken entry is removed)."""
    d = entry_dir(key)
    sidecar = os.path.join(d, "kernel.json")
    if not os.path.isdir(d):
        return None
    try:
        with open(sidecar) as f:
            meta = json.load(f)
        cubin = os.path.join(d, meta["cubin"])
        if meta.get("format") == "flashtile-kernel-1" and os.path.getsize(cubin) > 0:
            return sidecar
    except (OSError, ValueError, KeyError, TypeError):
        pass
    shutil.rmtree(d, ignore_errors=True)
    return None


def store(key, build):
    """Runs build(folder) to fill a fresh folder with kernel.{cubin,ptx,json}
    and moves it into the cache; returns the sidecar path. Without a
    writable cache the entry stays in a temporary folder of this process."""
    root = cache_dir()
    try:
        os.makedirs(os.path.join(root, key[:2]), exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=".tmp-", dir=os.path.join(root, key[:2]))
    except OSError:
        tmp = tempfile.mkdtemp(prefix="flashtile-")
        build(tmp)
        return os.path.join(tmp, "kernel.json")
    try:
        build(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    final = entry_dir(key)
    try:
        os.rename(tmp, final)
    except OSError:
        # Another process stored the same entry first: keep theirs.
        shutil.rmtree(tmp, ignore_errors=True)
        if lookup(key) is None:
            raise
    return os.path.join(final, "kernel.json")


def clear():
    """Removes every cached kernel."""
    shutil.rmtree(cache_dir(), ignore_errors=True)
