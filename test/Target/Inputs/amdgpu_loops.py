#!/usr/bin/env python3
"""Summarizes the loops of `llvm-objdump -d` output for an AMDGPU code object.

A loop is a backward branch (SOPP s_branch / s_cbranch_*: the target is
PC + 4 + 4 * simm16); for each, innermost first, prints the instructions in
[target, branch] that matter for a flash-attention inner loop:

  loop <n>: <count> v_mfma, <count> ds_read, <count> ds_write, <count> scratch

and, for the whole kernel, the same counts. `scratch` counts scratch_* and
buffer accesses to the private segment (buffer_store/load with an SGPR
offset of the scratch wave offset are not distinguished: any buffer_* or
scratch_* counts). Exits 1 when no instruction is found.
"""
import re
import sys

INSN = re.compile(r"^\s+([a-z_0-9]+)\b(.*?)//\s*([0-9A-Fa-f]+):")


def kinds(name):
    out = []
    if name.startswith("v_mfma"):
        out.append("v_mfma")
    if name.startswith("ds_read") or name.startswith("ds_load"):
        out.append("ds_read")
    if name.startswith("ds_write") or name.startswith("ds_store"):
        out.append("ds_write")
    if name.startswith("scratch_") or name.startswith("buffer_"):
        out.append("scratch")
    return out


def main():
    insns = []
    for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
        m = INSN.match(line)
        if m:
            insns.append((int(m.group(3), 16), m.group(1), m.group(2)))
    if not insns:
        print("no instructions")
        return 1
    loops = []
    for addr, name, ops in insns:
        if name == "s_branch" or name.startswith("s_cbranch_"):
            m = re.match(r"\s*(-?[0-9]+)", ops)
            if not m:
                continue
            imm = int(m.group(1))
            if imm >= 32768:
                imm -= 65536
            target = addr + 4 + 4 * imm
            if target <= addr:
                loops.append((target, addr))
    loops.sort(key=lambda l: l[1] - l[0])

    def count(lo, hi):
        c = {"v_mfma": 0, "ds_read": 0, "ds_write": 0, "scratch": 0}
        for addr, name, _ in insns:
            if lo <= addr <= hi:
                for k in kinds(name):
                    c[k] += 1
        return c

    def show(label, c):
        print(f"{label}: {c['v_mfma']} v_mfma, {c['ds_read']} ds_read, "
              f"{c['ds_write']} ds_write, {c['scratch']} scratch")

    show("kernel", count(0, insns[-1][0]))
    for i, (lo, hi) in enumerate(loops):
        show(f"loop {i}", count(lo, hi))
    return 0


if __name__ == "__main__":
    sys.exit(main())
