//===- AMDBackend.cpp - the AMD back end: ROCDL, AMDGPU, hsaco ------------===//
//
// tilegpu -> LLVM dialect with ROCDL ops -> AMDGPU assembly (LLVM's AMDGPU
// backend, in process; code object v5) -> hsaco (AMDHsaco.cpp: LLVM's MC
// assembler in process, then `ld.lld -shared`). Registers gfx90a, gfx942.
//
//===----------------------------------------------------------------------===//

#include "fa/Target/AMD/AMDTarget.h"

#include "fa/Conversion/Passes.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/ROCDLDialect.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/ROCDL/ROCDLToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Triple.h"

extern "C" void LLVMInitializeAMDGPUTargetInfo();
extern "C" void LLVMInitializeAMDGPUTarget();
extern "C" void LLVMInitializeAMDGPUTargetMC();
extern "C" void LLVMInitializeAMDGPUAsmPrinter();
extern "C" void LLVMInitializeAMDGPUAsmParser();

using namespace mlir;
using namespace fa;
namespace json = llvm::json;

ArrayRef<StringRef> amd::getChips() {
  static const StringRef chips[] = {"gfx90a", "gfx942"};
  return chips;
}

//===----------------------------------------------------------------------===//
// Pipeline
//===----------------------------------------------------------------------===//

void amd::buildTileGPUToROCDLPipeline(OpPassManager &pm,
                                      const GPUOptions &options) {
  ConvertTileGPUToLLVMAMDOptions convert;
  convert.target = options.target;
  pm.addPass(createConvertTileGPUToLLVMAMD(convert));
  pm.addPass(createSCFToControlFlowPass());
  // sqrt, abs, rsqrt, fma left by the lowering become LLVM intrinsics, which
  // the AMDGPU backend selects without the device library.
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

//===----------------------------------------------------------------------===//
// AMDGPU assembly
//===----------------------------------------------------------------------===//

static void initAMDGPU() {
  static bool initialized = [] {
    LLVMInitializeAMDGPUTargetInfo();
    LLVMInitializeAMDGPUTarget();
    LLVMInitializeAMDGPUTargetMC();
    LLVMInitializeAMDGPUAsmPrinter();
    LLVMInitializeAMDGPUAsmParser();
    return true;
  }();
  (void)initialized;
}

LogicalResult amd::translateToAMDGCN(ModuleOp module, const GPUOptions &options,
                                     std::string &assembly) {
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerROCDLDialectTranslation(registry);
  module.getContext()->appendDialectRegistry(registry);

  llvm::LLVMContext llvmCtx;
  std::unique_ptr<llvm::Module> mod = translateModuleToLLVMIR(module, llvmCtx);
  if (!mod)
    return module.emitError("translation to LLVM IR failed");
  // Code object v5: loaded by more ROCm releases than LLVM's default v6.
  mod->addModuleFlag(llvm::Module::Error, "amdhsa_code_object_version", 500);

  initAMDGPU();
  llvm::Triple triple("amdgcn-amd-amdhsa");
  std::string error;
  const llvm::Target *t = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!t)
    return module.emitError("AMDGPU backend unavailable: ") << error;
  std::unique_ptr<llvm::TargetMachine> tm(t->createTargetMachine(
      triple, options.target, "", llvm::TargetOptions(), std::nullopt,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!tm)
    return module.emitError("cannot create an AMDGPU target machine for ")
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
      return module.emitError("AMDGPU backend cannot emit assembly");
    pm.run(*mod);
  }
  assembly = buffer.str().str();
  return success();
}

//===----------------------------------------------------------------------===//
// The back end
//===----------------------------------------------------------------------===//

namespace {
class AMDBackend : public Backend {
public:
  StringRef getVendor() const override { return "AMD"; }
  SmallVector<StringRef> getTargets() const override {
    return SmallVector<StringRef>(amd::getChips());
  }
  void loadDialects(MLIRContext &ctx) const override {
    ctx.loadDialect<LLVM::LLVMDialect, ROCDL::ROCDLDialect>();
  }
  void buildLLVMPipeline(OpPassManager &pm,
                         const GPUOptions &options) const override {
    amd::buildTileGPUToROCDLPipeline(pm, options);
  }
  LogicalResult translateToAssembly(ModuleOp module, const GPUOptions &options,
                                    std::string &assembly) const override {
    return amd::translateToAMDGCN(module, options, assembly);
  }
  FailureOr<BinaryReport> assemble(StringRef assemblyPath, StringRef binaryPath,
                                   const GPUOptions &options,
                                   AssemblerError &error) const override {
    return amd::assembleHsaco(assemblyPath, binaryPath, options, error);
  }
  StringRef getAssemblyExtension() const override { return "s"; }
  StringRef getBinaryExtension() const override { return "hsaco"; }

  /// `hsaco` names the code object; each kernel carries the figures of the
  /// code object's metadata (`amdgpu`), with `lds_static` telling the
  /// launcher that the LDS is allocated statically (no dynamic LDS).
  void describeBinary(json::Object &sidecar, StringRef binaryFileName,
                      const BinaryReport &report) const override {
    sidecar["hsaco"] = binaryFileName.str();
    if (json::Array *kernels = sidecar.getArray("kernels"))
      for (json::Value &k : *kernels) {
        json::Object &obj = *k.getAsObject();
        obj["lds_static"] = true;
        auto it = report.kernels.find(obj.getString("entry").value_or(""));
        if (it == report.kernels.end())
          continue;
        const KernelResources &r = it->second;
        json::Object meta;
        for (const auto &[key, value] : r.details)
          meta[key] = value;
        obj["amdgpu"] = std::move(meta);
      }
    json::Array warnings;
    for (const std::string &w : report.warnings)
      warnings.push_back(w);
    sidecar["amdgpu_warnings"] = std::move(warnings);
  }
};
} // namespace

void fa::registerAMDBackend() {
  static bool registered = [] {
    registerBackend(std::make_unique<AMDBackend>());
    return true;
  }();
  (void)registered;
}
