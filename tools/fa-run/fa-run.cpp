//===- fa-run.cpp - run a kernel and check it against fp64 ----------------===//
//
// Two modes. Generic mode (Generic.h) runs any kernel of a file, bound from
// its signature (--size, --arg, -D), against a reference (--compare host,
// --reference FILE, --reference-data FILE):
//
//   fa-run kernels/matmul.tile --target host --size M=100,N=70,K=300 \
//       --reference kernels/reference/matmul_ref.tile
//
// Attention mode, chosen by --batch, --heads, ... (this file), binds
// kernels/flash_fwd.tile's contract and checks it against built-in fp64
// attention:
//
//   fa-run kernels/flash_fwd.tile --target host --batch 1 --heads 4 \
//       --seqlen 1000 --headdim 128 [--kv-heads 2] [--seqlen-k 333] \
//       [--causal] [--dtype bf16|fp16|f32] [--seed 0] \
//       [--block-m 64] [--block-n 64] [--tile-opt=false] --check
//
// Compiles the kernel (a `.tile` source through the front end, or `tile` IR
// in a `.mlir` file), runs the tile optimizations (as every target does),
// lowers it to host code, fills q, k and v with random numbers, runs the kernel
// and, with --check, compares o and lse with attention computed in fp64. The
// error of a plain attention computed in the input precision is printed next
// to it; the kernel passes when its error is at most twice the plain one
// plus a small absolute slack (see Tolerance below).
//
// With a GPU --target (any registered back end's, e.g. sm_90a) the kernel is
// compiled through fa::compileKernel (or a binary is given through its JSON
// sidecar) and run on the GPU through the CUDA runtime; --time N reports the
// median of N timed launches. Built with FA_RUN_GPU_ONLY (target fa-run-gpu),
// fa-run needs neither MLIR nor LLVM at run time and accepts only sidecars:
// that build runs on GPU machines that lack LLVM/MLIR 22.
//
//===----------------------------------------------------------------------===//

#include "Backward.h"
#include "Generic.h"
#include "GradientCheck.h"
#include "fa/Runtime/CudaRuntime.h"
#include "fa/Runtime/GpuKernel.h"

#ifndef FA_RUN_GPU_ONLY
#include "fa/Conversion/TileToHost/Passes.h"
#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Frontend/Frontend.h"
#include "fa/InitAll.h"
#include "fa/Runtime/HostRunner.h"
#include "fa/Target/Compile.h"
#include "fa/Transforms/Passes.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#endif
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <vector>

#include <unistd.h>

using namespace llvm;

namespace {

cl::opt<std::string>
    inputFile(cl::Positional,
              cl::desc("<kernel.tile|kernel.mlir|kernel sidecar .json>"),
              cl::Required);
cl::opt<std::string>
    target("target",
           cl::desc("Where to run: host, or a GPU target (fa-compile --help "
                    "lists them)"),
           cl::Required);
cl::opt<unsigned>
    numWarps("num-warps",
             cl::desc("Warps per program on the GPU (default: chosen by the "
                      "compiler from the kernel's dot sizes)"),
             cl::init(0));
cl::opt<unsigned> numStages("num-stages",
                            cl::desc("GPU: software pipelining depth of loop "
                                     "loads (cp.async buffers; 1: none; "
                                     "default 2)"),
                            cl::init(2));
cl::opt<unsigned> timeIters("time",
                            cl::desc("GPU: time this many launches (after "
                                     "warm-up) and report the median"),
                            cl::init(0));
cl::opt<int64_t> checkRows(
    "check-rows",
    cl::desc("Check this many query rows spread over the problem (default: "
             "all rows when the fp64 reference is cheap, else 4096)"),
    cl::init(-1));
cl::opt<int64_t> batch("batch", cl::desc("Attention: batch size B"));
cl::opt<int64_t> heads("heads", cl::desc("Attention: query heads H"));
cl::opt<int64_t> kvHeads("kv-heads",
                         cl::desc("Key/value heads HKV (default H; H must be "
                                  "a multiple of HKV)"),
                         cl::init(0));
cl::opt<int64_t> seqlen("seqlen",
                        cl::desc("Attention: query sequence length N"));
cl::opt<int64_t>
    seqlenK("seqlen-k",
            cl::desc("Key sequence length NK (default N; may be 0)"),
            cl::init(0));
cl::opt<int64_t> headDim("headdim", cl::desc("Attention: head dimension D"));
cl::opt<bool> causal("causal",
                     cl::desc("Causal: query i sees keys j <= i (top-left)"));
cl::opt<std::string> dtypeName("dtype",
                               cl::desc("bf16, f16 (also fp16) or f32"),
                               cl::init("bf16"));
cl::opt<uint64_t> seed("seed", cl::desc("Random seed"), cl::init(0));
cl::opt<int64_t> blockM("block-m", cl::desc("BLOCK_M (default: the kernel's)"),
                        cl::init(0));
cl::opt<int64_t> blockN("block-n", cl::desc("BLOCK_N (default: the kernel's)"),
                        cl::init(0));
cl::opt<bool> doCheck("check", cl::desc("Compare with an fp64 reference"));
cl::opt<std::string>
    kernelName("kernel",
               cl::desc("Kernel to run (attention: default flash_fwd; "
                        "generic mode: K[,K2...] runs several in order, "
                        "default the file's only kernel)"));
cl::opt<unsigned> jitOpt("jit-opt",
                         cl::desc("LLVM optimization level of the host JIT "
                                  "(0 to 3)"),
                         cl::init(3));
cl::opt<bool> tileOpt("tile-opt",
                      cl::desc("Run the tile optimizations (exp2 folding, "
                               "causal loop splitting) before lowering"),
                      cl::init(true));

cl::opt<bool> padPow2("pad-pow2",
                      cl::desc("Pad tile shapes to powers of two "
                               "(tile-pad-pow2, as the GPU targets do) "
                               "before the host lowering"),
                      cl::init(false));

int fail(const Twine &msg) {
  errs() << "fa-run: error: " << msg << "\n";
  return 1;
}

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

// Element types and their rounding are shared with the backward check.
using fa_run::bf16ToFloat;
using fa_run::DType;
using fa_run::f16ToFloat;
using fa_run::floatToBF16;
using fa_run::floatToF16;
using fa_run::roundTo;
using fa_run::unitRoundoff;

/// A tensor in the kernel's element type plus its exact values as doubles.
struct Tensor {
  DType type;
  std::vector<int64_t> shape;
  std::vector<uint16_t> half; // bf16/f16 storage
  std::vector<float> single;  // f32 storage
  std::vector<double> exact;  // the stored values (for references)

