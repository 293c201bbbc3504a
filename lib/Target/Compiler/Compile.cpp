//===- Compile.cpp - tile IR to a GPU binary through its back end ---------===//

#include "fa/Target/Compile.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "fa/Dialect/TileGPU/Transforms/Passes.h"
#include "fa/Target/TargetInfo.h"
#include "fa/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
using namespace fa;
namespace json = llvm::json;

//===----------------------------------------------------------------------===//
// Pipelines
//===----------------------------------------------------------------------===//

void fa::buildTileToTileGPUPipeline(OpPassManager &pm,
                                    const GPUOptions &options) {
  // GPU layouts need power-of-two tile shapes: pad the others (head dims
  // 80, 96, 192) first, so that every later pass sees padded tiles.
  pm.addPass(createTilePadPow2());
  // Tiles that cannot fit a CTA's registers are refused at their location
  // before any pass (or LLVM) spends time and memory on them.
  tilegpu::TileGPUCheckRegisterBudgetOptions budget;
  budget.numWarps = options.numWarps;
  std::string unknown;
  if (auto info = createTargetInfo(options.target, unknown))
    budget.threadsPerWarp = info->getWarpSize();
  pm.addPass(tilegpu::createTileGPUCheckRegisterBudget(budget));
  pm.addPass(tilegpu::createTileGPUFoldDotAccumulate());
  pm.addPass(tilegpu::createTileGPUSplitF32Dot());
  pm.addPass(tilegpu::createTileGPUExpandMath());
  tilegpu::TileGPUAssignLayoutsOptions assign;
  assign.numWarps = options.numWarps;
  assign.target = options.target;
  assign.mma = options.mma;
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
  // Asynchronous MMAs (wgmma): the next QKᵀ issued before this softmax,
  // waits as late as their readers allow. Other dots are left alone.
  tilegpu::TileGPUScheduleAsyncDotsOptions async;
  async.overlap = options.overlapDots;
  async.prefetch = options.prefetchRegisters > 0;
  async.prefetchRegisterLimit = options.prefetchRegisters;
  pm.addPass(tilegpu::createTileGPUScheduleAsyncDots(async));
  // Software pipelining in four steps: which loads, their stages, the
  // target's copies for them, then the rotated loop.
  tilegpu::TileGPUPipelineAssignLatenciesOptions latencies;
  latencies.numStages = options.numStages;
  pm.addPass(tilegpu::createTileGPUPipelineAssignLatencies(latencies));
  pm.addPass(tilegpu::createTileGPUPipelineSchedule());
  tilegpu::TileGPUPipelineLowerLoadsOptions lowerLoads;
  lowerLoads.copyEngine = options.copyEngine;
  pm.addPass(tilegpu::createTileGPUPipelineLowerLoads(lowerLoads));
  pm.addPass(tilegpu::createTileGPUPipelineExpand());
  // Atomic adds of whole rows through shared memory and the copy engine's
  // reductions, where the target has them (opt-in: measured slower than
  // per-thread vector atomics in most of the backward's cases, docs/perf.md).
  if (options.asyncReductions)
    pm.addPass(tilegpu::createTileGPUStageAsyncReductions());
  // Proxy fences for the shared memory wgmma and those reductions read,
  // once every write and barrier is in place.
  pm.addPass(tilegpu::createTileGPUInsertAsyncFences());
  pm.addPass(tilegpu::createTileGPUAllocateSharedMemory());
  // The back end's scheduling passes (Backend::buildSchedulingPipeline)
  // follow, on allocated shared memory.
}

