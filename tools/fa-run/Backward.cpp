//===- Backward.cpp - fa-run --backward: check attention gradients --------===//
//
//   fa-run kernels/flash_bwd.tile --target host --backward --batch 1 \
//       --heads 4 --seqlen 333 --headdim 64 [--kv-heads 2] [--seqlen-k 100] \
//       [--causal] [--dtype bf16|fp16|f32] [--deterministic] [--repeat 3] \
//       [--forward kernels/flash_fwd.tile] --check
//
// 1. Runs the forward kernel (flash_fwd in --forward, by default the
//    flash_fwd.tile next to the backward file) on random q, k, v to get o and
//    the natural-log lse.
// 2. Runs the backward kernels on a random do: flash_bwd_preprocess,
//    flash_bwd, then flash_bwd_dq (DETERMINISTIC) or flash_bwd_dq_convert;
//    --repeat R runs them R times and requires bit-identical gradients.
// 3. With --check, compares dq, dk and dv with gradients computed in fp64 from
//    the same q, k, v and do, under the forward's rule: kernel error <= 2 x
//    the error of a plain same-precision backward + the unit roundoff.
//
//===----------------------------------------------------------------------===//

#include "Backward.h"

#include "fa/Conversion/TileToHost/Passes.h"
#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Frontend/Frontend.h"
#include "fa/Runtime/HostRunner.h"
#include "fa/Transforms/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace llvm;

namespace fa_run {
namespace {

cl::opt<bool> backward("backward",
                       cl::desc("Run and check the backward kernels of the "
                                "input file (host only)"));
cl::opt<std::string>
    forwardFile("forward",
                cl::desc("--backward: the forward kernel's .tile file "
                         "(default: flash_fwd.tile next to the input)"));
cl::opt<bool> deterministic(
    "deterministic",
    cl::desc("--backward: compile with DETERMINISTIC=true (default: the "
             "kernel's default)"));
cl::opt<unsigned> repeat("repeat",
                         cl::desc("--backward: run the backward this many "
                                  "times; the gradients must be "
                                  "bit-identical"),
                         cl::init(1));

int fail(const Twine &msg) {
  errs() << "fa-run: error: " << msg << "\n";
  return 1;
}

//===----------------------------------------------------------------------===//
// Element types (the same conversions as fa-run.cpp's forward check)
//===----------------------------------------------------------------------===//

enum class DType { BF16, F16, F32 };

float bitsToFloat(uint32_t x) {
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}
uint32_t floatToBits(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  return x;
}
uint16_t floatToBF16(float f) {
  uint32_t x = floatToBits(f);
  if ((x & 0x7fffffff) > 0x7f800000)
    return (x >> 16) | 0x40;
  x += 0x7fff + ((x >> 16) & 1);
  return x >> 16;
}
float bf16ToFloat(uint16_t h) { return bitsToFloat(uint32_t(h) << 16); }
uint16_t floatToF16(float f) {
  uint32_t x = floatToBits(f);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t a = x & 0x7fffffff;
  if (a >= 0x7f800000)
    return sign | 0x7c00 | (a > 0x7f800000 ? 0x200 : 0);
  if (a >= 0x477ff000)
    return sign | 0x7c00;
  if (a < 0x38800000)
    return sign | uint32_t(std::nearbyint(bitsToFloat(a) * 16777216.0f));
  uint32_t h = ((a >> 23) - 112) << 10 | ((a & 0x7fffff) >> 13);
  uint32_t rest = a & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
    ++h;
  return sign | h;
}
float f16ToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e == 0)
    return (sign ? -1.0f : 1.0f) * float(m) * (1.0f / 16777216.0f);
  if (e == 31)
    return bitsToFloat(sign | 0x7f800000 | (m << 13));
  return bitsToFloat(sign | ((e + 112) << 23) | (m << 13));
}
float roundTo(float v, DType t) {
  switch (t) {
  case DType::BF16:
    return bf16ToFloat(floatToBF16(v));
  case DType::F16:
    return f16ToFloat(floatToF16(v));
  case DType::F32:
    return v;
  }
  return v;
}
double unitRoundoff(DType t) {
  switch (t) {
  case DType::BF16:
    return std::ldexp(1.0, -8);
  case DType::F16:
    return std::ldexp(1.0, -11);
  case DType::F32:
    return std::ldexp(1.0, -24);
  }
  return 0;
}