  Tensor(DType t, std::vector<int64_t> s) : type(t), shape(std::move(s)) {
    size_t n = 1;
    for (int64_t d : shape)
      n *= d;
    if (t == DType::F32)
      single.assign(n, std::numeric_limits<float>::quiet_NaN());
    else
      half.assign(n, t == DType::BF16 ? 0x7fc0 : 0x7e00); // NaN
    exact.assign(n, 0);
  }
  size_t size() const { return exact.size(); }
  void *data() {
    return type == DType::F32 ? static_cast<void *>(single.data())
                              : static_cast<void *>(half.data());
  }
  void set(size_t i, float v) {
    float r = roundTo(v, type);
    exact[i] = r;
    if (type == DType::F32)
      single[i] = r;
    else if (type == DType::BF16)
      half[i] = floatToBF16(r);
    else
      half[i] = floatToF16(r);
  }
  double get(size_t i) const {
    if (type == DType::F32)
      return single[i];
    return type == DType::BF16 ? bf16ToFloat(half[i]) : f16ToFloat(half[i]);
  }
};

//===----------------------------------------------------------------------===//
// References
//===----------------------------------------------------------------------===//

struct Problem {
  int64_t B, H, HKV, N, NK, D;
  bool causal;
  double scale;
};

/// Number of keys query row `i` sees.
int64_t visibleKeys(const Problem &p, int64_t i) {
  return p.causal ? std::min(p.NK, i + 1) : p.NK;
}

/// Attention in fp64: o[B,H,N,D] and lse[B,H,N]. A row that sees no key gets
/// o = 0 and lse = -inf.
void referenceFP64(const Problem &p, const Tensor &q, const Tensor &k,
                   const Tensor &v, const std::vector<char> &rows,
                   std::vector<double> &o, std::vector<double> &lse) {
  o.assign(p.B * p.H * p.N * p.D, 0.0);
  lse.assign(p.B * p.H * p.N, -std::numeric_limits<double>::infinity());
  std::vector<double> s(p.NK), acc(p.D);
  for (int64_t b = 0; b < p.B; ++b)
    for (int64_t h = 0; h < p.H; ++h) {
      int64_t hk = h / (p.H / p.HKV);
      const double *kb = &k.exact[((b * p.HKV + hk) * p.NK) * p.D];
      const double *vb = &v.exact[((b * p.HKV + hk) * p.NK) * p.D];
      for (int64_t i = 0; i < p.N; ++i) {
        const double *qi = &q.exact[((b * p.H + h) * p.N + i) * p.D];
        int64_t nv = visibleKeys(p, i);
        if (nv == 0 || !rows[(b * p.H + h) * p.N + i])
          continue;
        double m = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < nv; ++j) {
          double dot = 0;
          for (int64_t d = 0; d < p.D; ++d)
            dot += qi[d] * kb[j * p.D + d];
          s[j] = dot * p.scale;
          m = std::max(m, s[j]);
        }
        double l = 0;
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t j = 0; j < nv; ++j) {
          double e = std::exp(s[j] - m);
          l += e;
          for (int64_t d = 0; d < p.D; ++d)
            acc[d] += e * vb[j * p.D + d];
        }
        size_t row = (b * p.H + h) * p.N + i;
        for (int64_t d = 0; d < p.D; ++d)
          o[row * p.D + d] = acc[d] / l;
        lse[row] = m + std::log(l);
      }
    }
}

