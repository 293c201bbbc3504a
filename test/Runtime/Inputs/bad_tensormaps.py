"""Writes variants of a TMA kernel sidecar whose tensor-map ABI entries are
malformed, one per file in OUT: python3 bad_tensormaps.py SIDECAR OUT."""
import copy
import json
import os
import sys

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
base = json.load(open(src))
abi = base["kernels"][0]["abi"]
first = next(i for i, e in enumerate(abi) if e["kind"] == "tensormap")


def write(name, change):
    d = copy.deepcopy(base)
    change(d["kernels"][0]["abi"][first], d)
    d["cubin"] = "absent.cubin"
    json.dump(d, open(os.path.join(out, name + ".json"), "w"))


write("box-rank", lambda e, d: e.update(box=[64, 64]))
write("box-zero", lambda e, d: e.update(box=[1, 1, 0, 64]))
write("box-big", lambda e, d: e.update(box=[1, 1, 300, 64]))
write("box-str", lambda e, d: e.update(box=[1, 1, "64", 64]))
write("box-wide", lambda e, d: e.update(box=[1, 1, 64, 128]))
write("swizzle", lambda e, d: e.update(swizzle=96))
write("fill", lambda e, d: e.update(fill="nan"))
write("dtype", lambda e, d: e.update(dtype="f32"))
write("rank", lambda e, d: e.update(rank=3))
write("bytes", lambda e, d: e.update(bytes=64))
write("type", lambda e, d: e.update(type="ptr"))
write("no-box", lambda e, d: e.pop("box"))
# A tensor map of another parameter where this one's belongs.
write("param", lambda e, d: e.update(param=0))
