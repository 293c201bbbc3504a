#!/usr/bin/env python3
"""Writes malformed variants of flash_fwd_d64_bf16.json into a folder.

Usage: bad_sidecars.py SIDECAR OUTDIR. Each variant is one mistake that
fa-run-gpu used to launch with (or crash on); sidecar-validation.test runs
fa-run on each and checks the error.
"""
import copy
import json
import os
import sys

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
base = json.load(open(src))


def write(name, edit):
    doc = copy.deepcopy(base)
    edit(doc["kernels"][0], doc)
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(doc, f)


def setter(key, value):
    def edit(k, doc):
        k[key] = value
    return edit


# 100,000 nested arrays (json::parse recursed until the stack overflowed).
with open(os.path.join(out, "deep.json"), "w") as f:
    f.write("[" * 100000 + "]" * 100000)
# 17 MiB of blanks after a valid sidecar.
with open(os.path.join(out, "big.json"), "w") as f:
    json.dump(base, f)
    f.write(" " * (17 << 20))
write("shared-huge", setter("shared_bytes", 2**40))
write("shared-frac", setter("shared_bytes", 1.5))
write("shared-neg", setter("shared_bytes", -1))
write("threads-0", setter("threads", [0, 1, 1]))
write("threads-neg", setter("threads", [-128, 1, 1]))
write("threads-big", setter("threads", [100000, 1, 1]))
write("threads-short", setter("threads", [128]))
write("abi-short", lambda k, d: k.__setitem__("abi", k["abi"][:-1]))
write("abi-bogus", lambda k, d: k["abi"][3].__setitem__("kind", "bogus"))
write("abi-dim", lambda k, d: k["abi"][3].__setitem__("dim", 9))
write("abi-long", lambda k, d: k["abi"].append(dict(k["abi"][0])))
write("abi-type", lambda k, d: k["abi"][-1].__setitem__("type", "f64"))
write("align-0", lambda k, d: k["params"][0].__setitem__("align_bytes", 0))
write("align-3", lambda k, d: k["params"][0].__setitem__("align_bytes", 3))
write("dims-neg", lambda k, d: k["params"][0].__setitem__("dims", ["B", "H", -1, -3]))
write("rank-big", lambda k, d: k["params"][0].__setitem__("rank", 1 << 40))
write("dtype-bad", lambda k, d: k["params"][1].__setitem__("dtype", "q7"))
write("param-dup", lambda k, d: k["params"][1].__setitem__("name", "q"))
write("grid-fpe", lambda k, d: k["grid"].__setitem__(
    0, {"op": "div", "args": [-(2**63), -1]}))
write("grid-overflow", lambda k, d: k["grid"].__setitem__(
    0, {"op": "mul", "args": [2**62, 4]}))
write("grid-size", lambda k, d: k["grid"].__setitem__(0, {"size": [5, 0]}))
write("grid-op", lambda k, d: k["grid"].__setitem__(
    0, {"op": "pow", "args": [2, 3]}))
write("grid-short", lambda k, d: k.__setitem__("grid", k["grid"][:2]))
write("kernel-not-object", lambda k, d: d.__setitem__("kernels", [1]))
