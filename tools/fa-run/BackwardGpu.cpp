//===- BackwardGpu.cpp - fa-run --backward on the GPU ---------------------===//
//
//   fa-run-gpu flash_bwd.json --backward --forward flash_fwd.json \
//       --target sm_90a --batch 1 --heads 4 --seqlen 333 --headdim 64 \
//       [--kv-heads 2] [--seqlen-k 100] [--causal] [--dtype bf16|fp16] \
//       [--deterministic] [--repeat 10] --check
//
// Runs compiled kernels from their sidecars (fa-compile writes one cubin and
// one sidecar for all kernels of kernels/flash_bwd.tile): the forward
// flash_fwd for o and lse, then flash_bwd_preprocess, flash_bwd and
// flash_bwd_dq (DETERMINISTIC) or flash_bwd_dq_convert. Every specialization
// the sidecars record (HEAD_DIM, CAUSAL, T, DETERMINISTIC) must be the one the
// command asks for, and every argument is checked against the sidecars
// before the driver is touched. Outputs start as NaN on the device before
// each run. Also declares the backward's options, since this file (unlike
// Backward.cpp) is in every fa-run build.
//
//===----------------------------------------------------------------------===//

#include "Backward.h"
#include "GradientCheck.h"

#include "fa/Runtime/CudaRuntime.h"
#include "fa/Runtime/GpuKernel.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>

using namespace llvm;

namespace fa_run {
namespace {

cl::opt<bool> backward("backward",
                       cl::desc("Run and check the backward kernels of the "
                                "input file (a .tile source, or on a GPU "
                                "target a compiled sidecar)"));
cl::opt<std::string>
    forwardFile("forward",
                cl::desc("--backward: the forward kernel's .tile file "
                         "(default: flash_fwd.tile next to the input), or "
                         "its sidecar .json with a backward sidecar"));
cl::opt<bool> deterministic(
    "deterministic",
    cl::desc("--backward: compile with DETERMINISTIC=true (default: the "
             "kernel's default); with sidecars, the backward must have been "
             "compiled so"));
cl::opt<unsigned> repeat("repeat",
                         cl::desc("--backward: run the backward this many "
                                  "times; the gradients must be "
                                  "bit-identical"),
                         cl::init(1));

int fail(const Twine &msg) {
  errs() << "fa-run: error: " << msg << "\n";
  return 1;
}

/// Device memory freed on scope exit.
struct DeviceBuffer {
  uint64_t ptr = 0;
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer &) = delete;
  ~DeviceBuffer() {
    if (ptr)
      fa_rt_free(ptr);
  }
};

/// The text of a specialization value, as -D spells it.
std::string specText(const json::Value &v) {
  if (auto b = v.getAsBoolean())
    return *b ? "true" : "false";
  if (auto i = v.getAsInteger())
    return std::to_string(*i);
  if (auto s = v.getAsString())
    return s->str();
  return "?";
}

/// Checks that `kernel` was compiled for `want` (name -> -D text); `required`
/// names the keys it must record.
bool checkSpecialization(const fa::GpuKernel &kernel, StringRef file,
                         const StringMap<std::string> &want,
                         ArrayRef<StringRef> required) {
  const json::Object &spec = kernel.getSpecialization();
  for (StringRef key : required)
    if (!spec.get(key)) {
      fail("kernel '" + kernel.getEntry() + "' of '" + file + "' records no " +
           key + " in its sidecar's specialization");
      return false;
    }
  for (const auto &w : want) {
    const json::Value *have = spec.get(w.getKey());
    if (!have)
      continue;
    std::string text = specText(*have);
    if (text != w.getValue()) {
      fail("kernel '" + kernel.getEntry() + "' of '" + file +
           "' was compiled with " + w.getKey() + " = " + text +
           ", but the command asks for " + w.getValue());
      return false;
    }
  }
  return true;
}

/// A device tensor fa-run binds by argument name.
struct Slot {
  Tensor *host;
  const char *dtype;
  DeviceBuffer dev;
};

} // namespace

bool backwardRequested() { return backward; }
const std::string &backwardForwardFile() { return forwardFile; }
bool backwardDeterministic() { return deterministic; }
unsigned backwardRepeat() { return repeat; }