/// Plain attention in the input precision: sums in f32, and the scores, the
/// probabilities and the output rounded to the input type, as a kernel with
/// no extra precision would. Its error against fp64 calibrates the check.
void referencePlain(const Problem &p, DType t, const Tensor &q, const Tensor &k,
                    const Tensor &v, const std::vector<char> &rows,
                    std::vector<double> &o, std::vector<double> &lse) {
  o.assign(p.B * p.H * p.N * p.D, 0.0);
  lse.assign(p.B * p.H * p.N, -std::numeric_limits<double>::infinity());
  std::vector<float> qf(q.size()), kf(k.size()), vf(v.size());
  for (size_t i = 0; i < q.size(); ++i)
    qf[i] = q.exact[i];
  for (size_t i = 0; i < k.size(); ++i)
    kf[i] = k.exact[i];
  for (size_t i = 0; i < v.size(); ++i)
    vf[i] = v.exact[i];
  float scale = p.scale;
  std::vector<float> s(p.NK), acc(p.D);
  for (int64_t b = 0; b < p.B; ++b)
    for (int64_t h = 0; h < p.H; ++h) {
      int64_t hk = h / (p.H / p.HKV);
      const float *kb = &kf[((b * p.HKV + hk) * p.NK) * p.D];
      const float *vb = &vf[((b * p.HKV + hk) * p.NK) * p.D];
      for (int64_t i = 0; i < p.N; ++i) {
        const float *qi = &qf[((b * p.H + h) * p.N + i) * p.D];
        int64_t nv = visibleKeys(p, i);
        if (nv == 0 || !rows[(b * p.H + h) * p.N + i])
          continue;
        float m = -std::numeric_limits<float>::infinity();
        for (int64_t j = 0; j < nv; ++j) {
          float dot = 0;
          for (int64_t d = 0; d < p.D; ++d)
            dot += qi[d] * kb[j * p.D + d];
          s[j] = roundTo(roundTo(dot, t) * scale, t);
          m = std::max(m, s[j]);
        }
        float l = 0;
        std::fill(acc.begin(), acc.end(), 0.0f);
        for (int64_t j = 0; j < nv; ++j) {
          float e = roundTo(std::exp(s[j] - m), t);
          l += e;
          for (int64_t d = 0; d < p.D; ++d)
            acc[d] += e * vb[j * p.D + d];
        }
        size_t row = (b * p.H + h) * p.N + i;
        for (int64_t d = 0; d < p.D; ++d)
          o[row * p.D + d] = roundTo(acc[d] / l, t);
        lse[row] = m + std::log(l);
      }
    }
}

/// Largest |a - b| over the checked rows (`perRow` values a row); NaN when
/// any value is NaN or only one side is infinite.
double maxAbsError(const std::vector<double> &a, const std::vector<double> &b,
                   const std::vector<char> &rows, size_t perRow) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!rows[i / perRow])
      continue;
    if (std::isinf(a[i]) && std::isinf(b[i]) && (a[i] > 0) == (b[i] > 0))
      continue;
    double e = std::fabs(a[i] - b[i]);
    if (std::isnan(e))
      return std::numeric_limits<double>::quiet_NaN();
    worst = std::max(worst, e);
  }
  return worst;
}

//===----------------------------------------------------------------------===//
// Kernel loading
//===----------------------------------------------------------------------===//

/// The compile-time parameters fa-run sets, as `-D` values.
struct Defines {
  llvm::StringMap<std::string> values;
};

#ifndef FA_RUN_GPU_ONLY

mlir::OwningOpRef<mlir::ModuleOp> loadKernel(mlir::MLIRContext &ctx,
                                             const Defines &defines) {
  auto file = fa::readSourceFile(inputFile);
  if (!file) {
    fail("cannot read '" + inputFile + "': " + toString(file.takeError()));
    return nullptr;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(*file), SMLoc());
  StringRef ext = sys::path::extension(inputFile);
  if (ext == ".tile") {
    fa::FrontendOptions options;
    options.defines = defines.values;
    options.kernelName = kernelName;
    return fa::compileTileSource(sourceMgr, ctx, options);
  }
  if (ext != ".mlir") {
    fail("'" + inputFile + "': expected a .tile or .mlir file");
    return nullptr;
  }
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &ctx);
  auto module = mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &ctx);
  if (!module)
    return nullptr;
  // tile IR is already specialized: its parameters must be the requested
  // ones.
  auto kernel = module->lookupSymbol<fa::tile::KernelOp>(kernelName);
  if (!kernel) {
    fail("'" + inputFile + "' has no tile.kernel @" + kernelName);
    return nullptr;
  }
  mlir::DictionaryAttr params = kernel.getParamsAttr();
  for (const auto &d : defines.values) {
    mlir::Attribute have = params ? params.get(d.getKey()) : mlir::Attribute();
    if (!have) {
      // Block sizes are the kernel's choice; the others must be recorded.
      if (d.getKey() == "BLOCK_M" || d.getKey() == "BLOCK_N") {
        fail("'" + inputFile + "' records no " + d.getKey() +
             " parameter to check --block-" +
             (d.getKey() == "BLOCK_M" ? "m" : "n") + " against");
        return nullptr;
      }
      continue;
    }
    std::string haveText;
    if (auto i = dyn_cast<mlir::IntegerAttr>(have))
      haveText = i.getType().isInteger(1) ? (i.getInt() ? "true" : "false")
                                          : std::to_string(i.getInt());
    else if (auto b = dyn_cast<mlir::BoolAttr>(have))
      haveText = b.getValue() ? "true" : "false";
    else if (auto t = dyn_cast<mlir::TypeAttr>(have)) {
      llvm::raw_string_ostream os(haveText);
      os << t.getValue();
    }
    if (haveText != d.getValue()) {
      fail("'" + inputFile + "' is specialized with " + d.getKey() + " = " +
           haveText + ", but the command asks for " + d.getValue() +
           " (tile IR cannot be re-specialized; use a .tile source)");
      return nullptr;
    }
  }
  return module;
}

