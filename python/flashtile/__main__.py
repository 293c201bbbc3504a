"""Command line: `python -m flashtile info` and `python -m flashtile aot`.

aot compiles the attention kernels (forward and backward) for a GPU target
into the disk cache ahead of time, so that the first call of
flashtile.attention in a later process finds them:

    python -m flashtile aot --target sm_90a --head-dims 64,128 --dtypes bf16,fp16
"""
import argparse
import os
import sys
import time


def _info(args):
    import flashtile
    from flashtile import _capi, _toolkit
    print(f"flashtile {flashtile.__version__}, compiler {_capi.version()}")
    print(f"library: {_capi.library_path()}")
    print(f"targets: {', '.join(_capi.targets())}")
    print(f"cache: {flashtile.cache_dir()}")
    try:
        print(f"ptxas: {_toolkit.find_ptxas()}")
    except flashtile.ToolkitError as e:
        print(f"ptxas: none ({e})")
    return 0


def _aot(args):
    import torch
    from flashtile import _attention as att
    from flashtile.errors import FlashTileError
    dtypes = {"bf16": torch.bfloat16, "fp16": torch.float16, "f16": torch.float16}
    failed = 0
    for d in [int(x) for x in args.head_dims.split(",")]:
        for dt in args.dtypes.split(","):
            for causal in (False, True):
                ks = att.kernels("cuda", d, causal, dtypes[dt], args.target)
                parts = [("forward", ks["forward"])]
                if d in att.GPU_BACKWARD_HEAD_DIMS and not args.forward_only:
                    parts.append(("backward", ks["backward"]))
                for what, k in parts:
                    t0 = time.perf_counter()
                    try:
                        k.warm(args.target)
                    except FlashTileError as e:
                        failed += 1
                        print(f"FAILED {what} d={d} {dt} causal={causal}: {e}", file=sys.stderr)
                        continue
                    print(f"{what:8s} d={d:<3d} {dt:4s} causal={str(causal):5s} "
                          f"{time.perf_counter() - t0:6.2f} s")
    from flashtile import _cache
    print(f"cache {_cache.cache_dir()}: {_cache.stats()}")
    return 1 if failed else 0


def main(argv=None):
    p = argparse.ArgumentParser(prog="flashtile")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("info", help="library, targets, ptxas and cache folder")
    a = sub.add_parser("aot", help="prebuild the attention kernels into the cache")
    a.add_argument("--target", default=os.environ.get("FLASHTILE_TARGET", "sm_90a"))
    a.add_argument("--head-dims", default="64,128")
    a.add_argument("--dtypes", default="bf16,fp16")
    a.add_argument("--forward-only", action="store_true")
    args = p.parse_args(argv)
    return {"info": _info, "aot": _aot}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
