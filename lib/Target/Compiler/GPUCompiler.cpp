//===- GPUCompiler.cpp - tile IR to PTX, cubin and sidecar ----------------===//

#include "fa/Target/GPUCompiler.h"

#include "fa/Conversion/Passes.h"
#include "fa/Conversion/TileGPUToLLVM.h"
#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Dialect/TileGPU/Transforms/Passes.h"
#include "fa/Target/TargetInfo.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
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
// Pipelines
//===----------------------------------------------------------------------===//

void fa::buildTileToTileGPUPipeline(OpPassManager &pm,
                                    const GPUOptions &options) {
  tilegpu::TileGPUCheckRegisterBudgetOptions budget;
  budget.numWarps = options.numWarps;
  pm.addPass(tilegpu::createTileGPUCheckRegisterBudget(budget));
  pm.addPass(tilegpu::createTileGPUFoldDotAccumulate());
  tilegpu::TileGPUAssignLayoutsOptions assign;
  assign.numWarps = options.numWarps;
  assign.target = options.target;
  pm.addPass(tilegpu::createTileGPUAssignLayouts(assign));
  pm.addPass(tilegpu::createTileGPURemoveLayoutConversions());
  pm.addPass(createCSEPass());
  // Conversions of loop-invariant tiles (Q) leave the loop before they
  // become shared-memory traffic.
  pm.addPass(createLoopInvariantCodeMotionPass());
  // Conversions hoisted out of sibling loops (the masked and unmasked loops
  // of tile-causal-split) become one shared-memory copy, not one per loop.
  pm.addPass(createCSEPass());
  pm.addPass(tilegpu::createTileGPUDecomposeConversions());
  tilegpu::TileGPUPipelineScheduleOptions schedule;
  schedule.numStages = options.numStages;
  pm.addPass(tilegpu::createTileGPUPipelineSchedule(schedule));
  pm.addPass(tilegpu::createTileGPUPipelineExpand());
  pm.addPass(tilegpu::createTileGPUAllocateSharedMemory());
}

void fa::buildTileGPUToLLVMPipeline(OpPassManager &pm,
                                    const GPUOptions &options) {
  ConvertTileGPUToLLVMOptions convert;
  convert.target = options.target;
  pm.addPass(createConvertTileGPUToLLVM(convert));
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

namespace {
struct PipelineOptions : public PassPipelineOptions<PipelineOptions> {
  Option<std::string> target{*this, "target",
                             llvm::cl::desc("GPU target (sm_80, sm_90a)"),
                             llvm::cl::init("sm_90a")};
  Option<unsigned> numWarps{*this, "num-warps", llvm::cl::desc("warps per CTA"),
                            llvm::cl::init(4)};
  Option<unsigned> numStages{*this, "num-stages",
                             llvm::cl::desc("software pipelining depth"),
                             llvm::cl::init(2)};
  GPUOptions get() const {
    GPUOptions o;
    o.target = target;
    o.numWarps = numWarps;
    o.numStages = numStages;
    return o;
  }
};
} // namespace

void fa::registerGPUPipelines() {
  PassPipelineRegistration<PipelineOptions>(
      "fa-tile-to-tilegpu", "tile -> tilegpu (layouts, shared memory)",
      [](OpPassManager &pm, const PipelineOptions &o) {
        buildTileToTileGPUPipeline(pm, o.get());
      });
  PassPipelineRegistration<PipelineOptions>(
      "fa-tile-to-llvm-gpu", "tile -> tilegpu -> LLVM dialect + NVVM",
      [](OpPassManager &pm, const PipelineOptions &o) {
        buildTileToTileGPUPipeline(pm, o.get());
        buildTileGPUToLLVMPipeline(pm, o.get());
      });
}

//===----------------------------------------------------------------------===//
// Kernel description (sidecar)
//===----------------------------------------------------------------------===//

static std::string typeName(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  t.print(os);
  return s;
}

/// The grid rule as an expression tree over kernel arguments.
static FailureOr<json::Value> gridExpr(Value v, tile::KernelOp kernel,
                                       std::string &text) {
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    text = "arg(" + std::to_string(arg.getArgNumber()) + ")";
    return json::Value(json::Object{{"arg", int64_t(arg.getArgNumber())}});
  }
  Operation *op = v.getDefiningOp();
  if (auto c = dyn_cast<arith::ConstantOp>(op))
    if (auto i = dyn_cast<IntegerAttr>(c.getValue())) {
      text = std::to_string(i.getInt());
      return json::Value(i.getInt());
    }
  if (auto dim = dyn_cast<memref::DimOp>(op)) {
    auto arg = dyn_cast<BlockArgument>(dim.getSource());
    auto d = dim.getConstantIndex();
    if (arg && d) {
      std::string name = "arg" + std::to_string(arg.getArgNumber());
      if (auto n = getKernelArgAttr<StringAttr>(kernel, arg.getArgNumber(),
                                                "tile.name"))
        name = n.str();
      text = "size(" + name + ", " + std::to_string(*d) + ")";
      return json::Value(
          json::Object{{"size", json::Array{int64_t(arg.getArgNumber()), *d}}});
    }
  }
  if (isa<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtSIOp,
          arith::ExtUIOp, arith::TruncIOp>(op))
    return gridExpr(op->getOperand(0), kernel, text);
  StringRef name;
  if (isa<arith::AddIOp>(op))
    name = "add";
  else if (isa<arith::SubIOp>(op))
    name = "sub";
  else if (isa<arith::MulIOp>(op))
    name = "mul";
  else if (isa<arith::DivUIOp, arith::DivSIOp>(op))
    name = "div";
  else if (isa<arith::CeilDivUIOp, arith::CeilDivSIOp>(op))
    name = "cdiv";
  else if (isa<arith::MinUIOp, arith::MinSIOp>(op))
    name = "min";
  else if (isa<arith::MaxUIOp, arith::MaxSIOp>(op))
    name = "max";
  else if (isa<arith::RemUIOp, arith::RemSIOp>(op))
    name = "rem";
  if (name.empty() || op->getNumOperands() != 2) {
    op->emitError("grid rule op cannot be described in the kernel sidecar");
    return failure();
  }
  std::string lt, rt;
  auto l = gridExpr(op->getOperand(0), kernel, lt);
  if (failed(l))
    return failure();
  auto r = gridExpr(op->getOperand(1), kernel, rt);
  if (failed(r))
    return failure();
  text = (name + "(" + lt + ", " + rt + ")").str();
  return json::Value(json::Object{{"op", name}, {"args", json::Array{*l, *r}}});
}