namespace {
struct PipelineOptions : public PassPipelineOptions<PipelineOptions> {
  Option<std::string> target{
      *this, "target",
      llvm::cl::desc("GPU target (a registered one, as fa-compile --help "
                     "lists)")};
  Option<unsigned> numWarps{*this, "num-warps", llvm::cl::desc("warps per CTA"),
                            llvm::cl::init(4)};
  Option<unsigned> numStages{*this, "num-stages",
                             llvm::cl::desc("software pipelining depth"),
                             llvm::cl::init(2)};
  Option<std::string> mma{
      *this, "mma",
      llvm::cl::desc("matrix-instruction family for tile.dot (auto: the "
                     "target's default)"),
      llvm::cl::init("auto")};
  Option<unsigned> prefetchRegisters{
      *this, "prefetch-registers",
      llvm::cl::desc("issue a loop's QK^T one iteration ahead within this "
                     "many accumulator registers per thread (0: never)"),
      llvm::cl::init(160)};
  Option<bool> overlapDots{
      *this, "overlap-dots",
      llvm::cl::desc("defer a loop's P.V by one iteration (wgmma)"),
      llvm::cl::init(false)};
  Option<std::string> copyEngine{
      *this, "copy-engine",
      llvm::cl::desc("copy engine of pipelined loads (auto, Tma, CpAsync, "
                     "none)"),
      llvm::cl::init("auto")};
  Option<bool> warpSpecialize{
      *this, "warp-specialize",
      llvm::cl::desc("a producer warpgroup issues the TMA copies"),
      llvm::cl::init(false)};
  Option<bool> asyncReductions{
      *this, "async-reductions",
      llvm::cl::desc("atomic adds of whole rows through shared memory and "
                     "the target's asynchronous row reductions"),
      llvm::cl::init(false)};
  Option<bool> pingpong{
      *this, "pingpong",
      llvm::cl::desc("the consumer warpgroups take turns issuing their MMAs "
                     "(implies warp-specialize)"),
      llvm::cl::init(false)};
  GPUOptions get() const {
    GPUOptions o;
    o.target = target;
    o.numWarps = numWarps;
    o.numStages = numStages;
    o.mma = mma;
    o.prefetchRegisters = prefetchRegisters;
    o.overlapDots = overlapDots;
    o.copyEngine = copyEngine;
    o.warpSpecialize = warpSpecialize;
    o.asyncReductions = asyncReductions;
    o.pingpong = pingpong;
    return o;
  }
};

/// Registers pipeline `name` whose builder needs the back end of its
/// `target` option; an unknown target is a pipeline error.
void registerTargetPipeline(
    StringRef name, StringRef description,
    std::function<void(OpPassManager &, const Backend &, const GPUOptions &)>
        build) {
  registerPassPipeline(
      name, description,
      [build](OpPassManager &pm, StringRef text,
              function_ref<LogicalResult(const Twine &)> errorHandler) {
        PipelineOptions options;
        if (failed(options.parseFromString(text)))
          return failure();
        std::string error;
        const Backend *backend = lookupBackend(options.target, error);
        if (!backend)
          return errorHandler(error);
        GPUOptions gpu = options.get();
        if (failed(backend->checkOptions(gpu, error)))
          return errorHandler(error);
        build(pm, *backend, gpu);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> handler) {
        handler(PipelineOptions());
      });
}
} // namespace

void fa::registerGPUPipelines() {
  registerTargetPipeline(
      "fa-tile-to-tilegpu", "tile -> tilegpu (layouts, shared memory)",
      [](OpPassManager &pm, const Backend &backend, const GPUOptions &o) {
        backend.buildTileGPUPipeline(pm, o);
      });
  // The tools' path (fa::compileKernel) without the choice of warps.
  registerTargetPipeline(
      "fa-tile-to-llvm-gpu",
      "tile-optimize, then tile -> tilegpu -> the back end's LLVM dialect",
      [](OpPassManager &pm, const Backend &backend, const GPUOptions &o) {
        buildTileOptimizationPipeline(pm);
        backend.buildTileGPUPipeline(pm, o);
        backend.buildLLVMPipeline(pm, o);
      });
}

//===----------------------------------------------------------------------===//
// Choice of warps
//===----------------------------------------------------------------------===//

unsigned fa::chooseNumWarps(ModuleOp module, unsigned threadsPerWarp,
                            unsigned budget) {
  // f32 elements of the dot results of each block (a loop body or a kernel
  // body): the accumulators that are live at once. Sibling loops (the two
  // loops of a causal split) are counted apart.
  llvm::DenseMap<Block *, int64_t> elements;
  int64_t minRows = std::numeric_limits<int64_t>::max();
  // Shapes as tile-pad-pow2 will pad them (head dim 80 holds 128 columns).
  module.walk([&](tile::DotOp dot) {
    auto type = cast<RankedTensorType>(dot.getType());
    int64_t n = 1;
    for (int64_t size : type.getShape())
      n *= static_cast<int64_t>(llvm::PowerOf2Ceil(size));
    elements[dot->getBlock()] += n;
    minRows = std::min(minRows, type.getRank() >= 2
                                    ? static_cast<int64_t>(llvm::PowerOf2Ceil(
                                          type.getDimSize(type.getRank() - 2)))
                                    : int64_t(1));
  });
  int64_t demand = 0;
  for (auto &entry : elements)
    demand = std::max(demand, entry.second);
  unsigned warps = 4;
  // An MMA tile is 16 rows: more warps than rows / 16 would only replicate.
  while (warps < 16 && demand > int64_t(budget) * warps * threadsPerWarp &&
         int64_t(warps) * 2 * 16 <= minRows)
    warps *= 2;
  return warps;
}

