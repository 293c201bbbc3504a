//===- GenericGpu.cpp - fa-run generic mode: kernels from a sidecar ------===//
//
// A kernel sequence loaded from a sidecar and run through the CUDA runtime
// on a pool's tensors (Generic.h). MLIR-free.
//
//===----------------------------------------------------------------------===//

#include "Generic.h"

#include "fa/Runtime/CudaRuntime.h"
#include "fa/Runtime/GpuKernel.h"

#include <algorithm>

using namespace llvm;

namespace fa_run {

static Error err(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

namespace {

/// Device memory of a pool's tensors, freed with the program.
class GpuProgram : public Program {
public:
  std::vector<std::unique_ptr<fa::GpuKernel>> loaded;
  StringMap<uint64_t> device;

  ~GpuProgram() override {
    for (auto &d : device)
      if (d.second)
        fa_rt_free(d.second);
  }

  /// The launch arguments of kernel `i` (device pointers once allocated).
  std::vector<fa::GpuArg> argsFor(size_t i, Pool &pool) {
    std::vector<fa::GpuArg> args;
    for (const GenericArg &a : kernels[i].args) {
      if (a.isTensor) {
        Buffer &b = pool.tensors[a.name];
        auto it = device.find(a.name);
        args.push_back(
            fa::GpuArg::tensor(it == device.end() ? 0 : it->second, b.shape));
      } else {
        const Scalar &s = pool.scalars[a.name];
        args.push_back(
            isFloatDType(a.dtype)
                ? fa::GpuArg::scalarFloat(s.value)
                : fa::GpuArg::scalarInt(static_cast<int64_t>(s.value)));
      }
    }
    return args;
  }

  Error run(Pool &pool) override {
    // Every argument and grid is checked before the driver is touched.
    for (size_t i = 0; i < loaded.size(); ++i) {
      std::vector<fa::GpuArg> args = argsFor(i, pool);
      if (Error e = loaded[i]->validate(args))
        return e;
      if (auto g = loaded[i]->grid(args); !g)
        return g.takeError();
    }
    for (auto &k : loaded)
      if (Error e = k->ensureLoaded())
        return e;
    for (const std::string &name : pool.order) {
      Buffer &b = pool.tensors[name];
      uint64_t &ptr = device[name];
      size_t n = std::max<size_t>(b.bytes.size(), 16);
      if (!ptr && fa_rt_malloc(&ptr, n))
        return err(fa_rt_last_error());
      if (!b.bytes.empty() &&
          fa_rt_memcpy_htod(ptr, b.bytes.data(), b.bytes.size()))
        return err(fa_rt_last_error());
    }
    for (size_t i = 0; i < loaded.size(); ++i)
      if (Error e = loaded[i]->launch(argsFor(i, pool)))
        return err("running kernel '" + kernels[i].name +
                   "' failed: " + toString(std::move(e)));
    for (const std::string &name : pool.order) {
      Buffer &b = pool.tensors[name];
      if (!b.bytes.empty() &&
          fa_rt_memcpy_dtoh(b.bytes.data(), device[name], b.bytes.size()))
        return err(fa_rt_last_error());
    }
    return Error::success();
  }

  Expected<std::vector<double>> time(Pool &pool, unsigned iters) override {
    std::vector<double> medians;
    for (size_t i = 0; i < loaded.size(); ++i) {
      auto ms = loaded[i]->time(argsFor(i, pool), /*warmup=*/5, iters);
      if (!ms)
        return ms.takeError();
      std::sort(ms->begin(), ms->end());
      medians.push_back(ms->empty() ? 0.0 : (*ms)[ms->size() / 2]);
    }
    return medians;
  }
};

} // namespace

Expected<std::unique_ptr<Program>>
loadGpuProgram(const std::string &sidecar,
               const std::vector<std::string> &names,
               const std::string &target) {
  auto program = std::make_unique<GpuProgram>();
  std::vector<std::string> want = names;
  if (want.empty())
    want.push_back("");
  for (const std::string &n : want) {
    auto kernel = fa::GpuKernel::load(sidecar, n);
    if (!kernel)
      return kernel.takeError();
    if ((*kernel)->getTarget() != target)
      return err("'" + sidecar + "' was compiled for " +
                 (*kernel)->getTarget() + ", not --target " + target);
    GenericKernelDesc desc;
    desc.name = (*kernel)->getEntry().str();
    for (const auto &kv : (*kernel)->getSpecialization()) {
      std::string text;
      if (auto b = kv.second.getAsBoolean())
        text = *b ? "true" : "false";
      else if (auto n = kv.second.getAsInteger())
        text = std::to_string(*n);
      else if (auto str = kv.second.getAsString())
        text = str->str();
      desc.params[kv.first.str()] = text;
    }
    for (const fa::GpuParam &p : (*kernel)->getParams()) {
      GenericArg a;
      a.name = p.name;
      a.isTensor = p.isTensor;
      a.dtype = p.dtype == "fp16" ? "f16" : p.dtype;
      for (unsigned d = 0; d < p.rank; ++d) {
        GenericDim dim;
        dim.symbol = p.dimSymbols[d];
        dim.size = p.dimSizes[d];
        a.dims.push_back(dim);
      }
      desc.args.push_back(a);
    }
    program->kernels.push_back(std::move(desc));
    program->loaded.push_back(std::move(*kernel));
  }
  return std::unique_ptr<Program>(std::move(program));
}

} // namespace fa_run
