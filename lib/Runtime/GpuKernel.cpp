//===- GpuKernel.cpp - launch a compiled kernel from its sidecar ----------===//

#include "fa/Runtime/GpuKernel.h"

#include "fa/Runtime/CudaRuntime.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>

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
      s *= sizes[i];
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

Expected<std::unique_ptr<GpuKernel>> GpuKernel::load(StringRef sidecarPath,
                                                     StringRef wanted) {
  auto buf = MemoryBuffer::getFile(sidecarPath);
  if (!buf)
    return err("cannot read kernel sidecar '" + sidecarPath +
               "': " + buf.getError().message());
  Expected<json::Value> root = json::parse((*buf)->getBuffer());
  if (!root)
    return err("malformed kernel sidecar '" + sidecarPath +
               "': " + toString(root.takeError()));
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
    if (o && (wanted.empty() || o->getString("entry") == wanted)) {
      if (k && wanted.empty())
        return err("sidecar '" + sidecarPath +
                   "' holds several kernels: name one");
      k = o;
    }
  }
  if (!k)
    return err("sidecar '" + sidecarPath + "' has no kernel '" + wanted + "'");

  std::unique_ptr<GpuKernel> kernel(new GpuKernel());
  auto malformed = [&](const Twine &what) {
    return err("malformed kernel sidecar '" + sidecarPath + "': " + what);
  };
  kernel->entry = k->getString("entry").value_or("").str();
  kernel->target = k->getString("target").value_or("").str();
  if (kernel->entry.empty())
    return malformed("kernel without an entry");
  if (const json::Array *t = k->getArray("threads")) {
    for (unsigned i = 0; i < 3 && i < t->size(); ++i)
      kernel->threads[i] =
          static_cast<unsigned>((*t)[i].getAsInteger().value_or(1));
  } else {
    return malformed("no 'threads'");
  }
  kernel->sharedBytes =
      static_cast<unsigned>(k->getInteger("shared_bytes").value_or(0));
  if (const json::Object *s = k->getObject("specialization"))
    kernel->spec = *s;
  const json::Array *ps = k->getArray("params");
  const json::Array *abi = k->getArray("abi");
  const json::Array *grid = k->getArray("grid");
  if (!ps || !abi || !grid || grid->size() != 3)
    return malformed("needs 'params', 'abi' and a 3-entry 'grid'");
  for (const json::Value &pv : *ps) {
    const json::Object *po = pv.getAsObject();
    if (!po)
      return malformed("a parameter is not an object");
    GpuParam p;
    p.name = po->getString("name").value_or("").str();
    p.isTensor = po->getString("kind") == "tensor";
    p.dtype = po->getString("dtype").value_or("").str();
    p.alignBytes =
        static_cast<unsigned>(po->getInteger("align_bytes").value_or(1));
    if (p.isTensor) {
      const json::Array *dims = po->getArray("dims");
      p.rank = static_cast<unsigned>(po->getInteger("rank").value_or(0));
      if (!dims || dims->size() != p.rank)
        return malformed("tensor '" + p.name + "' needs 'dims' of its rank");
      for (const json::Value &d : *dims) {
        if (auto s = d.getAsString()) {
          p.dimSymbols.push_back(s->str());
          p.dimSizes.push_back(-1);
        } else {
          p.dimSymbols.push_back("");
          p.dimSizes.push_back(d.getAsInteger().value_or(-1));
        }
      }
    }
    kernel->params.push_back(std::move(p));
  }
  kernel->abi = *abi;
  kernel->gridExprs = *grid;

  std::string cubin = k->getString("cubin").value_or("").str();
  if (cubin.empty())
    cubin = top->getString("cubin").value_or("").str();
  if (cubin.empty())
    return malformed("no 'cubin'");
  SmallString<256> cubinPath(cubin);
  if (sys::path::is_relative(cubinPath)) {
    cubinPath = sys::path::parent_path(sidecarPath);
    sys::path::append(cubinPath, cubin);
  }
  kernel->cubinPath = std::string(cubinPath);
  return kernel;
}

Error GpuKernel::ensureLoaded() {
  if (handle)
    return Error::success();
  if (fa_rt_init(0) ||
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
    if (p.alignBytes > 1) {
      if (a.ptr % p.alignBytes)
        return err(formatv("tensor '{0}' must start on a {1}-byte boundary",
                           p.name, p.alignBytes));
      for (unsigned d = 0; d + 1 < p.rank; ++d)
        if ((a.strides[d] * elt) % p.alignBytes)
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
    int64_t a = (*s)[0].getAsInteger().value_or(-1);
    int64_t d = s->size() > 1 ? (*s)[1].getAsInteger().value_or(-1) : -1;
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
  if (*op == "add")
    return *x + *y;
  if (*op == "sub")
    return *x - *y;
  if (*op == "mul")
    return *x * *y;
  if (*op == "div")
    return *x / *y;
  if (*op == "cdiv")
    return (*x + *y - 1) / *y;
  if (*op == "rem")
    return *x % *y;
  if (*op == "min")
    return std::min(*x, *y);
  if (*op == "max")
    return std::max(*x, *y);
  return err("unknown grid operation '" + *op + "' in the sidecar");
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
  storage.assign(abi.size(), 0);
  pointers.clear();
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
    } else {
      return err("unknown ABI entry kind '" + kind + "' in the sidecar");
    }
    pointers.push_back(slot);
  }
  return Error::success();
}

Error GpuKernel::launch(ArrayRef<GpuArg> args) {
  if (Error e = validate(args))
    return e;
  if (Error e = ensureLoaded())
    return e;
  auto g = grid(args);
  if (!g)
    return g.takeError();
  if ((*g)[0] == 0 || (*g)[1] == 0 || (*g)[2] == 0)
    return Error::success(); // nothing to do (an empty problem)
  std::vector<uint64_t> storage;
  std::vector<void *> pointers;
  if (Error e = marshal(args, storage, pointers))
    return e;
  if (fa_rt_launch(handle, g->data(), threads.data(), sharedBytes, nullptr,
                   pointers.data()) ||
      fa_rt_synchronize())
    return err(fa_rt_last_error());
  return Error::success();
}

Expected<std::vector<float>> GpuKernel::time(ArrayRef<GpuArg> args, int warmup,
                                             int iters) {
  if (Error e = validate(args))
    return std::move(e);
  if (Error e = ensureLoaded())
    return std::move(e);
  auto g = grid(args);
  if (!g)
    return g.takeError();
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
