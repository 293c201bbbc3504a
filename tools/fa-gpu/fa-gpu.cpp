//===- fa-gpu.cpp - compile `tile` IR for a GPU ---------------------------===//
//
// The GPU half of the driver, for `tile` IR files (.mlir):
//   fa-gpu k.mlir --target sm_90a --emit=cubin -o k.cubin
// writes k.cubin, k.ptx and the k.json sidecar. Like fa-compile (for `.tile`
// sources) and fa-run, it compiles through fa::compileKernel, tile-optimize
// included.
//
//===----------------------------------------------------------------------===//

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/InitAll.h"
#include "fa/Target/Compile.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

using namespace llvm;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<tile IR>"),
                                      cl::init("-"));
static cl::opt<std::string> outputFile("o", cl::desc("output file"),
                                       cl::value_desc("file"), cl::init(""));
// Its description lists the registered targets (set in main).
static cl::opt<std::string> target("target", cl::value_desc("chip"));
static cl::opt<unsigned>
    numWarps("num-warps",
             cl::desc("warps per CTA (default: chosen from the dot sizes)"),
             cl::init(0));
static cl::opt<unsigned> numStages("num-stages",
                                   cl::desc("software pipelining depth of loop "
                                            "loads (default 2; 1: none)"),
                                   cl::init(2));
static cl::opt<std::string>
    mma("mma",
        cl::desc("matrix-instruction family for tile.dot: auto, mma_sync or "
                 "wgmma (sm_90a)"),
        cl::init("auto"));
static cl::opt<std::string>
    copyEngine("copy-engine",
               cl::desc("copy engine of pipelined loads: auto, Tma (sm_90a), "
                        "CpAsync or none"),
               cl::init("auto"));
static cl::opt<fa::EmitStage> emit(
    "emit", cl::desc("what to write"), cl::init(fa::EmitStage::Binary),
    cl::values(clEnumValN(fa::EmitStage::TileGPU, "tilegpu", "tilegpu IR"),
               clEnumValN(fa::EmitStage::LLVM, "llvm",
                          "the back end's LLVM dialect module"),
               clEnumValN(fa::EmitStage::Assembly, "ptx", "assembly (PTX)"),
               clEnumValN(fa::EmitStage::Assembly, "asm", "the same as ptx"),
               clEnumValN(fa::EmitStage::Binary, "cubin",
                          "binary (cubin) with its assembly and .json sidecar"),
               clEnumValN(fa::EmitStage::Binary, "binary",
                          "the same as cubin")));
static cl::opt<bool> failOnSpill("fail-on-spill",
                                 cl::desc("a kernel that spills registers or "
                                          "has a stack frame is an error"));

int main(int argc, char **argv) {
  InitLLVM y(argc, argv);
  fa::registerAllBackends();
  std::string targets = fa::getBackendTargetList();
  std::string targetHelp = "GPU target, one of: " + targets;
  target.setDescription(targetHelp);
  cl::ParseCommandLineOptions(argc, argv, "FlashTile GPU compiler\n");
  std::string error;
  if (target.empty()) {
    errs() << "fa-gpu: error: --target is required (one of: " << targets
           << ")\n";
    return 1;
  }
  if (!fa::lookupBackend(target, error)) {
    errs() << "fa-gpu: error: " << error << "\n";
    return 1;
  }
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  fa::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();

  auto file = mlir::openInputFile(inputFile, &error);
  if (!file) {
    errs() << "fa-gpu: " << error << "\n";
    return 1;
  }
  SourceMgr sm;
  sm.AddNewSourceBuffer(std::move(file), SMLoc());
  mlir::SourceMgrDiagnosticHandler handler(sm, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sm, &context);
  if (!module)
    return 1;
  // The module the parser wraps around the file's ops sits at line 0, no
  // place in the source: errors about the whole module (an unknown target,
  // ptxas) are printed like the tool's own errors, without the module dump.
  if (auto at = dyn_cast<mlir::FileLineColLoc>(module->getLoc());
      at && at.getLine() == 0)
    (*module)->setLoc(mlir::UnknownLoc::get(&context));
  context.printOpOnDiagnostic(false);
  mlir::ScopedDiagnosticHandler unlocated(
      &context, [](mlir::Diagnostic &diag) -> mlir::LogicalResult {
        if (!isa<mlir::UnknownLoc>(diag.getLocation()))
          return mlir::failure();
        StringRef kind =
            diag.getSeverity() == mlir::DiagnosticSeverity::Error ? "error"
            : diag.getSeverity() == mlir::DiagnosticSeverity::Warning
                ? "warning"
                : "note";
        errs() << "fa-gpu: " << kind << ": " << diag << "\n";
        for (mlir::Diagnostic &note : diag.getNotes())
          errs() << "fa-gpu: note: " << note << "\n";
        return mlir::success();
      });
  if (module->getOps<fa::tile::KernelOp>().empty()) {
    errs() << "fa-gpu: error: '" << inputFile
           << "' holds no tile.kernel: nothing to compile\n";
    return 1;
  }
  std::string out = outputFile;
  if (out.empty()) {
    if (emit == fa::EmitStage::Binary) {
      errs() << "fa-gpu: --emit=cubin needs -o <file.cubin>\n";
      return 1;
    }
    out = "-";
  }
  // A binary comes with its assembly and sidecar: see prepareBinaryOutput.
  if (emit == fa::EmitStage::Binary) {
    std::string error;
    if (mlir::failed(fa::prepareBinaryOutput(out, error))) {
      errs() << "fa-gpu: error: " << error << "\n";
      return 1;
    }
  }
  fa::CompileOptions options;
  options.target = target;
  options.numWarps = numWarps;
  options.numStages = numStages;
  options.mma = mma;
  options.copyEngine = copyEngine;
  options.emit = emit;
  options.failOnSpill = failOnSpill;
  return mlir::failed(fa::compileKernel(*module, options, out)) ? 1 : 0;
}
