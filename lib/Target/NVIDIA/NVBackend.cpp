//===- NVBackend.cpp - the NVIDIA back end: NVVM, PTX, cubin --------------===//
//
// tilegpu -> LLVM dialect with NVVM ops -> PTX (LLVM's NVPTX backend, in
// process) -> cubin (ptxas, NVPtxas.cpp). Registers sm_80 and sm_90a.
//
//===----------------------------------------------------------------------===//

#include "fa/Target/NVIDIA/NVBackend.h"

#include "fa/Conversion/Passes.h"
#include "fa/Dialect/TileNV/Transforms/Passes.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Triple.h"

extern "C" void LLVMInitializeNVPTXTargetInfo();
extern "C" void LLVMInitializeNVPTXTarget();
extern "C" void LLVMInitializeNVPTXTargetMC();
extern "C" void LLVMInitializeNVPTXAsmPrinter();

using namespace mlir;
using namespace fa;
namespace json = llvm::json;

//===----------------------------------------------------------------------===//
// Pipeline
//===----------------------------------------------------------------------===//

void fa::buildTileGPUToNVVMPipeline(OpPassManager &pm,
                                    const GPUOptions &options) {
  ConvertTileGPUToLLVMNVIDIAOptions convert;
  convert.target = options.target;
  pm.addPass(createConvertTileGPUToLLVMNVIDIA(convert));
  pm.addPass(createSCFToControlFlowPass());
  // sqrt, abs, rsqrt, fma left by the lowering become LLVM intrinsics.
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertNVVMToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

//===----------------------------------------------------------------------===//
// PTX
//===----------------------------------------------------------------------===//

LogicalResult fa::translateToPTX(ModuleOp module, const GPUOptions &options,
                                 std::string &ptx) {
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  module.getContext()->appendDialectRegistry(registry);

  llvm::LLVMContext llvmCtx;
  std::unique_ptr<llvm::Module> mod = translateModuleToLLVMIR(module, llvmCtx);
  if (!mod)
    return module.emitError("translation to LLVM IR failed");

  static bool initialized = [] {
    LLVMInitializeNVPTXTargetInfo();
    LLVMInitializeNVPTXTarget();
    LLVMInitializeNVPTXTargetMC();
    LLVMInitializeNVPTXAsmPrinter();
    return true;
  }();
  (void)initialized;
  llvm::Triple triple("nvptx64-nvidia-cuda");
  std::string error;
  const llvm::Target *t = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!t)
    return module.emitError("NVPTX backend unavailable: ") << error;
  std::unique_ptr<llvm::TargetMachine> tm(t->createTargetMachine(
      // PTX 8.1 on sm_90a: vector reductions (red.global.add.v4.f32).
      triple, options.target, options.target == "sm_90a" ? "+ptx81" : "+ptx80",
      llvm::TargetOptions(), std::nullopt, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!tm)
    return module.emitError("cannot create an NVPTX target machine for ")
           << options.target;
  mod->setTargetTriple(triple);
  mod->setDataLayout(tm->createDataLayout());

  {
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PassBuilder pb(tm.get());
    pb.registerModuleAnalyses(mam);
    pb.registerCGSCCAnalyses(cgam);
    pb.registerFunctionAnalyses(fam);
    pb.registerLoopAnalyses(lam);
    pb.crossRegisterProxies(lam, fam, cgam, mam);
    llvm::ModulePassManager mpm =
        pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
    mpm.run(*mod, mam);
  }

  llvm::SmallString<0> buffer;
  {
    llvm::raw_svector_ostream os(buffer);
    llvm::legacy::PassManager pm;
    if (tm->addPassesToEmitFile(pm, os, nullptr,
                                llvm::CodeGenFileType::AssemblyFile))
      return module.emitError("NVPTX backend cannot emit assembly");
    pm.run(*mod);
  }
  ptx = buffer.str().str();
  return success();
}

//===----------------------------------------------------------------------===//
// The back end
//===----------------------------------------------------------------------===//

namespace {
class NVBackend : public Backend {
public:
  StringRef getVendor() const override { return "NVIDIA"; }
  SmallVector<StringRef> getTargets() const override {
    return {"sm_80", "sm_90a"};
  }
  void loadDialects(MLIRContext &ctx) const override {
    ctx.loadDialect<LLVM::LLVMDialect, NVVM::NVVMDialect>();
  }
  /// Warp specialization and pingpong are NVIDIA's (lib/Dialect/TileNV/
  /// Transforms); on a kernel or target they do not fit (no TMA copies:
  /// sm_80, --copy-engine=CpAsync) the passes leave it alone with a remark.
  LogicalResult checkOptions(const GPUOptions &, std::string &) const override {
    return success();
  }
  void buildSchedulingPipeline(OpPassManager &pm,
                               const GPUOptions &options) const override {
    // After allocation: both roles' clones of a buffer keep its offset.
    if (options.warpSpecialize || options.pingpong)
      pm.addPass(tilenv::createTileNVWarpSpecialize());
    // Named barriers between the consumer warpgroups of the split kernel.
    if (options.pingpong)
      pm.addPass(tilenv::createTileNVPingpong());
  }
  void buildLLVMPipeline(OpPassManager &pm,
                         const GPUOptions &options) const override {
    buildTileGPUToNVVMPipeline(pm, options);
  }
  LogicalResult translateToAssembly(ModuleOp module, const GPUOptions &options,
                                    std::string &assembly) const override {
    return translateToPTX(module, options, assembly);
  }
  FailureOr<BinaryReport> assemble(StringRef assemblyPath, StringRef binaryPath,
                                   const GPUOptions &options,
                                   AssemblerError &error) const override {
    return runPtxas(assemblyPath, binaryPath, options, error);
  }
  /// On sm_90a 192 accumulators a thread (flash forward at head dim 128 with
  /// 128x64 tiles on 4 warps) assemble without spills since ldmatrix takes
  /// 32-bit shared addresses; ptxas for sm_80 still spills there, so sm_80
  /// keeps the generic budget (8 warps).
  unsigned getAccumulatorRegisterBudget(StringRef target) const override {
    return target == "sm_90a" ? 192
                              : Backend::getAccumulatorRegisterBudget(target);
  }
  StringRef getAssemblyExtension() const override { return "ptx"; }
  StringRef getBinaryExtension() const override { return "cubin"; }

  /// The sidecar format `flashtile-kernel-1`: `cubin` names the binary, each
  /// kernel carries its `ptxas` figures, the file the ptxas warnings.
  void describeBinary(json::Object &sidecar, StringRef binaryFileName,
                      const BinaryReport &report) const override {
    sidecar["cubin"] = binaryFileName.str();
    if (json::Array *kernels = sidecar.getArray("kernels"))
      for (json::Value &k : *kernels) {
        json::Object &obj = *k.getAsObject();
        auto it = report.kernels.find(obj.getString("entry").value_or(""));
        if (it == report.kernels.end())
          continue;
        const KernelResources &r = it->second;
        json::Array perf;
        for (const std::string &w : r.performanceWarnings)
          perf.push_back(w);
        obj["ptxas"] =
            json::Object{{"registers", r.registers},
                         {"spill_stores", r.spillStores},
                         {"spill_loads", r.spillLoads},
                         {"stack_bytes", r.stackBytes},
                         {"static_shared_bytes", r.staticSharedBytes},
                         {"warnings", std::move(perf)}};
      }
    json::Array warnings;
    for (const std::string &w : report.warnings)
      warnings.push_back(w);
    sidecar["ptxas_warnings"] = std::move(warnings);
  }
};
} // namespace

void fa::registerNVIDIABackend() {
  static bool registered = [] {
    registerBackend(std::make_unique<NVBackend>());
    return true;
  }();
  (void)registered;
}
