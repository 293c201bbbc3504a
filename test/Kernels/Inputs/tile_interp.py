#!/usr/bin/env python3
"""A slow reference interpreter for the `tile` IR that fa-compile emits.

Pure Python (no numpy), for small problem sizes only. It runs every program
of a kernel's grid in turn, following the op semantics of TileOps.td
(out-of-bounds loads read the padding, out-of-bounds stores are dropped), so
that kernels written in the language can be checked numerically against a
float64 reference without any back end. Only the ops the front end generates
are supported; anything else raises an error.

Used by test/Kernels/flash_fwd-numerics.test.
"""
import math
import re
import struct

# ----------------------------------------------------------------------------
# Values


class Tensor:
    __slots__ = ("shape", "data")

    def __init__(self, shape, data):
        self.shape = tuple(shape)
        self.data = data

    def size(self):
        n = 1
        for d in self.shape:
            n *= d
        return n


def strides_of(shape):
    s = [1] * len(shape)
    for i in range(len(shape) - 2, -1, -1):
        s[i] = s[i + 1] * shape[i + 1]
    return s


def unravel(i, shape):
    idx = []
    for d in reversed(shape):
        idx.append(i % d)
        i //= d
    return list(reversed(idx))


def round_to(x, elem):
    """Rounds a Python float to the precision of `elem`."""
    if not isinstance(x, float) or elem in ("f32", "f64"):
        if elem == "f32" and isinstance(x, float):
            return struct.unpack("<f", struct.pack("<f", x))[0] if math.isfinite(x) and abs(x) < 3.4e38 else x
        return x
    if elem == "f16":
        try:
            return struct.unpack("<e", struct.pack("<e", x))[0]
        except OverflowError:
            return math.copysign(math.inf, x)
    if elem == "bf16":
        if not math.isfinite(x):
            return x
        bits = struct.unpack("<I", struct.pack("<f", x))[0]
        bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
        return struct.unpack("<f", struct.pack("<I", bits))[0]
    raise ValueError("unsupported element type " + elem)


def wrap_i32(v):
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= (1 << 31) else v


# ----------------------------------------------------------------------------
# Parsing

TYPE_RE = re.compile(r"tensor<([0-9x]*?)x?(f32|f16|bf16|f64|i32|i1)>|\b(f32|f16|bf16|f64|i32|i1|index)\b")


def parse_type(text):
    """Returns (shape or None, elem) for the last type in `text`."""
    found = list(TYPE_RE.finditer(text))
    if not found:
        raise ValueError("no type in: " + text)
    m = found[-1]
    if m.group(2):
        dims = m.group(1)
        shape = tuple(int(d) for d in dims.split("x")) if dims else ()
        return shape, m.group(2)
    return None, m.group(3)


def parse_scalar(text, elem):
    text = text.strip()
    if text in ("true", "false"):
        return text == "true"
    if text.startswith("0x"):
        bits = int(text, 16)
        if elem == "f32":
            return struct.unpack("<f", struct.pack("<I", bits))[0]
        if elem == "bf16":
            return struct.unpack("<f", struct.pack("<I", bits << 16))[0]
        if elem == "f16":
            return struct.unpack("<e", struct.pack("<H", bits))[0]
        if elem == "f64":
            return struct.unpack("<d", struct.pack("<Q", bits))[0]
        return bits
    if elem in ("i32", "index", "i1"):
        return int(text)
    return float(text)


class Op:
    __slots__ = ("results", "name", "text", "regions")

    def __init__(self, results, name, text):
        self.results = results
        self.name = name
        self.text = text
        self.regions = []


RESULT_RE = re.compile(r"^(%[\w]+)(?::(\d+))? = (.*)$")


def parse_block(lines, pos):
    """Parses ops until a line that closes the region; returns (ops, pos)."""
    ops = []
    while pos < len(lines):
        line = lines[pos].strip()
        if line.startswith("}"):
            return ops, pos
        pos += 1
        if not line or line.startswith("//"):
            continue
        results = []
        m = RESULT_RE.match(line)
        body = line
        if m:
            name, count, body = m.group(1), m.group(2), m.group(3)
            if count:
                results = ["%s#%d" % (name, i) for i in range(int(count))]
            else:
                results = [name]
        opname = body.split()[0]
        if opname.startswith("tile."):
            opname = opname[5:]
        op = Op(results, opname, body)
        if line.endswith("{"):
            region, pos = parse_block(lines, pos)
            op.regions.append(region)
            # `} else {`
            while pos < len(lines) and lines[pos].strip().startswith("} else {"):
                region, pos = parse_block(lines, pos + 1)
                op.regions.append(region)
            pos += 1  # the closing `}`
        ops.append(op)
    return ops, pos