//===----------------------------------------------------------------------===//
// The compile entry
//===----------------------------------------------------------------------===//

LogicalResult fa::prepareBinaryOutput(StringRef path, std::string &error) {
  llvm::sys::fs::file_status status;
  if (!llvm::sys::fs::status(path, status) &&
      status.type() != llvm::sys::fs::file_type::regular_file) {
    error = ("--emit=cubin writes '" + path +
             "' and its .ptx and .json beside it: -o must name a regular file")
                .str();
    return failure();
  }
  SmallString<256> sidecar(path);
  llvm::sys::path::replace_extension(sidecar, "json");
  for (StringRef old : {path, StringRef(sidecar)}) {
    if (std::error_code ec = llvm::sys::fs::remove(old)) {
      error = ("cannot remove the old '" + old + "': " + ec.message()).str();
      return failure();
    }
  }
  return success();
}

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

static std::string printModule(ModuleOp module) {
  std::string s;
  llvm::raw_string_ostream os(s);
  module.print(os);
  return s;
}

/// Warns about (or with failOnSpill refuses) kernels whose binary spills
/// registers.
static LogicalResult checkSpills(ModuleOp module, const CompiledKernel &result,
                                 bool failOnSpill) {
  bool failed = false;
  for (const auto &entry : result.report.kernels) {
    const KernelResources &k = entry.getValue();
    bool spills = k.spillStores || k.spillLoads;
    Location at = module.getLoc();
    if (auto fn = module.lookupSymbol(entry.getKey()))
      at = fn->getLoc();
    // The assembler undid asynchrony the kernel relies on for speed.
    for (const std::string &w : k.performanceWarnings) {
      InFlightDiagnostic diag =
          failOnSpill ? mlir::emitError(at) : mlir::emitWarning(at);
      diag << "kernel '" << entry.getKey() << "': " << w;
      failed |= failOnSpill;
    }
    if (!spills && !(failOnSpill && k.stackBytes))
      continue;
    // Spills compile and run correctly but cost memory traffic in the loop;
    // say so where the user chose the configuration.
    InFlightDiagnostic diag =
        failOnSpill ? mlir::emitError(at) : mlir::emitWarning(at);
    diag << "kernel '" << entry.getKey() << "' spills registers ("
         << k.spillStores << " bytes stored, " << k.spillLoads
         << " bytes loaded per thread";
    if (failOnSpill)
      diag << ", " << k.stackBytes << " bytes of stack";
    diag << ", " << llvm::sys::path::filename(result.report.tool) << ", "
         << result.options.target
         << "); more warps (--num-warps) or smaller tiles may avoid it";
    failed |= failOnSpill;
  }
  return failure(failed);
}

