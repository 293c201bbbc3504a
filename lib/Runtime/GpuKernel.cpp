//===- GpuKernel.cpp - launch a compiled kernel from its sidecar ----------===//

#include "fa/Runtime/GpuKernel.h"

#include "fa/Runtime/CudaRuntime.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>
#include <limits>
#include <optional>

using namespace llvm;
using namespace fa;

static Error err(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

unsigned fa::gpuDTypeBytes(StringRef dtype) {
  return StringSwitch<unsigned>(dtype)
      .Cases({"bf16", "f16", "fp16", "i16"}, 2)
      .Cases({"f32", "i32"}, 4)
      .Cases({"f64", "i64"}, 8)
      .Cases({"i8", "f8E4M3FN", "f8E5M2", "i1"}, 1)
      .Default(0);
}

GpuArg GpuArg::tensor(uint64_t ptr, ArrayRef<int64_t> sizes,
                      ArrayRef<int64_t> strides) {
  GpuArg a;
  a.isTensor = true;
  a.ptr = ptr;
  a.sizes.assign(sizes.begin(), sizes.end());
  if (strides.empty()) {
    a.strides.resize(sizes.size());
    int64_t s = 1;
    for (int i = static_cast<int>(sizes.size()) - 1; i >= 0; --i) {
      a.strides[i] = s;
      // Saturates: validate() then refuses what cannot be addressed.
      s = checkedMul(s, sizes[i]).value_or(std::numeric_limits<int64_t>::max());
    }
  } else {
    a.strides.assign(strides.begin(), strides.end());
  }
  return a;
}

GpuArg GpuArg::scalarFloat(double v) {
  GpuArg a;
  a.floatValue = v;
  a.intValue = static_cast<int64_t>(v);
  return a;
}

GpuArg GpuArg::scalarInt(int64_t v) {
  GpuArg a;
  a.intValue = v;
  a.floatValue = static_cast<double>(v);
  return a;
}

GpuKernel::~GpuKernel() { fa_rt_unload(handle); }

int GpuKernel::findParam(StringRef name) const {
  for (auto [i, p] : llvm::enumerate(params))
    if (p.name == name)
      return static_cast<int>(i);
  return -1;
}

/// Deepest nesting of arrays and objects in JSON `text` (strings skipped).
/// json::parse recurses once per level, so a hostile sidecar nested 100,000
/// deep would overflow the stack: measure before parsing.
static unsigned jsonDepth(StringRef text, unsigned stopAt) {
  unsigned depth = 0, deepest = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > stopAt)
        return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

namespace {
/// Limits of a valid sidecar (CUDA's limits where there is one).
constexpr uint64_t kMaxSidecarBytes = 16u << 20;
constexpr unsigned kMaxJsonDepth = 64;
constexpr unsigned kMaxRank = 8;
constexpr int64_t kMaxThreads[3] = {1024, 1024, 64};
constexpr int64_t kMaxThreadsPerBlock = 1024;
/// Largest dynamic shared memory of a thread block on sm_80/sm_90 (227 KiB).
constexpr int64_t kMaxSharedBytes = 227 * 1024;
constexpr int64_t kMaxAlignBytes = 256;
/// A CUtensorMap: bytes, alignment, rank and box limits.
constexpr int64_t kTensorMapBytes = 128;
constexpr int64_t kTensorMapAlign = 64;
constexpr unsigned kTensorMapMaxRank = 5;
constexpr int64_t kTensorMapMaxBox = 256;
} // namespace

Expected<std::unique_ptr<GpuKernel>> GpuKernel::load(StringRef sidecarPath,
                                                     StringRef wanted) {
  // A device or a pipe could yield without end (/dev/zero): regular files
  // only, whose size parse() then bounds.
  sys::fs::file_status status;
  if (!sys::fs::status(sidecarPath, status) &&
      status.type() != sys::fs::file_type::regular_file)
    return err("kernel sidecar '" + sidecarPath + "' is not a regular file");
  auto buf = MemoryBuffer::getFile(sidecarPath, /*IsText=*/false,
                                   /*RequiresNullTerminator=*/false);
  if (!buf)
    return err("cannot read kernel sidecar '" + sidecarPath +
               "': " + buf.getError().message());
  return parse((*buf)->getBuffer(), sidecarPath, wanted);
}

/// Checks one grid expression of the sidecar against the parameters: a
/// constant, a tensor size, an integer scalar, or a known binary operation.
static Error checkGridExpr(const json::Value &expr, ArrayRef<GpuParam> params) {
  if (expr.getAsInteger())
    return Error::success();
  const json::Object *o = expr.getAsObject();
  if (!o)
    return err("a grid expression is neither an integer nor an object");
  if (const json::Value *sv = o->get("size")) {
    const json::Array *s = sv->getAsArray();
    std::optional<int64_t> a, d;
    if (s && s->size() == 2) {
      a = (*s)[0].getAsInteger();
      d = (*s)[1].getAsInteger();
    }
    if (!a || !d || *a < 0 || *a >= static_cast<int64_t>(params.size()) ||
        !params[*a].isTensor || *d < 0 || *d >= params[*a].rank)
      return err("a grid 'size' does not name a dimension of a tensor "
                 "parameter");
    return Error::success();
  }
  if (const json::Value *av = o->get("arg")) {
    std::optional<int64_t> a = av->getAsInteger();
    if (!a || *a < 0 || *a >= static_cast<int64_t>(params.size()) ||
        params[*a].isTensor || !StringRef(params[*a].dtype).starts_with("i"))
      return err("a grid 'arg' does not name an integer scalar parameter");
    return Error::success();
  }
  std::optional<StringRef> op = o->getString("op");
  const json::Array *ops = o->getArray("args");
  if (!op || !ops || ops->size() != 2)
    return err("a grid expression needs 'op' and two 'args'");
  if (!llvm::is_contained(
          {"add", "sub", "mul", "div", "cdiv", "rem", "min", "max"}, *op))
    return err("unknown grid operation '" + *op + "'");
  for (const json::Value &v : *ops)
    if (Error e = checkGridExpr(v, params))
      return e;
  return Error::success();
}

Expected<std::unique_ptr<GpuKernel>>
GpuKernel::parse(StringRef text, StringRef sidecarPath, StringRef wanted) {
  auto malformed = [&](const Twine &what) {
    return err("malformed kernel sidecar '" + sidecarPath + "': " + what);
  };
  if (text.size() > kMaxSidecarBytes)
    return malformed(formatv("larger than {0} MiB", kMaxSidecarBytes >> 20));
  if (jsonDepth(text, kMaxJsonDepth) > kMaxJsonDepth)
    return malformed(formatv("nested more than {0} deep", kMaxJsonDepth));
  Expected<json::Value> root = json::parse(text);
  if (!root)
    return malformed(toString(root.takeError()));
  const json::Object *top = root->getAsObject();
  if (!top || top->getString("format") != "flashtile-kernel-1")
    return err("'" + sidecarPath +
               "' is not a FlashTile kernel sidecar (format "
               "flashtile-kernel-1)");
  const json::Array *kernels = top->getArray("kernels");
  if (!kernels || kernels->empty())
    return err("sidecar '" + sidecarPath + "' lists no kernel");

  const json::Object *k = nullptr;
  for (const json::Value &v : *kernels) {
    const json::Object *o = v.getAsObject();
    if (!o)
      return malformed("a kernel is not an object");
    if (wanted.empty() || o->getString("entry") == wanted) {
      if (k && wanted.empty())
        return err("sidecar '" + sidecarPath +
                   "' holds several kernels: name one");
      k = o;
    }
  }
  if (!k)
    return err("sidecar '" + sidecarPath + "' has no kernel '" + wanted + "'");

  // Everything a launch uses is checked here, before the driver is touched:
  // schema, ranges, and the ABI against the parameters.
  std::unique_ptr<GpuKernel> kernel(new GpuKernel());
  kernel->entry = k->getString("entry").value_or("").str();
  kernel->target = k->getString("target").value_or("").str();
  if (kernel->entry.empty())
    return malformed("kernel without an entry");
  if (kernel->target.empty())
    return malformed("kernel '" + kernel->entry + "' without a target");
  auto bad = [&](const Twine &what) {
    return malformed("kernel '" + kernel->entry + "': " + what);
  };

  const json::Array *t = k->getArray("threads");
  if (!t || t->size() != 3)
    return bad("'threads' must be an array of 3 integers");
  int64_t totalThreads = 1;
  for (unsigned i = 0; i < 3; ++i) {
    std::optional<int64_t> n = (*t)[i].getAsInteger();
    if (!n || *n < 1 || *n > kMaxThreads[i])
      return bad(formatv("'threads'[{0}] must be an integer in [1, {1}]", i,
                         kMaxThreads[i]));
    kernel->threads[i] = static_cast<unsigned>(*n);
    totalThreads *= *n;
  }
  if (totalThreads > kMaxThreadsPerBlock)
    return bad(formatv("{0} threads per block, more than {1}", totalThreads,
                       kMaxThreadsPerBlock));

  std::optional<int64_t> smem = k->getInteger("shared_bytes");
  if (!smem || *smem < 0 || *smem > kMaxSharedBytes)
    return bad(formatv("'shared_bytes' must be an integer in [0, {0}]",
                       kMaxSharedBytes));
  kernel->sharedBytes = static_cast<unsigned>(*smem);
  if (const json::Value *s = k->get("specialization")) {
    if (!s->getAsObject())
      return bad("'specialization' is not an object");
    kernel->spec = *s->getAsObject();
  }

  const json::Array *ps = k->getArray("params");
  const json::Array *abi = k->getArray("abi");
  const json::Array *grid = k->getArray("grid");
  if (!ps || !abi || !grid || grid->size() != 3)
    return bad("needs 'params', 'abi' and a 3-entry 'grid'");
  StringSet<> names;
  for (const json::Value &pv : *ps) {
    const json::Object *po = pv.getAsObject();
    if (!po)
      return bad("a parameter is not an object");
    GpuParam p;
    p.name = po->getString("name").value_or("").str();
    if (p.name.empty())
      return bad("a parameter without a name");
    if (!names.insert(p.name).second)
      return bad("two parameters named '" + p.name + "'");
    std::optional<StringRef> kind = po->getString("kind");
    if (kind != "tensor" && kind != "scalar")
      return bad("parameter '" + p.name +
                 "' must be of kind 'tensor' or 'scalar'");
    p.isTensor = kind == "tensor";
    p.dtype = po->getString("dtype").value_or("").str();
    if (!gpuDTypeBytes(p.dtype))
      return bad("parameter '" + p.name + "' has unknown dtype '" + p.dtype +
                 "'");
    if (const json::Value *av = po->get("align_bytes")) {
      std::optional<int64_t> a = av->getAsInteger();
      if (!a || *a < 1 || *a > kMaxAlignBytes || !isPowerOf2_64(*a))
        return bad(formatv("parameter '{0}': 'align_bytes' must be a power "
                           "of two in [1, {1}]",
                           p.name, kMaxAlignBytes));
      p.alignBytes = static_cast<unsigned>(*a);
    }
    if (p.isTensor) {
      const json::Array *dims = po->getArray("dims");
      std::optional<int64_t> rank = po->getInteger("rank");
      if (!rank || *rank < 0 || *rank > kMaxRank)
        return bad(formatv("tensor '{0}' needs a 'rank' in [0, {1}]", p.name,
                           kMaxRank));
      p.rank = static_cast<unsigned>(*rank);
      if (!dims || dims->size() != p.rank)
        return bad("tensor '" + p.name + "' needs 'dims' of its rank");
      for (const json::Value &d : *dims) {
        if (auto s = d.getAsString()) {
          if (s->empty())
            return bad("tensor '" + p.name + "' has an empty dimension name");
          p.dimSymbols.push_back(s->str());
          p.dimSizes.push_back(-1);
        } else if (d.getAsNull()) { // dynamic, shared with nothing
          p.dimSymbols.push_back("");
          p.dimSizes.push_back(-1);
        } else if (auto n = d.getAsInteger(); n && *n >= 0) {
          p.dimSymbols.push_back("");
          p.dimSizes.push_back(*n);
        } else {
          return bad("tensor '" + p.name +
                     "': a dimension must be a name, null or a size >= 0");
        }
      }
    }
    kernel->params.push_back(std::move(p));
  }

  // The ABI is exactly what the compiler emits for these parameters: per
  // tensor its pointer, every size and every stride but the innermost (which
  // is 1); per scalar its value. Anything else would launch with garbage.
  unsigned slot = 0;
  auto expect = [&](unsigned param, StringRef kind, std::optional<unsigned> dim,
                    ArrayRef<StringRef> types) -> Error {
    auto where = [&](const Twine &what) {
      return bad(formatv("ABI entry {0} ", slot).str() + what);
    };
    if (slot >= abi->size())
      return bad(formatv("the ABI is too short: it ends before the {0} of "
                         "parameter '{1}'",
                         kind, kernel->params[param].name)
                     .str());
    const json::Object *e = (*abi)[slot].getAsObject();
    if (!e)
      return where("is not an object");
    std::optional<int64_t> dimNow = e->getInteger("dim");
    if (e->getInteger("param") != std::optional<int64_t>(param) ||
        e->getString("kind") != kind ||
        (dim ? dimNow != std::optional<int64_t>(*dim)
             : e->get("dim") != nullptr))
      return where(formatv("should be the {0}{1} of parameter '{2}'", kind,
                           dim ? formatv(" of dimension {0}", *dim).str() : "",
                           kernel->params[param].name)
                       .str());
    std::optional<StringRef> type = e->getString("type");
    if (!type || !llvm::is_contained(types, *type))
      return where("has a bad 'type'");
    ++slot;
    return Error::success();
  };
  for (auto [i, p] : llvm::enumerate(kernel->params)) {
    unsigned param = static_cast<unsigned>(i);
    if (p.isTensor) {
      if (Error e = expect(param, "ptr", std::nullopt, {"ptr"}))
        return std::move(e);
      for (unsigned d = 0; d < p.rank; ++d)
        if (Error e = expect(param, "size", d, {"i64", "i32"}))
          return std::move(e);
      for (unsigned d = 0; d + 1 < p.rank; ++d)
        if (Error e = expect(param, "stride", d, {"i64", "i32"}))
          return std::move(e);
      // Optionally a TMA tensor map, built by the launcher from the tensor.
      const json::Object *tm =
          slot < abi->size() ? (*abi)[slot].getAsObject() : nullptr;
      if (tm && tm->getInteger("param") == std::optional<int64_t>(param) &&
          tm->getString("kind") == "tensormap") {
        auto badMap = [&](const Twine &what) {
          return bad(
              formatv("ABI entry {0} (tensor map of '{1}'): ", slot, p.name)
                  .str() +
              what);
        };
        if (tm->getString("type") != "byval" ||
            tm->getInteger("bytes") != kTensorMapBytes ||
            tm->getInteger("align") != kTensorMapAlign)
          return badMap("must be passed by value ('type' byval), 128 bytes "
                        "aligned to 64");
        if (tm->getInteger("rank") != std::optional<int64_t>(p.rank) ||
            p.rank < 1 || p.rank > kTensorMapMaxRank)
          return badMap("'rank' must be the tensor's, 1 to 5");
        if (tm->getString("dtype") != StringRef(p.dtype) ||
            !llvm::is_contained({"bf16", "f16", "f32"}, p.dtype))
          return badMap("'dtype' must be the tensor's: bf16, f16 or f32");
        std::optional<int64_t> swizzle = tm->getInteger("swizzle");
        if (!swizzle || !llvm::is_contained({0, 32, 64, 128}, *swizzle))
          return badMap("'swizzle' must be 0, 32, 64 or 128");
        if (tm->getString("fill") != "zero")
          return badMap("'fill' must be \"zero\"");
        const json::Array *box = tm->getArray("box");
        if (!box || box->size() != p.rank)
          return badMap("'box' needs one extent per dimension");
        for (const json::Value &b : *box) {
          std::optional<int64_t> n = b.getAsInteger();
          if (!n || *n < 1 || *n > kTensorMapMaxBox)
            return badMap("a 'box' extent must be an integer in [1, 256]");
          p.box.push_back(*n);
        }
        if (*swizzle && p.box.back() * gpuDTypeBytes(p.dtype) > *swizzle)
          return badMap("box rows exceed the swizzle span");
        p.tensorMap = true;
        p.swizzle = static_cast<unsigned>(*swizzle);
        ++slot;
      }
    } else {
      if (!llvm::is_contained({"f32", "f64", "i32", "i64"}, p.dtype))
        return bad("scalar parameter '" + p.name + "' of unsupported type '" +
                   p.dtype + "'");
      if (Error e = expect(param, "value", std::nullopt, {p.dtype}))
        return std::move(e);
    }
  }
  if (slot != abi->size())
    return bad(formatv("the ABI has {0} entries, the parameters need {1}",
                       abi->size(), slot));
  for (const json::Value &g : *grid)
    if (Error e = checkGridExpr(g, kernel->params))
      return bad(toString(std::move(e)));
  kernel->abi = *abi;
  kernel->gridExprs = *grid;

  std::string cubin = k->getString("cubin").value_or("").str();
  if (cubin.empty())
    cubin = top->getString("cubin").value_or("").str();
  // An AMD code object (fa-compile --target gfx90a|gfx942) runs on HIP; its
  // LDS is static (`lds_static`), so launches pass no dynamic LDS.
  if (cubin.empty()) {
    cubin = top->getString("hsaco").value_or("").str();
    kernel->hip = !cubin.empty();
    if (kernel->hip && k->getBoolean("lds_static").value_or(false))
      kernel->sharedBytes = 0;
  }
  if (cubin.empty())
    return malformed("no 'cubin' (or 'hsaco')");
  SmallString<256> cubinPath(cubin);
  if (sys::path::is_relative(cubinPath)) {
    cubinPath = sys::path::parent_path(sidecarPath);
    sys::path::append(cubinPath, cubin);
  }
  kernel->cubinPath = std::string(cubinPath);
  return kernel;
}

Error GpuKernel::ensureLoaded(int device) {
  if (handle)
    return Error::success();
  if (fa_rt_select_platform(hip ? "hip" : "cuda") || fa_rt_init(device) ||
      fa_rt_load_file(cubinPath.c_str(), entry.c_str(), &handle))
    return err(fa_rt_last_error());
  return Error::success();
}

Error GpuKernel::validate(ArrayRef<GpuArg> args) const {
  if (args.size() != params.size())
    return err(formatv("kernel '{0}' takes {1} arguments, got {2}", entry,
                       params.size(), args.size()));
  StringMap<std::pair<int64_t, std::string>> symbols;
  for (auto [p, a] : llvm::zip(params, args)) {
    if (p.isTensor != a.isTensor)
      return err("argument '" + p.name + "' must be a " +
                 (p.isTensor ? "tensor" : "scalar"));
    if (!p.isTensor)
      continue;
    if (a.sizes.size() != p.rank || a.strides.size() != p.rank)
      return err(formatv("tensor '{0}' has rank {1}, the kernel expects {2}",
                         p.name, a.sizes.size(), p.rank));
    for (unsigned d = 0; d < p.rank; ++d) {
      int64_t size = a.sizes[d];
      if (size < 0)
        return err(formatv("tensor '{0}' has a negative size", p.name));
      if (p.dimSizes[d] >= 0 && size != p.dimSizes[d])
        return err(formatv("tensor '{0}' dimension {1} is {2}, but the "
                           "kernel was compiled for {3}",
                           p.name, d, size, p.dimSizes[d]));
      if (!p.dimSymbols[d].empty()) {
        auto [it, inserted] = symbols.try_emplace(
            p.dimSymbols[d], size, formatv("{0}[{1}]", p.name, d).str());
        if (!inserted && it->second.first != size)
          return err(formatv("size {0} differs: {1} = {2} but {3}[{4}] = {5}",
                             p.dimSymbols[d], it->second.second,
                             it->second.first, p.name, d, size));
      }
    }
    if (p.rank > 0 && a.strides.back() != 1)
      return err("tensor '" + p.name +
                 "' must be contiguous in its last dimension (stride 1)");
    unsigned elt = gpuDTypeBytes(p.dtype);
    if (p.tensorMap) {
      // TMA reads through a tensor map: 16-byte aligned base and strides.
      if (a.ptr % 16)
        return err(formatv("tensor '{0}' is read with TMA and must start on "
                           "a 16-byte boundary",
                           p.name));
      for (unsigned d = 0; d + 1 < p.rank; ++d)
        if ((static_cast<uint64_t>(a.strides[d]) * elt) % 16 ||
            a.strides[d] < 0)
          return err(formatv("tensor '{0}' is read with TMA: stride of "
                             "dimension {1} ({2} elements) must be a "
                             "non-negative multiple of 16 bytes",
                             p.name, d, a.strides[d]));
    }
    if (p.alignBytes > 1) {
      if (a.ptr % p.alignBytes)
        return err(formatv("tensor '{0}' must start on a {1}-byte boundary",
                           p.name, p.alignBytes));
      for (unsigned d = 0; d + 1 < p.rank; ++d)
        // In uint64_t: wraps instead of overflowing, and the remainder by a
        // power of two is still exact.
        if ((static_cast<uint64_t>(a.strides[d]) * elt) % p.alignBytes)
          return err(formatv("tensor '{0}': stride of dimension {1} ({2} "
                             "elements) is not a multiple of {3} bytes",
                             p.name, d, a.strides[d], p.alignBytes));
    }
  }
  return Error::success();
}

Expected<int64_t> GpuKernel::evalGrid(const json::Value &expr,
                                      ArrayRef<GpuArg> args) const {
  if (auto c = expr.getAsInteger())
    return *c;
  const json::Object *o = expr.getAsObject();
  if (!o)
    return err("malformed grid expression in the sidecar");
  if (const json::Array *s = o->getArray("size")) {
    int64_t a = s->size() == 2 ? (*s)[0].getAsInteger().value_or(-1) : -1;
    int64_t d = s->size() == 2 ? (*s)[1].getAsInteger().value_or(-1) : -1;
    if (a < 0 || a >= static_cast<int64_t>(args.size()) || d < 0 ||
        d >= static_cast<int64_t>(args[a].sizes.size()))
      return err("grid expression reads a size that does not exist");
    return args[a].sizes[d];
  }
  if (auto a = o->getInteger("arg")) {
    if (*a < 0 || *a >= static_cast<int64_t>(args.size()))
      return err("grid expression reads an argument that does not exist");
    return args[*a].intValue;
  }
  const json::Array *ops = o->getArray("args");
  auto op = o->getString("op");
  if (!ops || ops->size() != 2 || !op)
    return err("malformed grid expression in the sidecar");
  Expected<int64_t> x = evalGrid((*ops)[0], args);
  if (!x)
    return x.takeError();
  Expected<int64_t> y = evalGrid((*ops)[1], args);
  if (!y)
    return y.takeError();
  if ((*op == "div" || *op == "cdiv" || *op == "rem") && *y == 0)
    return err("grid rule divides by zero for these sizes");
  // Checked arithmetic: sizes are attacker- or user-controlled, and
  // INT64_MIN / -1 traps.
  std::optional<int64_t> r;
  if (*op == "add")
    r = checkedAdd(*x, *y);
  else if (*op == "sub")
    r = checkedSub(*x, *y);
  else if (*op == "mul")
    r = checkedMul(*x, *y);
  else if (*op == "div" || *op == "rem" || *op == "cdiv") {
    std::optional<int64_t> n = *x;
    if (*op == "cdiv") // (x + y - 1) / y
      if ((n = checkedAdd(*x, *y)))
        n = checkedSub(*n, int64_t(1));
    if (n && !(*n == std::numeric_limits<int64_t>::min() && *y == -1))
      r = *op == "rem" ? *n % *y : *n / *y;
  } else if (*op == "min")
    r = std::min(*x, *y);
  else if (*op == "max")
    r = std::max(*x, *y);
  else
    return err("unknown grid operation '" + *op + "' in the sidecar");
  if (!r)
    return err("grid rule overflows for these sizes");
  return *r;
}

Expected<std::array<unsigned, 3>> GpuKernel::grid(ArrayRef<GpuArg> args) const {
  std::array<unsigned, 3> g;
  static const int64_t limits[3] = {2147483647, 65535, 65535};
  for (unsigned i = 0; i < 3; ++i) {
    Expected<int64_t> v = evalGrid(gridExprs[i], args);
    if (!v)
      return v.takeError();
    if (*v < 0 || *v > limits[i])
      return err(formatv("grid size {0} along axis {1} is outside [0, {2}]", *v,
                         i, limits[i]));
    g[i] = static_cast<unsigned>(*v);
  }
  return g;
}

Error GpuKernel::marshal(ArrayRef<GpuArg> args, std::vector<uint64_t> &storage,
                         std::vector<void *> &pointers) const {
  // One 8-byte slot per entry, then room for the tensor maps (each 128
  // bytes at a 64-byte boundary) after them.
  constexpr size_t kMapWords = kTensorMapBytes / 8, kAlignWords = 8;
  size_t maps = 0;
  for (const json::Value &v : abi)
    if (const json::Object *e = v.getAsObject())
      maps += e->getString("kind") == "tensormap";
  storage.assign(abi.size() + maps * kMapWords + kAlignWords, 0);
  pointers.clear();
  uint64_t *nextMap = storage.data() + abi.size();
  nextMap +=
      (kAlignWords - (reinterpret_cast<uintptr_t>(nextMap) / 8) % kAlignWords) %
      kAlignWords;
  for (auto [i, v] : llvm::enumerate(abi)) {
    const json::Object *e = v.getAsObject();
    if (!e)
      return err("malformed ABI entry in the sidecar");
    int64_t param = e->getInteger("param").value_or(-1);
    if (param < 0 || param >= static_cast<int64_t>(args.size()))
      return err("ABI entry names a parameter that does not exist");
    const GpuArg &a = args[param];
    StringRef kind = e->getString("kind").value_or("");
    StringRef type = e->getString("type").value_or("");
    int64_t dim = e->getInteger("dim").value_or(-1);
    void *slot = &storage[i];
    if (kind == "ptr") {
      std::memcpy(slot, &a.ptr, 8);
    } else if (kind == "size" || kind == "stride") {
      if (dim < 0 || dim >= static_cast<int64_t>(a.sizes.size()))
        return err("ABI entry names a dimension that does not exist");
      int64_t x = kind == "size" ? a.sizes[dim] : a.strides[dim];
      if (type == "i32") {
        int32_t y = static_cast<int32_t>(x);
        std::memcpy(slot, &y, 4);
      } else {
        std::memcpy(slot, &x, 8);
      }
    } else if (kind == "value") {
      if (type == "f32") {
        float f = static_cast<float>(a.floatValue);
        std::memcpy(slot, &f, 4);
      } else if (type == "f64") {
        std::memcpy(slot, &a.floatValue, 8);
      } else if (type == "i32") {
        int32_t y = static_cast<int32_t>(a.intValue);
        std::memcpy(slot, &y, 4);
      } else if (type == "i64") {
        std::memcpy(slot, &a.intValue, 8);
      } else {
        return err("scalar parameter of unsupported type '" + type + "'");
      }
    } else if (kind == "tensormap") {
      const GpuParam &p = params[param];
      if (!p.tensorMap || !a.isTensor)
        return err("tensor map ABI entry for a parameter without one");
      if (fa_rt_encode_tensor_map(nextMap, p.dtype.c_str(), p.rank, a.ptr,
                                  a.sizes.data(), a.strides.data(),
                                  p.box.data(), p.swizzle))
        return err("tensor '" + p.name + "': " + fa_rt_last_error());
      slot = nextMap;
      nextMap += kMapWords;
    } else {
      return err("unknown ABI entry kind '" + kind + "' in the sidecar");
    }
    pointers.push_back(slot);
  }
  return Error::success();
}

Error GpuKernel::launch(ArrayRef<GpuArg> args) {
  // Arguments are refused before the driver is touched.
  if (Error e = validate(args))
    return e;
  if (auto g = grid(args); !g)
    return g.takeError();
  if (Error e = ensureLoaded())
    return e;
  if (Error e = launchAsync(args, nullptr))
    return e;
  if (fa_rt_synchronize())
    return err(fa_rt_last_error());
  return Error::success();
}

Error GpuKernel::launchAsync(ArrayRef<GpuArg> args, void *stream) {
  if (Error e = validate(args))
    return e;
  auto g = grid(args);
  if (!g)
    return g.takeError();
  if (!handle)
    return err("kernel '" + entry + "' is not loaded on a device");
  if ((*g)[0] == 0 || (*g)[1] == 0 || (*g)[2] == 0)
    return Error::success(); // nothing to do (an empty problem)
  std::vector<uint64_t> storage;
  std::vector<void *> pointers;
  if (Error e = marshal(args, storage, pointers))
    return e;
  if (fa_rt_launch(handle, g->data(), threads.data(), sharedBytes, stream,
                   pointers.data()))
    return err(fa_rt_last_error());
  return Error::success();
}

Expected<std::vector<float>> GpuKernel::time(ArrayRef<GpuArg> args, int warmup,
                                             int iters) {
  if (Error e = validate(args))
    return std::move(e);
  auto g = grid(args);
  if (!g)
    return g.takeError();
  if (Error e = ensureLoaded())
    return std::move(e);
  std::vector<uint64_t> storage;
  std::vector<void *> pointers;
  if (Error e = marshal(args, storage, pointers))
    return std::move(e);
  std::vector<float> ms(iters > 0 ? iters : 0);
  if ((*g)[0] == 0 || (*g)[1] == 0 || (*g)[2] == 0)
    return ms;
  if (fa_rt_time(handle, g->data(), threads.data(), sharedBytes, nullptr,
                 pointers.data(), warmup, iters, ms.data()))
    return err(fa_rt_last_error());
  return ms;
}