FailureOr<json::Array> fa::describeKernels(ModuleOp module,
                                           const GPUOptions &options) {
  json::Array kernels;
  for (auto kernel : module.getOps<tile::KernelOp>()) {
    json::Object k;
    k["entry"] = kernel.getSymName().str();
    k["target"] = options.target;
    unsigned numWarps = options.numWarps;
    if (auto nw = kernel->getAttrOfType<IntegerAttr>("tilegpu.num_warps"))
      numWarps = nw.getInt();
    k["threads"] = json::Array{int64_t(numWarps) * 32, 1, 1};
    int64_t smem = 0;
    if (auto s = kernel->getAttrOfType<IntegerAttr>("tilegpu.shared_bytes"))
      smem = s.getInt();
    k["shared_bytes"] = smem;
    json::Array params;
    for (auto [i, t] : llvm::enumerate(kernel.getArgumentTypes())) {
      json::Object p;
      std::string name = "arg" + std::to_string(i);
      if (auto n = getKernelArgAttr<StringAttr>(kernel, i, "tile.name"))
        name = n.str();
      p["name"] = name;
      if (auto m = dyn_cast<MemRefType>(t)) {
        p["kind"] = "tensor";
        p["dtype"] = typeName(m.getElementType());
        p["rank"] = m.getRank();
        json::Array dims;
        if (auto d = getKernelArgAttr<ArrayAttr>(kernel, i, "tile.dims")) {
          for (Attribute a : d) {
            if (auto s = dyn_cast<StringAttr>(a))
              dims.push_back(s.str());
            else if (auto n = dyn_cast<IntegerAttr>(a))
              dims.push_back(n.getInt());
          }
        } else {
          for (int64_t s : m.getShape())
            dims.push_back(ShapedType::isDynamic(s) ? json::Value(nullptr)
                                                    : json::Value(s));
        }
        // Rows of compile-time width are accessed with 16-byte vectors, which
        // assumes a 16-byte aligned base and outer strides (Triton-style
        // specialization); the launcher refuses other layouts.
        bool vectorized = !dims.empty() && dims.back().getAsInteger();
        p["dims"] = std::move(dims);
        p["align_bytes"] =
            vectorized ? 16 : int64_t(m.getElementTypeBitWidth() / 8);
      } else {
        p["kind"] = "scalar";
        p["dtype"] = typeName(t);
      }
      params.push_back(std::move(p));
    }
    k["params"] = std::move(params);
    // Compile-time parameters the kernel was specialized with.
    json::Object spec;
    if (auto dict = kernel.getParamsAttr())
      for (NamedAttribute p : dict) {
        Attribute a = p.getValue();
        if (auto b = dyn_cast<BoolAttr>(a))
          spec[p.getName().str()] = b.getValue();
        else if (auto i = dyn_cast<IntegerAttr>(a))
          spec[p.getName().str()] = i.getInt();
        else if (auto t = dyn_cast<TypeAttr>(a))
          spec[p.getName().str()] = typeName(t.getValue());
      }
    k["specialization"] = std::move(spec);
    json::Array abi;
    for (const KernelABIParam &p : getKernelABI(kernel)) {
      json::Object a;
      a["param"] = int64_t(p.arg);
      switch (p.kind) {
      case KernelABIParam::Pointer:
        a["kind"] = "ptr";
        break;
      case KernelABIParam::Size:
        a["kind"] = "size";
        a["dim"] = int64_t(p.dim);
        break;
      case KernelABIParam::Stride:
        a["kind"] = "stride";
        a["dim"] = int64_t(p.dim);
        break;
      case KernelABIParam::Scalar:
        a["kind"] = "value";
        break;
      }
      a["type"] = isa<IntegerType, FloatType>(p.type) ? typeName(p.type)
                                                      : std::string("ptr");
      abi.push_back(std::move(a));
    }
    k["abi"] = std::move(abi);
    auto yield = kernel.getGridYield();
    json::Array grid, gridText;
    for (Value v : yield.getSizes()) {
      std::string text;
      auto e = gridExpr(v, kernel, text);
      if (failed(e))
        return failure();
      grid.push_back(*e);
      gridText.push_back(text);
    }
    k["grid"] = std::move(grid);
    k["grid_text"] = std::move(gridText);
    kernels.push_back(std::move(k));
  }
  return kernels;
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
      triple, options.target, "+ptx80", llvm::TargetOptions(), std::nullopt,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
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
// ptxas
//===----------------------------------------------------------------------===//

static std::string findPtxas() {
  // FA_PTXAS names the ptxas to use (tests set it to a missing file).
  if (const char *explicitPath = std::getenv("FA_PTXAS"))
    return llvm::sys::fs::can_execute(explicitPath) ? explicitPath : "";
  if (const char *home = std::getenv("CUDA_HOME")) {
    llvm::SmallString<256> p(home);
    llvm::sys::path::append(p, "bin", "ptxas");
    if (llvm::sys::fs::can_execute(p))
      return p.str().str();
  }
  if (llvm::sys::fs::can_execute("/usr/local/cuda/bin/ptxas"))
    return "/usr/local/cuda/bin/ptxas";
  if (auto p = llvm::sys::findProgramByName("ptxas"))
    return *p;
  return {};
}

FailureOr<json::Object> fa::runPtxas(StringRef ptxPath, StringRef cubinPath,
                                     const GPUOptions &options,
                                     std::string &error) {
  std::string ptxas = findPtxas();
  if (ptxas.empty()) {
    error = "ptxas not found (looked in $FA_PTXAS, $CUDA_HOME/bin, "
            "/usr/local/cuda/bin and PATH); the PTX was written to " +
            ptxPath.str() +
            ". Install the CUDA toolkit (e.g. the nvidia-cuda-toolkit package "
            "or CUDA 12.x/13.x from NVIDIA) or set CUDA_HOME";
    return failure();
  }
  llvm::SmallString<128> logPath;
  llvm::sys::fs::createTemporaryFile("ptxas", "log", logPath);
  std::string arch = "-arch=" + options.target;
  std::string out = cubinPath.str();
  std::string in = ptxPath.str();
  SmallVector<StringRef> args = {ptxas, arch, "-v", "-O3", in, "-o", out};
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(logPath),
                                          StringRef(logPath)};
  std::string execError;
  int rc = llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects, 0, 0,
                                     &execError);
  auto log = llvm::MemoryBuffer::getFile(logPath);
  std::string text = log ? (*log)->getBuffer().str() : std::string();
  llvm::sys::fs::remove(logPath);
  if (rc != 0) {
    error = "ptxas failed (" + ptxas + " " + arch +
            "): " + (execError.empty() ? text : execError);
    return failure();
  }
  // Parse the -v report.
  json::Object report;
  report["ptxas"] = ptxas;
  json::Object entries;
  json::Array warnings;
  std::string current;
  llvm::Regex entryRe("Compiling entry function '([^']+)'");
  llvm::Regex propsRe("Function properties for ([^ \n]+)");
  llvm::Regex frameRe("([0-9]+) bytes stack frame, ([0-9]+) bytes spill "
                      "stores, ([0-9]+) bytes spill loads");
  llvm::Regex usedRe("Used ([0-9]+) registers");
  llvm::Regex smemRe("([0-9]+) bytes smem");
  SmallVector<StringRef> lines;
  StringRef(text).split(lines, '\n');
  auto entry = [&]() -> json::Object & {
    if (!entries.getObject(current))
      entries[current] = json::Object{{"registers", 0},
                                      {"spill_stores", 0},
                                      {"spill_loads", 0},
                                      {"stack_bytes", 0},
                                      {"static_shared_bytes", 0}};
    return *entries.getObject(current);
  };
  for (StringRef line : lines) {
    SmallVector<StringRef> m;
    if (entryRe.match(line, &m) || propsRe.match(line, &m)) {
      current = m[1].str();
      entry();
      continue;
    }
    if (line.contains("warning"))
      warnings.push_back(line.trim().str());
    if (current.empty())
      continue;
    if (frameRe.match(line, &m)) {
      entry()["stack_bytes"] = std::stoll(m[1].str());
      entry()["spill_stores"] = std::stoll(m[2].str());
      entry()["spill_loads"] = std::stoll(m[3].str());
    }
    if (usedRe.match(line, &m))
      entry()["registers"] = std::stoll(m[1].str());
    if (smemRe.match(line, &m))
      entry()["static_shared_bytes"] = std::stoll(m[1].str());
  }
  report["entries"] = std::move(entries);
  report["warnings"] = std::move(warnings);
  report["log"] = text;
  return report;
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