/// Compiles the kernel for the host, binds q, k, v, o, lse and scale by name
/// and runs it. Returns the exit status (0 on success).
int runOnHost(const Problem &p, const Defines &defines, DType dtype, Tensor &q,
              Tensor &k, Tensor &v, Tensor &o, std::vector<float> &lse,
              double &compileSecs, double &runSecs) {
  mlir::DialectRegistry registry;
  fa::registerTileToHostDialects(registry);
  mlir::MLIRContext ctx(registry);
  auto t0 = std::chrono::steady_clock::now();
  mlir::OwningOpRef<mlir::ModuleOp> module = loadKernel(ctx, defines);
  if (!module)
    return 1;
  if (tileOpt || padPow2) {
    mlir::PassManager pm(&ctx);
    if (tileOpt)
      fa::buildTileOptimizationPipeline(pm);
    if (padPow2)
      pm.addPass(fa::createTilePadPow2());
    if (failed(pm.run(*module)))
      return fail("the tile optimizations failed on '" + inputFile + "'");
  }
  auto kernel = fa::HostKernel::compile(*module, kernelName, jitOpt);
  if (!kernel)
    return fail(toString(kernel.takeError()));
  auto t1 = std::chrono::steady_clock::now();

  mlir::Type elemTy =
      dtype == DType::BF16  ? mlir::Type(mlir::BFloat16Type::get(&ctx))
      : dtype == DType::F16 ? mlir::Type(mlir::Float16Type::get(&ctx))
                            : mlir::Type(mlir::Float32Type::get(&ctx));
  std::vector<fa::HostArg> args;
  llvm::StringSet<> bound;
  for (const fa::HostArgInfo &info : (*kernel)->getArgs()) {
    if (!bound.insert(info.name).second)
      return fail("kernel '" + kernelName + "' has two arguments named '" +
                  info.name + "'");
    auto expectBuffer = [&](mlir::Type elem, unsigned rank) -> bool {
      std::string want, have;
      llvm::raw_string_ostream w(want), h(have);
      w << elem;
      h << info.elementType;
      if (!info.isBuffer || info.rank != rank || info.elementType != elem) {
        fail("kernel argument '" + info.name + "' must be a rank-" +
             Twine(rank) + " global tensor of " + want + ", got " +
             (info.isBuffer
                  ? "a rank-" + Twine(info.rank) + " tensor of " + have
                  : "a scalar " + have));
        return false;
      }
      return true;
    };
    if (info.name == "q" || info.name == "k" || info.name == "v" ||
        info.name == "o") {
      if (!expectBuffer(elemTy, 4))
        return 1;
      Tensor &t = info.name == "q"   ? q
                  : info.name == "k" ? k
                  : info.name == "v" ? v
                                     : o;
      args.push_back(fa::HostArg::buffer(t.data(), t.shape));
    } else if (info.name == "lse") {
      if (!expectBuffer(mlir::Float32Type::get(&ctx), 3))
        return 1;
      args.push_back(fa::HostArg::buffer(lse.data(), {p.B, p.H, p.N}));
    } else if (info.name == "scale") {
      if (info.isBuffer || !info.elementType.isF32())
        return fail("kernel argument 'scale' must be an f32 scalar");
      args.push_back(fa::HostArg::scalarFloat(p.scale));
    } else {
      return fail("kernel argument '" + info.name +
                  "' is not one attention mode binds (q, k, v, o, lse, "
                  "scale); run other kernels in generic mode (--size, "
                  "--arg)");
    }
  }
  for (StringRef name : {"q", "k", "v", "o", "lse", "scale"})
    if (!bound.contains(name))
      return fail("kernel '" + kernelName + "' has no argument '" + name +
                  "' (attention mode needs q, k, v, o, lse and scale; run "
                  "other kernels in generic mode: --size, --arg)");
  if (Error e = (*kernel)->check(args))
    return fail(toString(std::move(e)));

  auto t2 = std::chrono::steady_clock::now();
  if (Error e = (*kernel)->run(args))
    return fail("running the kernel failed: " + toString(std::move(e)));
  auto t3 = std::chrono::steady_clock::now();
  compileSecs = std::chrono::duration<double>(t1 - t0).count();
  runSecs = std::chrono::duration<double>(t3 - t2).count();
  return 0;
}