/// A tensor in an element type; new tensors hold NaN so that elements a
/// kernel forgets to write fail the check.
struct Tensor {
  DType type;
  std::vector<int64_t> shape;
  std::vector<uint16_t> half;
  std::vector<float> single;

  Tensor(DType t, std::vector<int64_t> s) : type(t), shape(std::move(s)) {
    size_t n = 1;
    for (int64_t d : shape)
      n *= d;
    if (t == DType::F32)
      single.assign(n, std::numeric_limits<float>::quiet_NaN());
    else
      half.assign(n, t == DType::BF16 ? 0x7fc0 : 0x7e00);
  }
  size_t size() const {
    return type == DType::F32 ? single.size() : half.size();
  }
  void *data() {
    return type == DType::F32 ? static_cast<void *>(single.data())
                              : static_cast<void *>(half.data());
  }
  /// Refills with NaN in place: kernels hold pointers to the storage.
  void fillNaN() {
    std::fill(single.begin(), single.end(),
              std::numeric_limits<float>::quiet_NaN());
    std::fill(half.begin(), half.end(), type == DType::BF16 ? 0x7fc0 : 0x7e00);
  }
  void set(size_t i, float v) {
    if (type == DType::F32)
      single[i] = v;
    else if (type == DType::BF16)
      half[i] = floatToBF16(v);
    else
      half[i] = floatToF16(v);
  }
  double get(size_t i) const {
    if (type == DType::F32)
      return single[i];
    return type == DType::BF16 ? bf16ToFloat(half[i]) : f16ToFloat(half[i]);
  }
  std::vector<double> values() const {
    std::vector<double> r(size());
    for (size_t i = 0; i < r.size(); ++i)
      r[i] = get(i);
    return r;
  }
  bool sameBits(const Tensor &o) const {
    return half == o.half &&
           (single.size() == o.single.size() &&
            (single.empty() ||
             !std::memcmp(single.data(), o.single.data(), single.size() * 4)));
  }
};

//===----------------------------------------------------------------------===//
// References
//===----------------------------------------------------------------------===//

struct Dims {
  int64_t B, H, HKV, N, NK, D;
  bool causal;
  double scale;
  int64_t visible(int64_t i) const { return causal ? std::min(NK, i + 1) : NK; }
};

/// Gradients of attention in fp64 from q, k, v and do (o, lse and delta
/// recomputed exactly). A row that sees no key contributes nothing.
void gradientsFP64(const Dims &p, const std::vector<double> &q,
                   const std::vector<double> &k, const std::vector<double> &v,
                   const std::vector<double> &dO, std::vector<double> &dq,
                   std::vector<double> &dk, std::vector<double> &dv) {
  int64_t D = p.D;
  dq.assign(q.size(), 0.0);
  dk.assign(k.size(), 0.0);
  dv.assign(v.size(), 0.0);
  std::vector<double> s(p.NK), dp(p.NK), o(D);
  for (int64_t b = 0; b < p.B; ++b)
    for (int64_t h = 0; h < p.H; ++h) {
      int64_t hk = h / (p.H / p.HKV);
      size_t kvBase = size_t((b * p.HKV + hk) * p.NK) * D;
      for (int64_t i = 0; i < p.N; ++i) {
        size_t row = size_t((b * p.H + h) * p.N + i) * D;
        int64_t nv = p.visible(i);
        if (nv == 0)
          continue;
        double m = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < nv; ++j) {
          double acc = 0;
          for (int64_t d = 0; d < D; ++d)
            acc += q[row + d] * k[kvBase + j * D + d];
          s[j] = acc * p.scale;
          m = std::max(m, s[j]);
        }
        double l = 0;
        for (int64_t j = 0; j < nv; ++j)
          l += std::exp(s[j] - m);
        double lse = m + std::log(l);
        std::fill(o.begin(), o.end(), 0.0);
        for (int64_t j = 0; j < nv; ++j) {
          s[j] = std::exp(s[j] - lse); // now p
          for (int64_t d = 0; d < D; ++d)
            o[d] += s[j] * v[kvBase + j * D + d];
        }
        double delta = 0;
        for (int64_t d = 0; d < D; ++d)
          delta += dO[row + d] * o[d];
        for (int64_t j = 0; j < nv; ++j) {
          double acc = 0;
          for (int64_t d = 0; d < D; ++d)
            acc += dO[row + d] * v[kvBase + j * D + d];
          double ds = s[j] * (acc - delta);
          for (int64_t d = 0; d < D; ++d) {
            dv[kvBase + j * D + d] += s[j] * dO[row + d];
            dk[kvBase + j * D + d] += p.scale * ds * q[row + d];
            dq[row + d] += p.scale * ds * k[kvBase + j * D + d];
          }
        }
      }
    }
}

