//===- fa-compile.cpp - the FlashTile compiler driver ---------------------===//
//
// fa-compile kernels/flash_fwd.tile --emit=tile -D HEAD_DIM=64 -o out.mlir
// fa-compile kernels/flash_fwd.tile --target sm_90a -o f.cubin
//
// Reads a `.tile` file and prints the stage asked for with --emit: the syntax
// tree (`ast`), the `tile` IR (`tile`), or with --target the GPU stages
// (`tilegpu`, `llvm`, `ptx`/`asm`, `cubin`/`binary`; the binary is the
// default with --target and also writes the assembly and a JSON sidecar
// next to it), all through fa::compileKernel. The targets are those of the
// registered back ends (fa/Target/Backend.h). Exit status 0 on success, 1 on
// any error (every error is reported first).
//
//===----------------------------------------------------------------------===//

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Frontend/Frontend.h"
#include "fa/InitAll.h"
#include "fa/Target/Compile.h"
#include "fa/Target/TileDefaults.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace {
enum class Emit { AST, Tile, TileGPU, LLVM, Assembly, Binary };

cl::OptionCategory category("fa-compile options");

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input .tile file>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string> outputFile("o", cl::desc("Output file (default: stdout)"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(category));
cl::opt<Emit> emit(
    "emit", cl::desc("What to produce"), cl::init(Emit::Tile),
    cl::values(clEnumValN(Emit::AST, "ast", "the syntax tree"),
               clEnumValN(Emit::Tile, "tile", "`tile` dialect IR (verified)"),
               clEnumValN(Emit::TileGPU, "tilegpu",
                          "`tilegpu` IR with layouts (needs --target)"),
               clEnumValN(Emit::LLVM, "llvm",
                          "the back end's LLVM dialect module (needs "
                          "--target)"),
               clEnumValN(Emit::Assembly, "ptx",
                          "assembly: PTX on NVIDIA, AMDGPU assembly on AMD "
                          "(needs --target)"),
               clEnumValN(Emit::Assembly, "asm", "the same as ptx"),
               clEnumValN(Emit::Binary, "cubin",
                          "binary (cubin on NVIDIA, hsaco on AMD), its "
                          "assembly and JSON sidecar (needs --target; the "
                          "default with it)"),
               clEnumValN(Emit::Binary, "hsaco", "the same as cubin"),
               clEnumValN(Emit::Binary, "binary", "the same as cubin")),
    cl::cat(category));
cl::list<std::string>
    defines("D", cl::Prefix,
            cl::desc("Set a compile-time parameter, -D NAME=VALUE"),
            cl::value_desc("NAME=VALUE"), cl::cat(category));
// Its description lists the registered targets (set in main).
cl::opt<std::string> target("target", cl::value_desc("chip"),
                            cl::cat(category));
cl::opt<unsigned> numWarps(
    "num-warps",
    cl::desc("Warps per CTA on the GPU (default: chosen from the kernel's "
             "dot sizes, 4 unless its accumulators need more)"),
    cl::init(0), cl::cat(category));
cl::opt<unsigned>
    numStages("num-stages",
              cl::desc("Software pipelining depth of loop loads on the "
                       "GPU (cp.async ring of this many buffers; 1: "
                       "none; default 2)"),
              cl::init(2), cl::cat(category));
cl::opt<std::string>
    mma("mma",
        cl::desc("Matrix-instruction family for tile.dot on the GPU: auto "
                 "(the target's default), mma_sync, or wgmma (sm_90a; dots "
                 "it cannot run keep mma_sync)"),
        cl::init("auto"), cl::cat(category));
cl::opt<unsigned> prefetchRegisters(
    "prefetch-registers",
    cl::desc("wgmma: issue a loop's QK^T one iteration ahead (before the "
             "softmax of the current block) while the loop's asynchronous "
             "accumulators, the carried tile included, take at most this "
             "many f32 registers per thread (default 160; 0: never)"),
    cl::init(160), cl::cat(category));
cl::opt<unsigned> minProgramsPerSM(
    "min-programs-per-sm",
    cl::desc("NVIDIA: cap registers per thread so that this many programs "
             "(CTAs) fit one SM's register file (.maxnreg; default 0: no "
             "cap)"),
    cl::init(0), cl::cat(category));
cl::opt<bool> asyncReductions(
    "async-reductions",
    cl::desc("atomic adds of whole f32 rows through shared memory and bulk "
             "reductions (sm_90a: cp.reduce.async.bulk) instead of "
             "per-thread atomics"),
    cl::cat(category));
cl::opt<bool> overlapDots(
    "overlap-dots",
    cl::desc("wgmma: defer a loop's P.V by one iteration so that it runs on "
             "the tensor cores during the next block's softmax "
             "(FlashAttention-3's intra-warpgroup overlap; such loops are "
             "not prefetched)"),
    cl::cat(category));
cl::opt<std::string>
    copyEngine("copy-engine",
               cl::desc("Copy engine of pipelined loads on the GPU: auto (the "
                        "target's best: TMA on sm_90a, else cp.async), Tma, "
                        "CpAsync or none"),
               cl::init("auto"), cl::cat(category));
cl::opt<bool> warpSpecialize(
    "warp-specialize",
    cl::desc("sm_90a: a producer warpgroup issues the TMA copies, the others "
             "compute (setmaxnreg moves registers to them)"),
    cl::cat(category));
cl::opt<bool> pingpong(
    "pingpong",
    cl::desc("sm_90a: the two consumer warpgroups take turns issuing their "
             "MMAs, one's softmax overlapping the other's (implies "
             "--warp-specialize)"),
    cl::cat(category));
cl::opt<std::string> kernelName("kernel", cl::desc("Compile only this kernel"),
                                cl::value_desc("name"), cl::cat(category));
cl::opt<bool> failOnSpill("fail-on-spill",
                          cl::desc("A kernel whose binary spills registers, "
                                   "has a stack frame, or that the assembler "
                                   "reports slowed (serialized wgmma) is an "
                                   "error"),
                          cl::cat(category));
cl::opt<std::string> defaultsFile(
    "defaults",
    cl::desc("Per-target defaults of the kernel's parameters and of "
             "--num-warps, --num-stages, --mma, --prefetch-registers, "
             "--overlap-dots, --copy-engine, --warp-specialize, --pingpong "
             "and --min-programs-per-sm, for "
             "those not given "
             "(default: <input without .tile>.defaults when it exists; "
             "'none': no defaults file)"),
    cl::value_desc("file"), cl::cat(category));

/// Flushes and keeps `out`; a write error (a full disk, /dev/full, a
/// read-only file) is reported and removes the output, instead of LLVM's
/// "IO failure on output stream" abort.
int keep(ToolOutputFile &out) {
  out.os().flush();
  if (std::error_code ec = out.os().error()) {
    errs() << "fa-compile: error: cannot write '" << outputFile
           << "': " << ec.message() << "\n";
    out.os().clear_error();
    return 1;
  }
  out.keep();
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  fa::registerAllBackends();
  std::string targets = fa::getBackendTargetList();
  std::string targetHelp =
      "GPU target, one of: " + targets + " (compiles for the GPU)";
  target.setDescription(targetHelp);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "FlashTile compiler: .tile source to tile IR\n");

  if (target.getNumOccurrences() && target.empty()) {
    errs() << "fa-compile: error: --target is empty: expected one of "
           << targets << "\n";
    return 1;
  }
  auto isGpuEmit = [] { return emit != Emit::AST && emit != Emit::Tile; };
  if (!target.empty() && emit.getNumOccurrences() == 0)
    emit = Emit::Binary;
  if (isGpuEmit() && target.empty()) {
    errs() << "fa-compile: error: --emit=tilegpu|llvm|ptx|cubin needs --target "
              "(one of: "
           << targets << ")\n";
    return 1;
  }
  bool gpuEmit = isGpuEmit();
  std::string error;
  if (!target.empty() && !fa::lookupBackend(target, error)) {
    errs() << "fa-compile: error: " << error << "\n";
    return 1;
  }
  if (!target.empty() && !gpuEmit) {
    errs()
        << "fa-compile: error: --target compiles for the GPU; --emit must be "
           "tilegpu, llvm, ptx or cubin\n";
    return 1;
  }
  if (numStages < 1 || numStages > 8) {
    errs() << "fa-compile: error: --num-stages=" << numStages
           << " must be between 1 (no pipelining) and 8\n";
    return 1;
  }
  if (emit == Emit::Binary && outputFile == "-") {
    errs() << "fa-compile: error: --emit=cubin needs -o <file.cubin>\n";
    return 1;
  }
  // A binary comes with its assembly and sidecar: see prepareBinaryOutput.
  if (emit == Emit::Binary) {
    std::string error;
    if (mlir::failed(fa::prepareBinaryOutput(outputFile, error))) {
      errs() << "fa-compile: error: " << error << "\n";
      return 1;
    }
  }

  fa::FrontendOptions options;
  options.kernelName = kernelName;
  for (const std::string &d : defines) {
    StringRef text(d);
    auto [name, value] = text.split('=');
    if (!text.contains('=') || name.trim().empty() || value.trim().empty()) {
      errs() << "fa-compile: error: -D expects NAME=VALUE, got '" << d << "'\n";
      return 1;
    }
    auto [it, inserted] =
        options.defines.try_emplace(name.trim(), value.trim().str());
    if (!inserted && it->second != value.trim()) {
      errs() << "fa-compile: error: -D " << name.trim()
             << " is given twice with different values\n";
      return 1;
    }
  }

  auto fileOrErr = fa::readSourceFile(inputFile);
  if (!fileOrErr) {
    errs() << "fa-compile: error: cannot open '" << inputFile
           << "': " << toString(fileOrErr.takeError()) << "\n";
    return 1;
  }
  SourceMgr srcMgr;
  srcMgr.AddNewSourceBuffer(std::move(*fileOrErr), SMLoc());

  std::error_code ec;
  auto out = std::make_unique<ToolOutputFile>(outputFile, ec, sys::fs::OF_None);
  if (ec) {
    errs() << "fa-compile: error: cannot write '" << outputFile
           << "': " << ec.message() << "\n";
    return 1;
  }
  // Only a regular file is removed when the compile fails, never a device.
  if (outputFile != "-" && !sys::fs::is_regular_file(outputFile))
    out->keep();

  if (emit == Emit::AST) {
    if (mlir::failed(fa::dumpTileAST(srcMgr, out->os(), options)))
      return 1;
    return keep(*out);
  }

  mlir::DialectRegistry registry;
  fa::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      fa::compileTileSource(srcMgr, context, options);
  if (!module)
    return 1;
  if (!gpuEmit) {
    module->print(out->os());
    return keep(*out);
  }
  // Per-target defaults (fa/Target/TileDefaults.h) for what the user left
  // unset; kernel parameters among them mean compiling the source again.
  fa::CompileOptions gpu;
  gpu.target = target;
  gpu.numWarps = numWarps;
  gpu.numStages = numStages;
  gpu.mma = mma;
  gpu.prefetchRegisters = prefetchRegisters;
  gpu.overlapDots = overlapDots;
  gpu.copyEngine = copyEngine;
  gpu.warpSpecialize = warpSpecialize;
  gpu.asyncReductions = asyncReductions;
  gpu.pingpong = pingpong;
  gpu.minProgramsPerSM = minProgramsPerSM;
  {
    SmallString<128> path(defaultsFile);
    bool explicitFile = !defaultsFile.empty();
    if (!explicitFile) {
      path = inputFile;
      sys::path::replace_extension(path, "defaults");
    }
    if (path != "none" && (explicitFile || sys::fs::exists(path))) {
      auto text = MemoryBuffer::getFile(path, /*IsText=*/true);
      if (!text) {
        errs() << "fa-compile: error: cannot open '" << path
               << "': " << text.getError().message() << "\n";
        return 1;
      }
      fa::TileDefaultsGiven given;
      given.numWarps = numWarps.getNumOccurrences();
      given.numStages = numStages.getNumOccurrences();
      given.mma = mma.getNumOccurrences();
      given.copyEngine = copyEngine.getNumOccurrences();
      given.prefetchRegisters = prefetchRegisters.getNumOccurrences();
      given.pingpong = pingpong.getNumOccurrences();
      given.overlapDots = overlapDots.getNumOccurrences();
      given.warpSpecialize = warpSpecialize.getNumOccurrences();
      given.minProgramsPerSM = minProgramsPerSM.getNumOccurrences();
      given.asyncReductions = asyncReductions.getNumOccurrences();
      given.oneKernel = !kernelName.empty();
      bool respecialize = false;
      std::string error;
      if (!fa::applyTileDefaults((*text)->getBuffer(), path,
                                 fa::kernelParams(*module), given, gpu,
                                 options.defines, respecialize, error)) {
        errs() << "fa-compile: error: " << error << "\n";
        return 1;
      }
      if (respecialize) {
        module = fa::compileTileSource(srcMgr, context, options);
        if (!module)
          return 1;
      }
    }
  }
  // GPU: tile-optimize, the back end's pipelines, assembly and binary.
  // Diagnostics from here on (errors, and warnings such as register spills)
  // point into the source with its line shown.
  mlir::SourceMgrDiagnosticHandler handler(srcMgr, &context);
  // Diagnostics about the module as a whole (an unknown target, ptxas) have
  // no place in the source: printed like the tool's own errors, not at a
  // made-up position. Handlers run newest first; the rest go to `handler`.
  mlir::ScopedDiagnosticHandler unlocated(
      &context, [](mlir::Diagnostic &diag) -> mlir::LogicalResult {
        if (!isa<mlir::UnknownLoc>(diag.getLocation()))
          return mlir::failure();
        StringRef kind =
            diag.getSeverity() == mlir::DiagnosticSeverity::Error ? "error"
            : diag.getSeverity() == mlir::DiagnosticSeverity::Warning
                ? "warning"
                : "note";
        errs() << "fa-compile: " << kind << ": " << diag << "\n";
        for (mlir::Diagnostic &note : diag.getNotes())
          errs() << "fa-compile: note: " << note << "\n";
        return mlir::success();
      });
  context.printOpOnDiagnostic(false);
  gpu.failOnSpill = failOnSpill;
  gpu.emit = emit == Emit::TileGPU    ? fa::EmitStage::TileGPU
             : emit == Emit::LLVM     ? fa::EmitStage::LLVM
             : emit == Emit::Assembly ? fa::EmitStage::Assembly
                                      : fa::EmitStage::Binary;
  // compileKernel writes its own files (binary, assembly, sidecar).
  out.reset();
  if (mlir::failed(fa::compileKernel(*module, gpu, outputFile)))
    return 1;
  return 0;
}