/// Compiles a `.tile`/`.mlir` kernel for the GPU target into a temporary
/// folder; returns the sidecar's path, or "" after reporting the error.
std::string compileForGpu(const Defines &defines, SmallString<128> &tmpDir) {
  mlir::DialectRegistry registry;
  fa::registerTileToHostDialects(registry);
  mlir::MLIRContext ctx(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module = loadKernel(ctx, defines);
  if (!module)
    return "";
  if (std::error_code ec = sys::fs::createUniqueDirectory("fa-run", tmpDir)) {
    fail("cannot create a temporary folder: " + ec.message());
    return "";
  }
  SmallString<128> binary(tmpDir);
  sys::path::append(binary,
                    kernelName + "." +
                        fa::lookupBackend(target)->getBinaryExtension());
  fa::CompileOptions options;
  options.target = target;
  options.numWarps = numWarps;
  options.numStages = numStages;
  options.tileOptimize = tileOpt;
  if (failed(fa::compileKernel(*module, options, binary))) {
    fail("compiling '" + inputFile + "' for " + target + " failed");
    return "";
  }
  SmallString<128> sidecar(binary);
  sys::path::replace_extension(sidecar, "json");
  return std::string(sidecar);
}
#endif // FA_RUN_GPU_ONLY

/// Device memory freed on scope exit.
struct DeviceBuffer {
  uint64_t ptr = 0;
  ~DeviceBuffer() {
    if (ptr)
      fa_rt_free(ptr);
  }
};

/// Runs the kernel on the GPU: compiles it (or loads a sidecar), checks the
/// sidecar's specialization against the command, uploads the inputs,
/// launches, downloads o and lse, and with --time times it.
int runOnGpu(const Problem &p, const Defines &defines, const char *typeName,
             Tensor &q, Tensor &k, Tensor &v, Tensor &o,
             std::vector<float> &lse, double &compileSecs, double &runSecs,
             std::optional<double> &medianMs) {
  auto t0 = std::chrono::steady_clock::now();
  std::string sidecar;
  SmallString<128> tmpDir;
  if (sys::path::extension(inputFile) == ".json") {
    sidecar = inputFile;
  } else {
#ifdef FA_RUN_GPU_ONLY
    return fail("this fa-run was built without MLIR: give a compiled "
                "kernel's sidecar (.json), not '" +
                inputFile + "'");
#else
    sidecar = compileForGpu(defines, tmpDir);
    if (sidecar.empty())
      return 1;
#endif
  }
  auto kernel = fa::GpuKernel::load(sidecar, kernelName);
  if (!tmpDir.empty())
    sys::fs::remove_directories(tmpDir);
  if (!kernel)
    return fail(toString(kernel.takeError()));
  auto t1 = std::chrono::steady_clock::now();
  compileSecs = std::chrono::duration<double>(t1 - t0).count();
  if ((*kernel)->getTarget() != target)
    return fail("'" + inputFile + "' was compiled for " +
                (*kernel)->getTarget() + ", not --target " + target);
  // A sidecar's specialization must be the requested one.
  const json::Object &spec = (*kernel)->getSpecialization();
  for (const auto &d : defines.values) {
    const json::Value *have = spec.get(d.getKey());
    if (!have)
      continue;
    std::string text;
    if (auto b = have->getAsBoolean())
      text = *b ? "true" : "false";
    else if (auto i = have->getAsInteger())
      text = std::to_string(*i);
    else if (auto str = have->getAsString())
      text = str->str();
    if (text != d.getValue())
      return fail("the kernel was compiled with " + d.getKey() + " = " + text +
                  ", but the command asks for " + d.getValue());
  }

  // Bind arguments by name and check them against the sidecar before the
  // GPU is touched (pointers are filled in after allocation).
  std::vector<fa::GpuArg> args;
  llvm::StringSet<> bound;
  for (const fa::GpuParam &param : (*kernel)->getParams()) {
    if (!bound.insert(param.name).second)
      return fail("kernel '" + kernelName + "' has two arguments named '" +
                  param.name + "'");
    if (param.name == "q" || param.name == "o")
      args.push_back(fa::GpuArg::tensor(0, q.shape));
    else if (param.name == "k" || param.name == "v")
      args.push_back(fa::GpuArg::tensor(0, k.shape));
    else if (param.name == "lse")
      args.push_back(fa::GpuArg::tensor(0, {p.B, p.H, p.N}));
    else if (param.name == "scale")
      args.push_back(fa::GpuArg::scalarFloat(p.scale));
    else
      return fail("kernel argument '" + param.name +
                  "' is not one attention mode binds (q, k, v, o, lse, "
                  "scale); run other kernels in generic mode (--size, "
                  "--arg)");
    StringRef want = param.name == "lse" ? "f32" : typeName;
    if (param.name != "scale" && param.dtype != want)
      return fail("kernel argument '" + param.name + "' holds " + param.dtype +
                  ", but fa-run passes " + want);
  }
  for (StringRef name : {"q", "k", "v", "o", "lse", "scale"})
    if (!bound.contains(name))
      return fail("kernel '" + kernelName + "' has no argument '" + name +
                  "' (attention mode needs q, k, v, o, lse and scale; run "
                  "other kernels in generic mode: --size, --arg)");
  if (Error e = (*kernel)->validate(args))
    return fail(toString(std::move(e)));
  // The grid rule too is checked before the driver is touched.
  if (auto g = (*kernel)->grid(args); !g)
    return fail(toString(g.takeError()));
  if (Error e = (*kernel)->ensureLoaded())
    return fail(toString(std::move(e)));

  // Device buffers; o and lse start as NaN (all bits set) so that anything
  // the kernel does not write fails the check.
  DeviceBuffer dq, dk, dv, dO, dl;
  size_t eb = q.type == DType::F32 ? 4 : 2;
  if (fa_rt_malloc(&dq.ptr, q.size() * eb) ||
      fa_rt_malloc(&dk.ptr, k.size() * eb) ||
      fa_rt_malloc(&dv.ptr, v.size() * eb) ||
      fa_rt_malloc(&dO.ptr, o.size() * eb) ||
      fa_rt_malloc(&dl.ptr, lse.size() * 4) ||
      fa_rt_memcpy_htod(dq.ptr, q.data(), q.size() * eb) ||
      fa_rt_memcpy_htod(dk.ptr, k.data(), k.size() * eb) ||
      fa_rt_memcpy_htod(dv.ptr, v.data(), v.size() * eb) ||
      fa_rt_memset(dO.ptr, 0xff, o.size() * eb) ||
      fa_rt_memset(dl.ptr, 0xff, lse.size() * 4))
    return fail(fa_rt_last_error());
  for (auto [param, arg] : llvm::zip((*kernel)->getParams(), args)) {
    if (param.name == "q")
      arg.ptr = dq.ptr;
    else if (param.name == "k")
      arg.ptr = dk.ptr;
    else if (param.name == "v")
      arg.ptr = dv.ptr;
    else if (param.name == "o")
      arg.ptr = dO.ptr;
    else if (param.name == "lse")
      arg.ptr = dl.ptr;
  }

  auto t2 = std::chrono::steady_clock::now();
  if (Error e = (*kernel)->launch(args))
    return fail("running the kernel failed: " + toString(std::move(e)));
  auto t3 = std::chrono::steady_clock::now();
  runSecs = std::chrono::duration<double>(t3 - t2).count();
  if (fa_rt_memcpy_dtoh(o.data(), dO.ptr, o.size() * eb) ||
      fa_rt_memcpy_dtoh(lse.data(), dl.ptr, lse.size() * 4))
    return fail(fa_rt_last_error());
  if (timeIters) {
    auto ms = (*kernel)->time(args, /*warmup=*/5, timeIters);
    if (!ms)
      return fail(toString(ms.takeError()));
    std::sort(ms->begin(), ms->end());
    medianMs = (*ms)[ms->size() / 2];
  }
  return 0;
}

} // namespace