/// The same gradients as a plain same-precision implementation computes
/// them: f32 sums; the scores, the probabilities, o, dp, ds and the
/// gradients rounded to the input type (o and lse from a plain forward).
/// Its error against fp64 calibrates the check.
void gradientsPlain(const Dims &p, DType t, const std::vector<double> &qd,
                    const std::vector<double> &kd,
                    const std::vector<double> &vd,
                    const std::vector<double> &dOd, std::vector<double> &dqOut,
                    std::vector<double> &dkOut, std::vector<double> &dvOut) {
  int64_t D = p.D;
  std::vector<float> q(qd.begin(), qd.end()), k(kd.begin(), kd.end()),
      v(vd.begin(), vd.end()), dO(dOd.begin(), dOd.end());
  std::vector<float> dq(q.size(), 0.0f), dk(k.size(), 0.0f), dv(v.size(), 0.0f);
  float scale = p.scale;
  std::vector<float> s(p.NK), o(D);
  for (int64_t b = 0; b < p.B; ++b)
    for (int64_t h = 0; h < p.H; ++h) {
      int64_t hk = h / (p.H / p.HKV);
      size_t kvBase = size_t((b * p.HKV + hk) * p.NK) * D;
      for (int64_t i = 0; i < p.N; ++i) {
        size_t row = size_t((b * p.H + h) * p.N + i) * D;
        int64_t nv = p.visible(i);
        if (nv == 0)
          continue;
        // Forward: lse and o as the plain forward of fa-run computes them.
        float m = -std::numeric_limits<float>::infinity();
        for (int64_t j = 0; j < nv; ++j) {
          float acc = 0;
          for (int64_t d = 0; d < D; ++d)
            acc += q[row + d] * k[kvBase + j * D + d];
          s[j] = roundTo(roundTo(acc, t) * scale, t);
          m = std::max(m, s[j]);
        }
        float l = 0;
        std::fill(o.begin(), o.end(), 0.0f);
        for (int64_t j = 0; j < nv; ++j) {
          float e = roundTo(std::exp(s[j] - m), t);
          l += e;
          for (int64_t d = 0; d < D; ++d)
            o[d] += e * v[kvBase + j * D + d];
        }
        float lse = m + std::log(l);
        float delta = 0;
        for (int64_t d = 0; d < D; ++d)
          delta += dO[row + d] * roundTo(o[d] / l, t);
        // Backward.
        for (int64_t j = 0; j < nv; ++j) {
          float pj = roundTo(std::exp(s[j] - lse), t);
          float acc = 0;
          for (int64_t d = 0; d < D; ++d)
            acc += dO[row + d] * v[kvBase + j * D + d];
          float ds = roundTo(pj * (roundTo(acc, t) - delta), t);
          for (int64_t d = 0; d < D; ++d) {
            dv[kvBase + j * D + d] += pj * dO[row + d];
            dk[kvBase + j * D + d] += ds * q[row + d];
            dq[row + d] += ds * k[kvBase + j * D + d];
          }
        }
      }
    }
  auto finish = [&](const std::vector<float> &g, float factor,
                    std::vector<double> &out) {
    out.resize(g.size());
    for (size_t i = 0; i < g.size(); ++i)
      out[i] = roundTo(g[i] * factor, t);
  };
  finish(dq, scale, dqOut);
  finish(dk, scale, dkOut);
  finish(dv, 1.0f, dvOut);
}