class Kernel:
    def __init__(self, name, args, grid, body):
        self.name = name
        self.args = args  # [(ssa name, source name, is_global)]
        self.grid = grid
        self.body = body


def parse_module(text):
    lines = text.splitlines()
    kernels = {}
    pos = 0
    while pos < len(lines):
        line = lines[pos].strip()
        pos += 1
        m = re.match(r"^tile\.kernel @(\w+)\((.*)\) grid \{$", line)
        if not m:
            continue
        name = m.group(1)
        args = []
        for am in re.finditer(r"(%arg\d+): (memref<[^>]*>(?:>)?|\w+)(?: \{([^}]*)\})?", m.group(2)):
            attrs = am.group(3) or ""
            src = re.search(r'tile\.name = "(\w+)"', attrs)
            args.append((am.group(1), src.group(1) if src else am.group(1),
                         am.group(2).startswith("memref")))
        grid, pos = parse_block(lines, pos)
        # `} params {...} {` or `} {`
        pos += 1
        body, pos = parse_block(lines, pos)
        pos += 1
        kernels[name] = Kernel(name, args, grid, body)
    return kernels


# ----------------------------------------------------------------------------
# Execution

OPERAND_RE = re.compile(r"%[\w]+(?:#\d+)?")


class Global:
    """A global tensor: row-major storage with the given shape."""

    def __init__(self, shape, data, elem):
        self.shape = tuple(shape)
        self.data = data
        self.elem = elem
        self.strides = strides_of(shape)