int runBackwardOnGpu(const BackwardConfig &c, const std::string &bwdSidecar,
                     const std::string &fwdSidecar) {
  if (repeat < 1)
    return fail("--repeat must be >= 1");
  if (sys::path::extension(bwdSidecar) != ".json")
    return fail("'" + bwdSidecar +
                "': fa-run-gpu --backward takes the backward kernels' "
                "sidecar (.json)");
  if (fwdSidecar.empty())
    return fail("--backward with a sidecar needs --forward <the forward "
                "kernel's sidecar .json>");
  if (sys::path::extension(fwdSidecar) != ".json")
    return fail("--forward '" + fwdSidecar +
                "': with a backward sidecar, give the forward kernel's "
                "sidecar (.json)");
  DType dtype;
  if (!parseDType(c.dtype, dtype))
    return fail("--dtype " + c.dtype + ": expected bf16, f16 or f32");
  const char *typeName = dtypeTileName(dtype);
  Dims p{c.B,  c.H, c.HKV,    c.N,
         c.NK, c.D, c.causal, 1.0 / std::sqrt(double(c.D))};

  // Kernels, their targets and specializations, before any GPU work.
  auto t0 = std::chrono::steady_clock::now();
  auto fwd = fa::GpuKernel::load(fwdSidecar, "flash_fwd");
  if (!fwd)
    return fail(toString(fwd.takeError()));
  auto main = fa::GpuKernel::load(bwdSidecar, "flash_bwd");
  if (!main)
    return fail(toString(main.takeError()));
  StringMap<std::string> want;
  want["HEAD_DIM"] = std::to_string(p.D);
  want["CAUSAL"] = p.causal ? "true" : "false";
  want["T"] = typeName;
  want["DETERMINISTIC"] = deterministic ? "true" : "false";
  if (!checkSpecialization(**main, bwdSidecar, want,
                           {"HEAD_DIM", "CAUSAL", "T", "DETERMINISTIC"}))
    return 1;
  bool isDeterministic = bool(deterministic);
  auto pre = fa::GpuKernel::load(bwdSidecar, "flash_bwd_preprocess");
  if (!pre)
    return fail(toString(pre.takeError()));
  auto post = fa::GpuKernel::load(
      bwdSidecar, isDeterministic ? "flash_bwd_dq" : "flash_bwd_dq_convert");
  if (!post)
    return fail(toString(post.takeError()));
  // The forward has no DETERMINISTIC; the others only what they record.
  if (!checkSpecialization(**fwd, fwdSidecar, want,
                           {"HEAD_DIM", "CAUSAL", "T"}) ||
      !checkSpecialization(**pre, bwdSidecar, want, {}) ||
      !checkSpecialization(**post, bwdSidecar, want, {}))
    return 1;
  fa::GpuKernel *kernels[] = {fwd->get(), pre->get(), main->get(), post->get()};
  for (fa::GpuKernel *k : kernels)
    if (k->getTarget() != c.target)
      return fail("kernel '" + k->getEntry() + "' was compiled for " +
                  k->getTarget() + ", not --target " + c.target);

  // Host tensors; the inputs are standard normal samples, as on the host.
  std::vector<int64_t> qShape{p.B, p.H, p.N, p.D},
      kvShape{p.B, p.HKV, p.NK, p.D}, rowShape{p.B, p.H, p.N};
  Tensor q(dtype, qShape), k(dtype, kvShape), v(dtype, kvShape),
      dO(dtype, qShape), o(dtype, qShape), dq(dtype, qShape),
      dk(dtype, kvShape), dv(dtype, kvShape), lse(DType::F32, rowShape),
      delta(DType::F32, rowShape), dqAcc(DType::F32, qShape);
  fillNormal(c.seed, {&q, &k, &v, &dO});
  StringMap<Slot> slots;
  auto addSlot = [&](StringRef name, Tensor &t) {
    Slot &s = slots[name];
    s.host = &t;
    s.dtype = t.type == DType::F32 ? "f32" : typeName;
  };
  addSlot("q", q);
  addSlot("k", k);
  addSlot("v", v);
  addSlot("o", o);
  addSlot("do", dO);
  addSlot("dq", dq);
  addSlot("dk", dk);
  addSlot("dv", dv);
  addSlot("lse", lse);
  addSlot("delta", delta);
  addSlot("dq_acc", dqAcc);

  // Arguments by name, validated with null pointers (filled in later).
  std::vector<fa::GpuArg> args[4];
  for (auto [kernel, kargs] : llvm::zip(kernels, args)) {
    for (const fa::GpuParam &param : kernel->getParams()) {
      if (param.name == "scale") {
        if (param.isTensor || param.dtype != "f32")
          return fail("argument 'scale' of kernel '" + kernel->getEntry() +
                      "' must be an f32 scalar");
        kargs.push_back(fa::GpuArg::scalarFloat(p.scale));
        continue;
      }
      auto it = slots.find(param.name);
      if (it == slots.end())
        return fail("argument '" + param.name + "' of kernel '" +
                    kernel->getEntry() +
                    "' is not one fa-run --backward can bind (q, k, v, o, "
                    "do, lse, delta, dq_acc, dq, dk, dv, scale)");
      if (!param.isTensor || param.dtype != it->second.dtype)
        return fail("argument '" + param.name + "' of kernel '" +
                    kernel->getEntry() + "' holds " + param.dtype +
                    ", but fa-run passes a tensor of " + it->second.dtype);
      kargs.push_back(fa::GpuArg::tensor(0, it->second.host->shape));
    }
    if (Error e = kernel->validate(kargs))
      return fail(toString(std::move(e)));
    if (auto g = kernel->grid(kargs); !g)
      return fail(toString(g.takeError()));
  }
  for (fa::GpuKernel *k : kernels)
    if (Error e = k->ensureLoaded())
      return fail(toString(std::move(e)));
  auto t1 = std::chrono::steady_clock::now();

  // Device buffers: inputs uploaded, everything else NaN (all bits set).
  for (auto &entry : slots) {
    Slot &s = entry.second;
    Tensor *t = s.host;
    bool input = t == &q || t == &k || t == &v || t == &dO;
    if (fa_rt_malloc(&s.dev.ptr, std::max<size_t>(t->bytes(), 1)) ||
        (input ? fa_rt_memcpy_htod(s.dev.ptr, t->data(), t->bytes())
               : fa_rt_memset(s.dev.ptr, 0xff, t->bytes())))
      return fail(fa_rt_last_error());
  }
  for (auto [kernel, kargs] : llvm::zip(kernels, args))
    for (auto [param, arg] : llvm::zip(kernel->getParams(), kargs))
      if (param.isTensor)
        arg.ptr = slots[param.name].dev.ptr;

  auto launch = [&](unsigned i) {
    if (Error e = kernels[i]->launch(args[i])) {
      fail("running kernel '" + kernels[i]->getEntry() +
           "' failed: " + toString(std::move(e)));
      return false;
    }
    return true;
  };
  auto fetch = [&](StringRef name) {
    Slot &s = slots[name];
    return fa_rt_memcpy_dtoh(s.host->data(), s.dev.ptr, s.host->bytes()) == 0;
  };

  if (!launch(0))
    return 1;
  if (fa_rt_synchronize())
    return fail(fa_rt_last_error());
  auto t2 = std::chrono::steady_clock::now();
  Tensor firstDq = dq, firstDk = dk, firstDv = dv;
  double backwardSecs = 0;
  bool identical = true;
  for (unsigned r = 0; r < unsigned(repeat); ++r) {
    for (StringRef name : {"dq", "dk", "dv", "delta", "dq_acc"}) {
      Slot &s = slots[name];
      if (fa_rt_memset(s.dev.ptr, 0xff, s.host->bytes()))
        return fail(fa_rt_last_error());
    }
    if (fa_rt_synchronize())
      return fail(fa_rt_last_error());
    auto r0 = std::chrono::steady_clock::now();
    if (!launch(1) || !launch(2) || !launch(3))
      return 1;
    if (fa_rt_synchronize())
      return fail(fa_rt_last_error());
    auto r1 = std::chrono::steady_clock::now();
    if (!fetch("dq") || !fetch("dk") || !fetch("dv"))
      return fail(fa_rt_last_error());
    if (r == 0) {
      backwardSecs = std::chrono::duration<double>(r1 - r0).count();
      firstDq = dq, firstDk = dk, firstDv = dv;
    } else {
      identical &=
          dq.sameBits(firstDq) && dk.sameBits(firstDk) && dv.sameBits(firstDv);
    }
  }

  outs() << "fa-run: backward on " << c.target << ": B=" << p.B << " H=" << p.H
         << " HKV=" << p.HKV << " N=" << p.N << " NK=" << p.NK << " D=" << p.D
         << " causal=" << (p.causal ? "true" : "false") << " dtype=" << c.dtype
         << " deterministic=" << (isDeterministic ? "true" : "false")
         << " seed=" << c.seed << "\n";
  auto secs = [](auto a, auto b) {
    return std::chrono::duration<double>(b - a).count();
  };
  outs() << format("time: load %.3f s, forward %.3f s, backward %.3f s\n",
                   secs(t0, t1), secs(t1, t2), backwardSecs);
  return finishBackward(p, dtype, c.dtype, c.check, repeat, identical, q, k, v,
                        dO, dq, dk, dv);
}

} // namespace fa_run