/// Largest |a - b|; NaN when any difference is NaN.
double maxAbsError(const std::vector<double> &a, const std::vector<double> &b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    double e = std::fabs(a[i] - b[i]);
    if (std::isnan(e))
      return std::numeric_limits<double>::quiet_NaN();
    worst = std::max(worst, e);
  }
  return worst;
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

/// A named buffer or scalar that kernels bind by argument name.
struct Binding {
  void *data = nullptr;
  std::vector<int64_t> shape;
  mlir::Type elementType; // null for the f32 scalar `scale`
  double scalar = 0;
};

/// Compiles every kernel of `file` with `defines` and runs the tile
/// optimizations; null after reporting the error.
mlir::OwningOpRef<mlir::ModuleOp>
loadModule(mlir::MLIRContext &ctx, const std::string &file,
           const llvm::StringMap<std::string> &defines, bool tileOpt) {
  // The backward needs several kernels specialized together: sources only.
  if (sys::path::extension(file) != ".tile") {
    fail("'" + file + "': --backward takes .tile sources");
    return nullptr;
  }
  auto buffer = MemoryBuffer::getFile(file);
  if (!buffer) {
    fail("cannot read '" + file + "': " + buffer.getError().message());
    return nullptr;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(*buffer), SMLoc());
  fa::FrontendOptions options;
  options.defines = defines;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      fa::compileTileSource(sourceMgr, ctx, options);
  if (!module)
    return nullptr;
  if (tileOpt) {
    mlir::PassManager pm(&ctx);
    fa::buildTileOptimizationPipeline(pm);
    if (failed(pm.run(*module))) {
      fail("the tile optimizations failed on '" + file + "'");
      return nullptr;
    }
  }
  return module;
}

/// A compiled kernel and the arguments bound to it by name.
struct BoundKernel {
  std::unique_ptr<fa::HostKernel> kernel;
  std::vector<fa::HostArg> args;
};

/// Compiles kernel `name` of `module` and binds its arguments from
/// `bindings`; reports the error and returns false on failure.
bool prepare(mlir::ModuleOp module, StringRef name, unsigned jitOpt,
             const llvm::StringMap<Binding> &bindings, BoundKernel &out) {
  auto kernel = fa::HostKernel::compile(module, name, jitOpt);
  if (!kernel) {
    fail(toString(kernel.takeError()));
    return false;
  }
  out.kernel = std::move(*kernel);
  for (const fa::HostArgInfo &info : out.kernel->getArgs()) {
    auto it = bindings.find(info.name);
    if (it == bindings.end()) {
      fail("argument '" + info.name + "' of kernel '" + name +
           "' is not one fa-run --backward can bind (q, k, v, o, do, lse, "
           "delta, dq_acc, dq, dk, dv, scale)");
      return false;
    }
    const Binding &b = it->second;
    if (!b.elementType) {
      if (info.isBuffer || !info.elementType.isF32()) {
        fail("argument '" + info.name + "' of kernel '" + name +
             "' must be an f32 scalar");
        return false;
      }
      out.args.push_back(fa::HostArg::scalarFloat(b.scalar));
      continue;
    }
    if (!info.isBuffer || info.rank != b.shape.size() ||
        info.elementType != b.elementType) {
      std::string want;
      llvm::raw_string_ostream os(want);
      os << "a rank-" << b.shape.size() << " global tensor of "
         << b.elementType;
      fail("argument '" + info.name + "' of kernel '" + name + "' must be " +
           want);
      return false;
    }
    out.args.push_back(fa::HostArg::buffer(b.data, b.shape));
  }
  if (Error e = out.kernel->check(out.args)) {
    fail(toString(std::move(e)));
    return false;
  }
  return true;
}

bool launch(BoundKernel &k) {
  if (Error e = k.kernel->run(k.args)) {
    fail("running kernel '" + k.kernel->getName() +
         "' failed: " + toString(std::move(e)));
    return false;
  }
  return true;
}

double seconds(std::chrono::steady_clock::time_point a,
               std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

} // namespace

bool backwardRequested() { return backward; }