BIN = {
    "arith.addf": lambda a, b: a + b,
    "arith.subf": lambda a, b: a - b,
    "arith.mulf": lambda a, b: a * b,
    "arith.divf": lambda a, b: (a / b) if b != 0 else (math.nan if a == 0 or a != a else math.copysign(math.inf, a) * math.copysign(1, b)),
    "arith.maximumf": lambda a, b: math.nan if (a != a or b != b) else max(a, b),
    "arith.minimumf": lambda a, b: math.nan if (a != a or b != b) else min(a, b),
    "arith.addi": lambda a, b: wrap_i32(a + b),
    "arith.subi": lambda a, b: wrap_i32(a - b),
    "arith.muli": lambda a, b: wrap_i32(a * b),
    "arith.divsi": lambda a, b: wrap_i32(int(a / b) if abs(a) < (1 << 52) else (abs(a) // abs(b)) * (1 if (a < 0) == (b < 0) else -1)),
    "arith.remsi": lambda a, b: wrap_i32(a - b * int(a / b)),
    "arith.maxsi": max,
    "arith.minsi": min,
    "arith.andi": lambda a, b: a and b if isinstance(a, bool) else a & b,
    "arith.ori": lambda a, b: a or b if isinstance(a, bool) else a | b,
    "arith.xori": lambda a, b: a != b if isinstance(a, bool) else a ^ b,
}

CMP = {
    "slt": lambda a, b: a < b, "sle": lambda a, b: a <= b, "sgt": lambda a, b: a > b,
    "sge": lambda a, b: a >= b, "eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
    "olt": lambda a, b: a < b, "ole": lambda a, b: a <= b, "ogt": lambda a, b: a > b,
    "oge": lambda a, b: a >= b, "oeq": lambda a, b: a == b,
    "une": lambda a, b: not (a == b),
}


def safe_exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def safe_log(x):
    if x != x or x < 0:
        return math.nan
    return -math.inf if x == 0 else math.log(x)


UNARY = {
    "math.exp": safe_exp,
    "math.exp2": lambda x: safe_exp(x * math.log(2.0)) if x == x else x,
    "math.log": safe_log,
    "math.log2": lambda x: safe_log(x) / math.log(2.0),
    "math.sqrt": lambda x: math.sqrt(x) if x >= 0 else math.nan,
    "math.rsqrt": lambda x: (1 / math.sqrt(x) if x > 0 else (math.inf if x == 0 else math.nan)),
    "math.absf": abs,
    "math.absi": abs,
    "arith.negf": lambda x: -x,
}


def elementwise(fn, *vals):
    if isinstance(vals[0], Tensor):
        return Tensor(vals[0].shape, [fn(*xs) for xs in zip(*(v.data for v in vals))])
    return fn(*vals)


class Interp:
    def __init__(self, kernel, args, pid, npid):
        self.kernel = kernel
        self.env = {}
        self.pid = pid
        self.npid = npid
        for ssa, src, is_global in kernel.args:
            self.env[ssa] = args[src]

    def v(self, name):
        return self.env[name]

    def run(self, ops):
        for op in ops:
            out = self.step(op)
            if op.name in ("scf.yield", "yield"):
                return out
        return None

    def operands(self, op):
        # Operands are the SSA names after the op name, before the type list.
        text = op.text.split(" : ")[0]
        return OPERAND_RE.findall(text)

    def step(self, op):
        n = op.name
        t = op.text
        ins = self.operands(op)
        res = None
        if n == "arith.constant":
            val_text = t[len("arith.constant"):].split(" : ")[0].strip()
            shape, elem = parse_type(t) if " : " in t else (None, "i1")
            if val_text.startswith("dense<"):
                scalar = parse_scalar(val_text[6:-1], elem)
                if elem in ("f16", "bf16", "f32"):
                    scalar = round_to(float(scalar), elem)
                res = Tensor(shape, [scalar] * Tensor(shape, None).size())
            else:
                res = parse_scalar(val_text, elem)
        elif n in BIN:
            a, b = self.v(ins[0]), self.v(ins[1])
            shape, elem = parse_type(t)
            fn = BIN[n]
            if elem in ("f16", "bf16", "f32"):
                res = elementwise(lambda x, y: round_to(fn(x, y), elem), a, b)
            else:
                res = elementwise(fn, a, b)
        elif n in ("arith.cmpi", "arith.cmpf"):
            pred = t.split()[1].rstrip(",")
            res = elementwise(CMP[pred], self.v(ins[0]), self.v(ins[1]))
        elif n == "arith.select":
            c, a, b = (self.v(x) for x in ins)
            if isinstance(c, Tensor):
                res = elementwise(lambda cc, x, y: x if cc else y, c, a, b)
            else:
                res = a if c else b
        elif n in UNARY:
            shape, elem = parse_type(t)
            fn = UNARY[n]
            res = elementwise(lambda x: round_to(fn(x), elem), self.v(ins[0]))
        elif n in ("arith.index_cast", "arith.extui", "arith.extf"):
            res = self.v(ins[0])
            if n == "arith.extui":
                res = elementwise(int, res)
        elif n == "arith.truncf":
            _, elem = parse_type(t)
            res = elementwise(lambda x: round_to(x, elem), self.v(ins[0]))
        elif n in ("arith.sitofp", "arith.uitofp"):
            _, elem = parse_type(t)
            res = elementwise(lambda x: round_to(float(x), elem), self.v(ins[0]))
        elif n == "arith.fptosi":
            res = elementwise(lambda x: wrap_i32(int(x)), self.v(ins[0]))
        elif n == "memref.dim":
            g = self.v(ins[0])
            res = g.shape[self.v(ins[1])]
        elif n == "program_id":
            res = self.pid[int(t.split()[1])]
        elif n == "num_programs":
            res = self.npid[int(t.split()[1])]
        elif n == "iota":
            shape, _ = parse_type(t)
            res = Tensor(shape, list(range(shape[0])))
        elif n == "splat":
            shape, _ = parse_type(t)
            x = self.v(ins[0])
            res = Tensor(shape, [x] * Tensor(shape, None).size())
        elif n == "expand_dims":
            shape, _ = parse_type(t)
            res = Tensor(shape, self.v(ins[0]).data)
        elif n == "broadcast":
            shape, _ = parse_type(t)
            src = self.v(ins[0])
            sstr = strides_of(src.shape)
            data = []
            for i in range(Tensor(shape, None).size()):
                idx = unravel(i, shape)
                data.append(src.data[sum((0 if src.shape[d] == 1 else idx[d]) * sstr[d]
                                         for d in range(len(shape)))])
            res = Tensor(shape, data)
        elif n == "trans":
            shape, _ = parse_type(t)
            src = self.v(ins[0])
            m = re.search(r"order \[([0-9, ]+)\]", t)
            perm = [int(x) for x in m.group(1).split(",")] if m else list(range(len(src.shape) - 1, -1, -1))
            sstr = strides_of(src.shape)
            data = []
            for i in range(Tensor(shape, None).size()):
                idx = unravel(i, shape)
                data.append(src.data[sum(idx[r] * sstr[perm[r]] for r in range(len(shape)))])
            res = Tensor(shape, data)
        elif n == "dot":
            a, b, acc = (self.v(x) for x in ins)
            M, K = a.shape
            N = b.shape[1]
            data = list(acc.data)
            for i in range(M):
                arow = a.data[i * K:(i + 1) * K]
                for j in range(N):
                    s = 0.0
                    for k in range(K):
                        s += arow[k] * b.data[k * N + j]
                    data[i * N + j] = round_to(data[i * N + j] + round_to(s, "f32"), "f32")
            res = Tensor(acc.shape, data)
        elif n == "reduce":
            kind = t.split()[1]
            axis = int(re.search(r"axis (\d+)", t).group(1))
            src = self.v(ins[0])
            shape, elem = parse_type(t)
            out = {}
            for i, x in enumerate(src.data):
                idx = unravel(i, src.shape)
                key = tuple(idx[:axis] + idx[axis + 1:])
                if key not in out:
                    out[key] = x
                elif kind == "sum":
                    out[key] = out[key] + x
                elif kind == "max":
                    out[key] = math.nan if (x != x or out[key] != out[key]) else max(out[key], x)
                else:
                    out[key] = math.nan if (x != x or out[key] != out[key]) else min(out[key], x)
            keys = sorted(out)
            res = Tensor(shape, [round_to(out[k], elem) if isinstance(out[k], float) else out[k] for k in keys])
        elif n == "tensor.extract":
            res = self.v(ins[0]).data[0]
        elif n in ("load", "store", "atomic_add"):
            res = self.access(op, ins)
        elif n == "scf.for":
            m = re.match(r"scf\.for (%\w+) = (%\w+(?:#\d+)?) to (%\w+(?:#\d+)?) step (%\w+(?:#\d+)?)", t)
            iv, lb, ub, st = m.group(1), self.v(m.group(2)), self.v(m.group(3)), self.v(m.group(4))
            iters = re.findall(r"(%\w+) = (%\w+(?:#\d+)?)", t[t.find("iter_args"):]) if "iter_args" in t else []
            carried = [self.v(init) for _, init in iters]
            i = lb
            while i < ub:
                self.env[iv] = i
                for (name, _), val in zip(iters, carried):
                    self.env[name] = val
                carried = self.run(op.regions[0]) or []
                i += st
            for r, val in zip(op.results, carried):
                self.env[r] = val
            return None
        elif n == "scf.if":
            c = self.v(ins[0])
            region = op.regions[0] if c else (op.regions[1] if len(op.regions) > 1 else [])
            vals = self.run(region) or []
            for r, val in zip(op.results, vals):
                self.env[r] = val
            return None
        elif n in ("scf.yield", "yield"):
            return [self.v(x) for x in ins]
        elif n == "return":
            return None
        else:
            raise NotImplementedError("op not supported by the interpreter: " + t)
        if op.results:
            self.env[op.results[0]] = res
        return None

    def access(self, op, ins):
        t = op.text
        n = op.name
        m = re.search(r"(%\w+)\[([^\]]*)\]", t)
        g = self.v(m.group(1))
        offsets = [self.v(x.strip()) for x in m.group(2).split(",")]
        dm = re.search(r"dims \[([0-9, ]+)\]", t)
        dims = [int(x) for x in dm.group(1).split(",")] if dm else list(range(len(g.shape)))
        if n == "load":
            shape, elem = parse_type(t)
            pm = re.search(r"padding (\S+) : (\w+)", t)
            pad = parse_scalar(pm.group(1), pm.group(2)) if pm else (0.0 if elem != "i32" else 0)
            tile = None
        else:
            tile = self.v(ins[0])
            shape = tile.shape
        data = []
        for i in range(Tensor(shape, None).size()):
            idx = unravel(i, shape)
            coord = list(offsets)
            for k, d in enumerate(dims):
                coord[d] += idx[k]
            inside = all(0 <= c < s for c, s in zip(coord, g.shape))
            flat = sum(c * s for c, s in zip(coord, g.strides))
            if n == "load":
                data.append(g.data[flat] if inside else pad)
            elif inside:
                if n == "store":
                    g.data[flat] = tile.data[i]
                else:
                    g.data[flat] = round_to(g.data[flat] + tile.data[i], g.elem)
        if n == "load":
            return Tensor(shape, data)
        return None


def run_kernel(kernel, args):
    """Runs every program of the grid; `args` maps source names to Global or
    scalar values (globals are updated in place)."""
    grid_interp = Interp(kernel, args, (0, 0, 0), (1, 1, 1))
    grid = grid_interp.run(kernel.grid)
    for z in range(grid[2]):
        for y in range(grid[1]):
            for x in range(grid[0]):
                Interp(kernel, args, (x, y, z), tuple(grid)).run(kernel.body)
    return grid