FailureOr<CompiledKernel> fa::compileKernel(ModuleOp module,
                                            const CompileOptions &options,
                                            StringRef output) {
  std::string error;
  const Backend *backend = lookupBackend(options.target, error);
  if (!backend)
    return module.emitError(error);
  std::unique_ptr<TargetInfo> info = createTargetInfo(options.target, error);
  if (!info)
    return module.emitError(error);
  MLIRContext *ctx = module.getContext();
  ctx->loadDialect<tile::TileDialect, tilegpu::TileGPUDialect,
                   LLVM::LLVMDialect, scf::SCFDialect>();
  backend->loadDialects(*ctx);

  if (options.tileOptimize) {
    PassManager pm(ctx);
    buildTileOptimizationPipeline(pm);
    if (failed(pm.run(module)))
      return failure();
  }
  CompiledKernel result;
  result.options.target = options.target;
  result.options.numStages = options.numStages;
  result.options.mma = options.mma;
  result.options.prefetchRegisters = options.prefetchRegisters;
  result.options.overlapDots = options.overlapDots;
  result.options.copyEngine = options.copyEngine;
  result.options.warpSpecialize = options.warpSpecialize;
  result.options.asyncReductions = options.asyncReductions;
  result.options.pingpong = options.pingpong;
  result.options.minProgramsPerSM = options.minProgramsPerSM;
  if (options.minProgramsPerSM)
    for (auto kernel : module.getOps<tile::KernelOp>())
      kernel->setAttr(
          kMinProgramsPerSMAttr,
          Builder(ctx).getI32IntegerAttr(int32_t(options.minProgramsPerSM)));
  result.options.numWarps =
      options.numWarps ? options.numWarps
                       : chooseNumWarps(module, info->getWarpSize(),
                                        backend->getAccumulatorRegisterBudget(
                                            options.target));
  const GPUOptions &gpu = result.options;
  // Options the back end cannot honour are refused at the first kernel.
  if (failed(backend->checkOptions(gpu, error))) {
    auto kernels = module.getOps<tile::KernelOp>();
    if (kernels.empty())
      return module.emitError(error);
    return (*kernels.begin()).emitError(error);
  }

  PassManager toTileGPU(ctx);
  backend->buildTileGPUPipeline(toTileGPU, gpu);
  if (failed(toTileGPU.run(module)))
    return failure();
  auto kernels = describeKernels(module, gpu, info->getWarpSize());
  if (failed(kernels))
    return failure();
  auto finish = [&]() -> FailureOr<CompiledKernel> {
    if (!output.empty() && failed(writeFile(output, result.text, module)))
      return failure();
    return std::move(result);
  };
  if (options.emit == EmitStage::TileGPU) {
    result.text = printModule(module);
    return finish();
  }
  PassManager toLLVM(ctx);
  backend->buildLLVMPipeline(toLLVM, gpu);
  if (failed(toLLVM.run(module)))
    return failure();
  if (options.emit == EmitStage::LLVM) {
    result.text = printModule(module);
    return finish();
  }
  if (failed(backend->translateToAssembly(module, gpu, result.text)))
    return failure();
  if (options.emit == EmitStage::Assembly)
    return finish();

  // Binary: the assembly is written first (next to the output, or in a
  // temporary folder) so that it is there to inspect if the assembler fails.
  llvm::SmallString<128> tmpDir, binaryPath(output);
  if (output.empty()) {
    if (std::error_code ec =
            llvm::sys::fs::createUniqueDirectory("fa-compile", tmpDir))
      return module.emitError("cannot create a temporary folder: ")
             << ec.message();
    binaryPath = tmpDir;
    llvm::sys::path::append(binaryPath, "kernel");
    binaryPath += "." + backend->getBinaryExtension().str();
  }
  auto removeTmp = llvm::scope_exit([&] {
    if (!tmpDir.empty())
      llvm::sys::fs::remove_directories(tmpDir);
  });
  llvm::SmallString<128> asmPath(binaryPath);
  llvm::sys::path::replace_extension(asmPath, backend->getAssemblyExtension());
  if (failed(writeFile(asmPath, result.text, module)))
    return failure();
  AssemblerError asmError;
  auto report = backend->assemble(asmPath, binaryPath, gpu, asmError);
  if (failed(report)) {
    // Code the assembler refused is located at the kernel (the module has no
    // source location of its own); a missing tool is not the source's fault.
    Location at = module.getLoc();
    if (asmError.inCode)
      module.walk([&](Operation *op) {
        if (isa<FunctionOpInterface>(op) && !isa<UnknownLoc>(op->getLoc()) &&
            isa<UnknownLoc>(at))
          at = op->getLoc();
      });
    return mlir::emitError(at) << asmError.message;
  }
  result.report = std::move(*report);
  auto binary = llvm::MemoryBuffer::getFile(binaryPath, /*IsText=*/false);
  if (!binary)
    return module.emitError("cannot read ")
           << binaryPath << ": " << binary.getError().message();
  result.binary = (*binary)->getBuffer().str();
  if (failed(checkSpills(module, result, options.failOnSpill))) {
    llvm::sys::fs::remove(binaryPath);
    return failure();
  }

  // Sidecar: the kernels plus the back end's description of the binary.
  json::Object &sidecar = result.sidecar;
  sidecar["format"] = "flashtile-kernel-1";
  sidecar["target"] = gpu.target;
  sidecar["kernels"] = std::move(*kernels);
  backend->describeBinary(sidecar, llvm::sys::path::filename(binaryPath),
                          result.report);
  if (output.empty())
    return std::move(result);
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::formatv("{0:2}", json::Value(json::Object(sidecar))) << "\n";
  llvm::SmallString<256> sidecarPath(output);
  llvm::sys::path::replace_extension(sidecarPath, "json");
  if (failed(writeFile(sidecarPath, s, module)))
    return failure();
  return std::move(result);
}