static LogicalResult writeFile(StringRef path, StringRef contents,
                               Operation *op) {
  std::string error;
  auto file = openOutputFile(path, &error);
  if (!file)
    return op->emitError("cannot write ") << path << ": " << error;
  file->os() << contents;
  file->os().flush();
  if (std::error_code ec = file->os().error()) {
    // Reported here, not by LLVM's "IO failure on output stream" abort; a
    // device (/dev/full) is never removed as a failed output would be.
    file->os().clear_error();
    if (!llvm::sys::fs::is_regular_file(path))
      file->keep();
    return op->emitError("cannot write ") << path << ": " << ec.message();
  }
  file->keep();
  return success();
}

LogicalResult fa::compileForGPU(ModuleOp module, const GPUOptions &options,
                                GPUEmit emit, StringRef output) {
  std::string error;
  if (!createTargetInfo(options.target, error))
    return module.emitError(error);
  MLIRContext *ctx = module.getContext();
  ctx->loadDialect<tilegpu::TileGPUDialect, LLVM::LLVMDialect,
                   NVVM::NVVMDialect, scf::SCFDialect>();
  PassManager pm(ctx);
  buildTileToTileGPUPipeline(pm, options);
  if (failed(pm.run(module)))
    return failure();
  auto kernels = describeKernels(module, options);
  if (failed(kernels))
    return failure();
  if (emit == GPUEmit::TileGPU) {
    std::string s;
    llvm::raw_string_ostream os(s);
    module.print(os);
    return writeFile(output, s, module);
  }
  PassManager lower(module.getContext());
  buildTileGPUToLLVMPipeline(lower, options);
  if (failed(lower.run(module)))
    return failure();
  if (emit == GPUEmit::LLVM) {
    std::string s;
    llvm::raw_string_ostream os(s);
    module.print(os);
    return writeFile(output, s, module);
  }
  std::string ptx;
  if (failed(translateToPTX(module, options, ptx)))
    return failure();
  if (emit == GPUEmit::PTX)
    return writeFile(output, ptx, module);

  llvm::SmallString<256> ptxPath(output);
  llvm::sys::path::replace_extension(ptxPath, "ptx");
  if (failed(writeFile(ptxPath, ptx, module)))
    return failure();
  auto report = runPtxas(ptxPath, output, options, error);
  if (failed(report))
    return module.emitError(error);
  // Sidecar: kernels plus their ptxas figures.
  json::Object sidecar;
  sidecar["format"] = "flashtile-kernel-1";
  sidecar["target"] = options.target;
  sidecar["cubin"] = llvm::sys::path::filename(output).str();
  json::Object *entries = report->getObject("entries");
  for (json::Value &k : *kernels) {
    json::Object &obj = *k.getAsObject();
    StringRef name = *obj.getString("entry");
    json::Object *e = entries ? entries->getObject(name) : nullptr;
    if (!e)
      continue;
    // Spills compile and run correctly but cost memory traffic in the loop;
    // say so where the user chose the configuration.
    int64_t stores = e->getInteger("spill_stores").value_or(0);
    int64_t loads = e->getInteger("spill_loads").value_or(0);
    if (stores || loads) {
      Location at = module.getLoc();
      if (auto fn = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
        at = fn.getLoc();
      mlir::emitWarning(at)
          << "kernel '" << name << "' spills registers (" << stores
          << " bytes stored, " << loads << " bytes loaded per thread, ptxas, "
          << options.target
          << "); more warps (--num-warps) or smaller tiles "
             "may avoid it";
    }
    obj["ptxas"] = json::Object(*e);
  }
  sidecar["kernels"] = std::move(*kernels);
  sidecar["ptxas_warnings"] = json::Array(*report->getArray("warnings"));
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::formatv("{0:2}", json::Value(std::move(sidecar))) << "\n";
  llvm::SmallString<256> sidecarPath(output);
  llvm::sys::path::replace_extension(sidecarPath, "json");
  return writeFile(sidecarPath, s, module);
}