int runBackward(const BackwardConfig &c) {
  if (repeat < 1)
    return fail("--repeat must be >= 1");
  DType dtype = c.dtype == "bf16"   ? DType::BF16
                : c.dtype == "fp16" ? DType::F16
                                    : DType::F32;
  const char *typeName = dtype == DType::BF16  ? "bf16"
                         : dtype == DType::F16 ? "f16"
                                               : "f32";
  Dims p{c.B,  c.H, c.HKV,    c.N,
         c.NK, c.D, c.causal, 1.0 / std::sqrt(double(c.D))};

  mlir::DialectRegistry registry;
  fa::registerTileToHostDialects(registry);
  mlir::MLIRContext ctx(registry);
  mlir::Type elemTy =
      dtype == DType::BF16  ? mlir::Type(mlir::BFloat16Type::get(&ctx))
      : dtype == DType::F16 ? mlir::Type(mlir::Float16Type::get(&ctx))
                            : mlir::Type(mlir::Float32Type::get(&ctx));
  mlir::Type f32 = mlir::Float32Type::get(&ctx);

  // Buffers. Inputs are standard normal samples rounded to the type.
  std::vector<int64_t> qShape{p.B, p.H, p.N, p.D},
      kvShape{p.B, p.HKV, p.NK, p.D}, rowShape{p.B, p.H, p.N};
  Tensor q(dtype, qShape), k(dtype, kvShape), v(dtype, kvShape),
      dO(dtype, qShape), o(dtype, qShape), dq(dtype, qShape),
      dk(dtype, kvShape), dv(dtype, kvShape), lse(DType::F32, rowShape),
      delta(DType::F32, rowShape), dqAcc(DType::F32, qShape);
  std::mt19937_64 rng(c.seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (Tensor *t : {&q, &k, &v, &dO})
    for (size_t i = 0; i < t->size(); ++i)
      t->set(i, normal(rng));

  llvm::StringMap<Binding> bindings;
  auto bind = [&](StringRef name, Tensor &t, mlir::Type elem) {
    bindings[name] = Binding{t.data(), t.shape, elem, 0};
  };
  bind("q", q, elemTy);
  bind("k", k, elemTy);
  bind("v", v, elemTy);
  bind("o", o, elemTy);
  bind("do", dO, elemTy);
  bind("dq", dq, elemTy);
  bind("dk", dk, elemTy);
  bind("dv", dv, elemTy);
  bind("lse", lse, f32);
  bind("delta", delta, f32);
  bind("dq_acc", dqAcc, f32);
  bindings["scale"] = Binding{nullptr, {}, mlir::Type(), p.scale};

  // Compile the forward and the backward kernels.
  auto t0 = std::chrono::steady_clock::now();
  llvm::StringMap<std::string> fwdDefines, bwdDefines;
  fwdDefines["HEAD_DIM"] = bwdDefines["HEAD_DIM"] = std::to_string(p.D);
  fwdDefines["CAUSAL"] = bwdDefines["CAUSAL"] = p.causal ? "true" : "false";
  fwdDefines["T"] = bwdDefines["T"] = typeName;
  if (c.blockM)
    bwdDefines["BLOCK_M"] = std::to_string(c.blockM);
  if (c.blockN)
    bwdDefines["BLOCK_N"] = std::to_string(c.blockN);
  if (deterministic)
    bwdDefines["DETERMINISTIC"] = "true";
  std::string fwdFile = forwardFile;
  if (fwdFile.empty()) {
    SmallString<128> path(sys::path::parent_path(c.backwardFile));
    sys::path::append(path, "flash_fwd.tile");
    fwdFile = std::string(path);
  }
  auto bwdModule = loadModule(ctx, c.backwardFile, bwdDefines, c.tileOpt);
  if (!bwdModule)
    return 1;
  auto fwdModule = loadModule(ctx, fwdFile, fwdDefines, c.tileOpt);
  if (!fwdModule)
    return 1;

  // DETERMINISTIC, as the main kernel was specialized.
  auto mainKernel = bwdModule->lookupSymbol<fa::tile::KernelOp>("flash_bwd");
  if (!mainKernel)
    return fail("'" + c.backwardFile + "' has no kernel flash_bwd");
  bool isDeterministic = false;
  if (mlir::DictionaryAttr params = mainKernel.getParamsAttr())
    if (auto d = params.getAs<mlir::BoolAttr>("DETERMINISTIC"))
      isDeterministic = d.getValue();

  BoundKernel fwd, pre, main, post;
  if (!prepare(*fwdModule, "flash_fwd", c.jitOpt, bindings, fwd) ||
      !prepare(*bwdModule, "flash_bwd_preprocess", c.jitOpt, bindings, pre) ||
      !prepare(*bwdModule, "flash_bwd", c.jitOpt, bindings, main) ||
      !prepare(*bwdModule,
               isDeterministic ? "flash_bwd_dq" : "flash_bwd_dq_convert",
               c.jitOpt, bindings, post))
    return 1;
  auto t1 = std::chrono::steady_clock::now();

  // Forward, then the backward `repeat` times from NaN-filled outputs.
  if (!launch(fwd))
    return 1;
  auto t2 = std::chrono::steady_clock::now();
  // Copies of the first run's gradients (copies, not the bound storage).
  Tensor firstDq = dq, firstDk = dk, firstDv = dv;
  double backwardSecs = 0;
  bool identical = true;
  for (unsigned r = 0; r < unsigned(repeat); ++r) {
    for (Tensor *t : {&dq, &dk, &dv, &delta, &dqAcc})
      t->fillNaN();
    auto r0 = std::chrono::steady_clock::now();
    if (!launch(pre) || !launch(main) || !launch(post))
      return 1;
    auto r1 = std::chrono::steady_clock::now();
    if (r == 0) {
      backwardSecs = seconds(r0, r1);
      firstDq = dq, firstDk = dk, firstDv = dv;
    } else {
      identical &=
          dq.sameBits(firstDq) && dk.sameBits(firstDk) && dv.sameBits(firstDv);
    }
  }

  outs() << "fa-run: backward on host: B=" << p.B << " H=" << p.H
         << " HKV=" << p.HKV << " N=" << p.N << " NK=" << p.NK << " D=" << p.D
         << " causal=" << (p.causal ? "true" : "false") << " dtype=" << c.dtype
         << " deterministic=" << (isDeterministic ? "true" : "false")
         << " seed=" << c.seed << "\n";
  outs() << format("time: compile %.3f s, forward %.3f s, backward %.3f s\n",
                   seconds(t0, t1), seconds(t1, t2), backwardSecs);
  bool ok = true;
  if (repeat > 1) {
    outs() << "dq, dk, dv over " << repeat
           << " runs: " << (identical ? "bit-identical" : "DIFFER") << "\n";
    ok &= identical;
  }
  if (!c.check) {
    outs() << "no check (pass --check to compare with fp64 gradients)\n";
    if (!ok)
      outs() << "FAIL\n";
    return ok ? 0 : 1;
  }

  auto t3 = std::chrono::steady_clock::now();
  std::vector<double> qv = q.values(), kv = k.values(), vv = v.values(),
                      dOv = dO.values();
  std::vector<double> refDq, refDk, refDv, plainDq, plainDk, plainDv;
  gradientsFP64(p, qv, kv, vv, dOv, refDq, refDk, refDv);
  gradientsPlain(p, dtype, qv, kv, vv, dOv, plainDq, plainDk, plainDv);
  double eps = unitRoundoff(dtype);
  struct Row {
    const char *name;
    const Tensor &got;
    const std::vector<double> &ref, &plain;
  } rowsOut[] = {{"dq", dq, refDq, plainDq},
                 {"dk", dk, refDk, plainDk},
                 {"dv", dv, refDv, plainDv}};
  for (const Row &r : rowsOut) {
    double err = maxAbsError(r.got.values(), r.ref);
    double plainErr = maxAbsError(r.plain, r.ref);
    double tol = 2 * plainErr + eps;
    bool good = err <= tol; // false for NaN
    ok &= good;
    outs() << format("max abs error of %s: kernel %.3e  plain %s %.3e  "
                     "tolerance %.3e  %s\n",
                     r.name, err, c.dtype.c_str(), plainErr, tol,
                     good ? "ok" : "TOO LARGE");
  }
  outs() << "tolerance rule: kernel error <= 2 x plain error + unit "
            "roundoff of "
         << c.dtype << format(" (%.3e)\n", eps);
  outs() << format("time: references and check %.3f s\n",
                   seconds(t3, std::chrono::steady_clock::now()));
  outs() << (ok ? "PASS" : "FAIL") << "\n";
  return ok ? 0 : 1;
}

} // namespace fa_run
