#!/usr/bin/env python3
"""Prints one line per kernel of a FlashTile sidecar: specialization, registers, spills,
stack and shared memory from ptxas -v.  Usage: sidecar_report.py SIDECAR.json [compile secs]"""
import json
import sys

side = json.load(open(sys.argv[1]))
for k in side["kernels"]:
    p = k["ptxas"]
    line = (f"{sys.argv[1]}: {k.get('specialization', {})}, {p['registers']} registers, "
            f"spills {p['spill_stores']}/{p['spill_loads']} B, stack {p['stack_bytes']} B, "
            f"shared {k['shared_bytes']} B")
    if len(sys.argv) > 2:
        line += f", compiled in {float(sys.argv[2]):.2f} s"
    print(line)
