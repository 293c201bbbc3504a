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
#include "Generic.h"
#include "GradientCheck.h"

#include "fa/Conversion/TileToHost/Passes.h"
#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Frontend/Frontend.h"
#include "fa/Runtime/HostRunner.h"
#include "fa/Target/Backend.h"
#include "fa/Target/Compile.h"
#include "fa/Transforms/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
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

int fail(const Twine &msg) {
  errs() << "fa-run: error: " << msg << "\n";
  return 1;
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
  if (tileOpt || padPow2Requested()) {
    mlir::PassManager pm(&ctx);
    if (tileOpt)
      fa::buildTileOptimizationPipeline(pm);
    if (padPow2Requested())
      pm.addPass(fa::createTilePadPow2());
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

/// The -D values of the forward and the backward for `c`; returns the
/// forward's file (--forward, or flash_fwd.tile next to the backward file).
std::string specialize(const BackwardConfig &c,
                       llvm::StringMap<std::string> &fwdDefines,
                       llvm::StringMap<std::string> &bwdDefines) {
  DType dtype = DType::F32;
  parseDType(c.dtype, dtype);
  fwdDefines["HEAD_DIM"] = bwdDefines["HEAD_DIM"] = std::to_string(c.D);
  fwdDefines["CAUSAL"] = bwdDefines["CAUSAL"] = c.causal ? "true" : "false";
  fwdDefines["T"] = bwdDefines["T"] = dtypeTileName(dtype);
  if (c.blockM)
    bwdDefines["BLOCK_M"] = std::to_string(c.blockM);
  if (c.blockN)
    bwdDefines["BLOCK_N"] = std::to_string(c.blockN);
  if (backwardDeterministic()) {
    bwdDefines["DETERMINISTIC"] = "true";
    // flash_bwd_dq has its own tile shape (DQ_BLOCK_M x DQ_BLOCK_N); the
    // block options set it too, so that they shape every kernel that runs.
    if (c.blockM)
      bwdDefines["DQ_BLOCK_M"] = std::to_string(c.blockM);
    if (c.blockN)
      bwdDefines["DQ_BLOCK_N"] = std::to_string(c.blockN);
  }
  std::string fwdFile = backwardForwardFile();
  if (fwdFile.empty()) {
    SmallString<128> path(sys::path::parent_path(c.backwardFile));
    sys::path::append(path, "flash_fwd.tile");
    fwdFile = std::string(path);
  }
  return fwdFile;
}

} // namespace

int compileBackwardForGpu(const BackwardConfig &c, std::string &bwdSidecar,
                          std::string &fwdSidecar, std::string &tmpDir) {
  llvm::StringMap<std::string> fwdDefines, bwdDefines;
  std::string fwdFile = specialize(c, fwdDefines, bwdDefines);
  mlir::DialectRegistry registry;
  fa::registerTileToHostDialects(registry);
  mlir::MLIRContext ctx(registry);
  SmallString<128> dir;
  if (std::error_code ec = sys::fs::createUniqueDirectory("fa-run", dir))
    return fail("cannot create a temporary folder: " + ec.message());
  tmpDir = std::string(dir);
  const fa::Backend *backend = fa::lookupBackend(c.target);
  if (!backend)
    return fail("--target " + c.target + " is not a registered GPU target");
  struct Item {
    const std::string &file;
    const llvm::StringMap<std::string> &defines;
    const char *stem;
    std::string &sidecar;
  } items[] = {{c.backwardFile, bwdDefines, "flash_bwd", bwdSidecar},
               {fwdFile, fwdDefines, "flash_fwd", fwdSidecar}};
  for (Item &it : items) {
    // The tile optimizations run inside compileKernel.
    auto module = loadModule(ctx, it.file, it.defines, /*tileOpt=*/false);
    if (!module)
      return 1;
    SmallString<128> binary(dir);
    sys::path::append(binary, std::string(it.stem) + "." +
                                  backend->getBinaryExtension());
    fa::CompileOptions options;
    options.target = c.target;
    options.numWarps = c.numWarps;
    options.numStages = c.numStages;
    options.tileOptimize = c.tileOpt;
    if (failed(fa::compileKernel(*module, options, binary)))
      return fail("compiling '" + it.file + "' for " + c.target + " failed");
    sys::path::replace_extension(binary, "json");
    it.sidecar = std::string(binary);
  }
  return 0;
}

int runBackward(const BackwardConfig &c) {
  unsigned repeat = backwardRepeat();
  if (repeat < 1)
    return fail("--repeat must be >= 1");
  DType dtype;
  if (!parseDType(c.dtype, dtype))
    return fail("--dtype " + c.dtype + ": expected bf16, f16 or f32");
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
  fillNormal(c.seed, {&q, &k, &v, &dO});

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
  std::string fwdFile = specialize(c, fwdDefines, bwdDefines);
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
  return finishBackward(p, dtype, c.dtype, c.check, repeat, identical, q, k, v,
                        dO, dq, dk, dv);
}

} // namespace fa_run