bool fa_run::padPow2Requested() { return padPow2; }

int main(int argc, char **argv) {
  InitLLVM y(argc, argv);
  cl::ParseCommandLineOptions(
      argc, argv,
      "FlashTile: run a kernel on random inputs and check it against an "
      "fp64 reference (generic mode: --size, --arg, -D, --compare, "
      "--reference; attention mode: --batch, --heads, --seqlen, "
      "--headdim)\n");

  // Arguments. A GPU target is any other than host: the compiler's
  // registry (or, for a sidecar, the target it records) decides.
  bool onGpu = target != "host";
#ifdef FA_RUN_GPU_ONLY
  if (!onGpu)
    return fail("this fa-run was built without MLIR (fa-run-gpu): it runs "
                "compiled kernels on the GPU only; use the GPU target of the "
                "sidecar");
#else
  fa::registerAllBackends();
  if (onGpu && !fa::lookupBackend(target))
    return fail("--target " + target +
                ": expected host or a registered GPU target (" +
                fa::getBackendTargetList() + ")");
#endif
  if (!onGpu && sys::path::extension(inputFile) == ".json")
    return fail("'" + inputFile +
                "' is a compiled kernel's sidecar: run it with the GPU "
                "target it was compiled for");
  if (timeIters && !onGpu)
    return fail("--time is for GPU targets");

  // Attention mode (flash_fwd/flash_bwd's contract and fp64 references) is
  // chosen by its options; any other command is generic mode (Generic.h).
  bool attention = false;
  for (const cl::Option *o : std::initializer_list<const cl::Option *>{
           &batch, &heads, &seqlen, &headDim, &kvHeads, &seqlenK, &causal,
           &dtypeName, &blockM, &blockN, &checkRows})
    attention |= o->getNumOccurrences() > 0;
  attention |= fa_run::backwardRequested();
  if (attention && fa_run::genericOptionsGiven())
    return fail("-D, --size, --arg, --fill, --compare, --reference, "
                "--reference-data and --save-reference are generic mode's; "
                "attention mode (--batch, --heads, --seqlen, --headdim, ...) "
                "binds flash_fwd's arguments itself");
  if (!attention) {
    if (numWarps.getNumOccurrences() && (numWarps < 1 || numWarps > 32))
      return fail("--num-warps must be between 1 and 32");
    if (numStages < 1 || numStages > 8)
      return fail("--num-stages must be between 1 and 8");
    if (jitOpt > 3)
      return fail("--jit-opt must be 0, 1, 2 or 3");
    fa_run::GenericConfig config;
    config.file = inputFile;
    config.target = target;
    SmallVector<StringRef> names;
    StringRef(kernelName).split(names, ',', -1, false);
    for (StringRef n : names)
      config.kernels.push_back(n.trim().str());
    config.seed = seed;
    config.seedGiven = seed.getNumOccurrences() > 0;
    config.check = doCheck;
    config.timeIters = timeIters;
    config.tileOpt = tileOpt;
    config.jitOpt = jitOpt;
    config.numWarps = numWarps;
    config.numStages = numStages;
    if (!fa_run::readGenericOptions(config))
      return 1;
    return fa_run::runGeneric(config);
  }
  if (kernelName.empty())
    kernelName = "flash_fwd";
  for (const cl::Option *o : std::initializer_list<const cl::Option *>{
           &batch, &heads, &seqlen, &headDim})
    if (!o->getNumOccurrences())
      return fail("--" + o->ArgStr +
                  " is required in attention mode (--batch, --heads, "
                  "--seqlen and --headdim)");
  if (numWarps.getNumOccurrences() && (numWarps < 1 || numWarps > 32))
    return fail("--num-warps must be between 1 and 32");
  if (numStages < 1 || numStages > 8)
    return fail("--num-stages must be between 1 and 8");
  std::optional<DType> dtype = StringSwitch<std::optional<DType>>(dtypeName)
                                   .Case("bf16", DType::BF16)
                                   .Cases({"f16", "fp16"}, DType::F16)
                                   .Case("f32", DType::F32)
                                   .Default(std::nullopt);
  if (!dtype)
    return fail("--dtype " + dtypeName + ": expected bf16, f16 or f32");
  if (checkRows.getNumOccurrences() && checkRows < 1)
    return fail("--check-rows must be >= 1");
  if (batch < 1 || heads < 1 || seqlen < 1 || headDim < 1)
    return fail("--batch, --heads, --seqlen and --headdim must be >= 1");
  int64_t hkv = kvHeads == 0 ? heads : kvHeads;
  int64_t nk = seqlenK.getNumOccurrences() ? seqlenK : seqlen;
  if (kvHeads.getNumOccurrences() && kvHeads < 1)
    return fail("--kv-heads must be >= 1");
  // NK = 0 is allowed: every query then sees no key (o = 0, lse = -inf).
  if (seqlenK.getNumOccurrences() && seqlenK < 0)
    return fail("--seqlen-k must be >= 0");
  if (heads % hkv != 0)
    return fail("--heads " + Twine(heads) +
                " is not a multiple of --kv-heads " + Twine(hkv));
  if (jitOpt > 3)
    return fail("--jit-opt must be 0, 1, 2 or 3");
  if ((blockM.getNumOccurrences() && blockM < 1) ||
      (blockN.getNumOccurrences() && blockN < 1))
    return fail("--block-m and --block-n must be >= 1");
  // Sizes the host can hold: counted in double so that huge arguments
  // cannot overflow. Each q/o element is stored once in the kernel's type and
  // about three times as a double (inputs, references); k/v elements also
  // get an f32 copy for the plain reference.
  double qElems = double(batch) * heads * seqlen * headDim;
  double kvElems = double(batch) * hkv * nk * headDim;
  if (qElems >= double(int64_t(1) << 31) || kvElems >= double(int64_t(1) << 31))
    return fail("the problem is too large for the host (2^31 elements per "
                "tensor at most)");
  double needBytes = qElems * 2 * (4 + 3 * 8) + kvElems * 2 * (4 + 8 + 4);
  double haveBytes =
      double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
  if (haveBytes > 0 && needBytes > haveBytes / 2)
    return fail(formatv("the problem needs about {0:F1} GiB of memory, more "
                        "than half of this machine's {1:F1} GiB",
                        needBytes / (1 << 30), haveBytes / (1 << 30))
                    .str());

  // The backward's check lives in Backward.cpp (host, and compiling for the
  // GPU) and BackwardGpu.cpp (running sidecars on the GPU).
  if (fa_run::backwardRequested()) {
    if (timeIters)
      return fail("--time is for the forward; the backward reports the time "
                  "of its first run");
    fa_run::BackwardConfig config{
        inputFile, batch,   heads,     hkv,    seqlen,   nk,
        headDim,   causal,  dtypeName, seed,   blockM,   blockN,
        doCheck,   tileOpt, jitOpt,    target, numWarps, numStages};
    if (sys::path::extension(inputFile) == ".json")
      return fa_run::runBackwardOnGpu(config, inputFile,
                                      fa_run::backwardForwardFile());
#ifdef FA_RUN_GPU_ONLY
    return fail("this fa-run was built without MLIR: give the backward "
                "kernels' sidecar (.json), not '" +
                inputFile + "'");
#else
    if (!onGpu)
      return fa_run::runBackward(config);
    std::string bwdSidecar, fwdSidecar, tmpDir;
    int rc =
        fa_run::compileBackwardForGpu(config, bwdSidecar, fwdSidecar, tmpDir);
    if (!rc)
      rc = fa_run::runBackwardOnGpu(config, bwdSidecar, fwdSidecar);
    if (!tmpDir.empty())
      sys::fs::remove_directories(tmpDir);
    return rc;
#endif
  }
  if (fa_run::backwardForwardFile().size() || fa_run::backwardDeterministic() ||
      fa_run::backwardRepeat() != 1)
    return fail("--forward, --deterministic and --repeat are options of "
                "--backward");

  Problem p{batch, heads,   hkv,    seqlen,
            nk,    headDim, causal, 1.0 / std::sqrt(double(headDim))};
  const char *typeName = *dtype == DType::BF16  ? "bf16"
                         : *dtype == DType::F16 ? "f16"
                                                : "f32";

  Defines defines;
  defines.values["HEAD_DIM"] = std::to_string(headDim);
  defines.values["CAUSAL"] = causal ? "true" : "false";
  defines.values["T"] = typeName;
  if (blockM.getNumOccurrences())
    defines.values["BLOCK_M"] = std::to_string(blockM);
  if (blockN.getNumOccurrences())
    defines.values["BLOCK_N"] = std::to_string(blockN);

  // Inputs, in the kernel's element type.
  Tensor q(*dtype, {p.B, p.H, p.N, p.D}), k(*dtype, {p.B, p.HKV, p.NK, p.D}),
      v(*dtype, {p.B, p.HKV, p.NK, p.D}), o(*dtype, {p.B, p.H, p.N, p.D});
  std::vector<float> lse(p.B * p.H * p.N,
                         std::numeric_limits<float>::quiet_NaN());
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (Tensor *t : {&q, &k, &v})
    for (size_t i = 0; i < t->size(); ++i)
      t->set(i, normal(rng));

  auto secs = [](auto a, auto b) {
    return std::chrono::duration<double>(b - a).count();
  };
  double compileSecs = 0, runSecs = 0;
  std::optional<double> medianMs;
#ifdef FA_RUN_GPU_ONLY
  int rc = runOnGpu(p, defines, typeName, q, k, v, o, lse, compileSecs, runSecs,
                    medianMs);
#else
  int rc = onGpu ? runOnGpu(p, defines, typeName, q, k, v, o, lse, compileSecs,
                            runSecs, medianMs)
                 : runOnHost(p, defines, *dtype, q, k, v, o, lse, compileSecs,
                             runSecs);
#endif
  if (rc)
    return rc;
  outs() << "fa-run: " << kernelName << " on " << target << ": B=" << p.B
         << " H=" << p.H << " HKV=" << p.HKV << " N=" << p.N << " NK=" << p.NK
         << " D=" << p.D << " causal=" << (p.causal ? "true" : "false")
         << " dtype=" << dtypeName << " seed=" << seed << "\n";
  outs() << format("time: compile %.3f s, run %.3f s\n", compileSecs, runSecs);
  if (medianMs) {
    double flops = 4.0 * p.B * p.H * double(p.N) * double(p.NK) * p.D;
    if (p.causal) // keys a row sees, on average, over all rows
      flops *= double(std::min(p.N, p.NK)) / (2.0 * p.N);
    outs() << format("kernel time: median of %u launches %.4f ms, %.1f "
                     "TFLOP/s\n",
                     unsigned(timeIters), *medianMs,
                     flops / (*medianMs * 1e-3) / 1e12);
  }
  if (!doCheck) {
    outs() << "no check (pass --check to compare with an fp64 reference)\n";
    return 0;
  }

  // Check: every row when the fp64 reference is cheap, else a sample of
  // rows spread evenly over batch, heads and positions.
  auto t4 = std::chrono::steady_clock::now();
  int64_t totalRows = p.B * p.H * p.N;
  int64_t wantRows = checkRows;
  if (wantRows < 0)
    wantRows = double(totalRows) * p.NK * p.D <= 4e9 ? totalRows : 4096;
  wantRows = std::min(std::max<int64_t>(wantRows, 1), totalRows);
  std::vector<char> rows(totalRows, 0);
  for (int64_t r = 0; r < wantRows; ++r)
    rows[(r * totalRows) / wantRows] = 1;
  std::vector<double> refO, refL, plainO, plainL, gotO(o.size()),
      gotL(lse.size());
  referenceFP64(p, q, k, v, rows, refO, refL);
  referencePlain(p, *dtype, q, k, v, rows, plainO, plainL);
  for (size_t i = 0; i < o.size(); ++i)
    gotO[i] = o.get(i);
  for (size_t i = 0; i < lse.size(); ++i)
    gotL[i] = lse[i];
  double errO = maxAbsError(gotO, refO, rows, p.D),
         errL = maxAbsError(gotL, refL, rows, 1);
  double plainErrO = maxAbsError(plainO, refO, rows, p.D),
         plainErrL = maxAbsError(plainL, refL, rows, 1);
  // Tolerance: twice the error of the plain same-precision attention, plus
  // one unit of roundoff of the input type as absolute slack (for cases
  // where the plain error happens to be 0, e.g. NK = 1).
  double eps = unitRoundoff(*dtype);
  double tolO = 2 * plainErrO + eps, tolL = 2 * plainErrL + eps;
  bool okO = errO <= tolO, okL = errL <= tolL; // false for NaN
  if (wantRows < totalRows)
    outs() << "checked " << wantRows << " of " << totalRows
           << " query rows (--check-rows)\n";
  outs() << format("max abs error of o:   kernel %.3e  plain %s %.3e  "
                   "tolerance %.3e  %s\n",
                   errO, dtypeName.c_str(), plainErrO, tolO,
                   okO ? "ok" : "TOO LARGE");
  outs() << format("max abs error of lse: kernel %.3e  plain %s %.3e  "
                   "tolerance %.3e  %s\n",
                   errL, dtypeName.c_str(), plainErrL, tolL,
                   okL ? "ok" : "TOO LARGE");
  outs() << "tolerance rule: kernel error <= 2 x plain error + unit "
            "roundoff of "
         << dtypeName << format(" (%.3e)\n", eps);
  outs() << format("time: references and check %.3f s\n",
                   secs(t4, std::chrono::steady_clock::now()));
  outs() << (okO && okL ? "PASS" : "FAIL") << "\n";
  return okO && okL ? 0 : 1;
}
