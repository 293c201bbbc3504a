//===- fa-gpu.cpp - compile `tile` IR for an NVIDIA GPU -------------------===//
//
// The GPU half of the driver, for `tile` IR files (.mlir):
//   fa-gpu k.mlir --target sm_90a --emit=cubin -o k.cubin
// writes k.cubin, k.ptx and the k.json sidecar. fa-compile calls the same
// fa::compileForGPU for `.tile` sources.
//
//===----------------------------------------------------------------------===//

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/InitAll.h"
#include "fa/Target/GPUCompiler.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/SmallString.h"
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
static cl::opt<std::string> target("target",
                                   cl::desc("GPU target: sm_80 or sm_90a"),
                                   cl::init("sm_90a"));
static cl::opt<unsigned> numWarps("num-warps", cl::desc("warps per CTA"),
                                  cl::init(4));
static cl::opt<unsigned> numStages("num-stages",
                                   cl::desc("software pipelining depth of loop "
                                            "loads (default 2; 1: none)"),
                                   cl::init(2));
static cl::opt<fa::GPUEmit> emit(
    "emit", cl::desc("what to write"), cl::init(fa::GPUEmit::Cubin),
    cl::values(clEnumValN(fa::GPUEmit::TileGPU, "tilegpu", "tilegpu IR"),
               clEnumValN(fa::GPUEmit::LLVM, "llvm", "LLVM dialect + NVVM"),
               clEnumValN(fa::GPUEmit::PTX, "ptx", "PTX"),
               clEnumValN(fa::GPUEmit::Cubin, "cubin",
                          "cubin with .ptx and .json sidecar")));

int main(int argc, char **argv) {
  InitLLVM y(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "FlashTile GPU compiler\n");
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  fa::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();

  std::string error;
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
    if (emit == fa::GPUEmit::Cubin) {
      errs() << "fa-gpu: --emit=cubin needs -o <file.cubin>\n";
      return 1;
    }
    out = "-";
  }
  // A cubin comes with a .ptx and a .json beside it: the output must be a
  // regular file (not /dev/null), and the files of an earlier compile go
  // first, so that a failure cannot leave a stale sidecar next to new PTX.
  if (emit == fa::GPUEmit::Cubin) {
    sys::fs::file_status status;
    if (!sys::fs::status(out, status) &&
        status.type() != sys::fs::file_type::regular_file) {
      errs() << "fa-gpu: error: --emit=cubin writes '" << out
             << "' and its .ptx and .json beside it: -o must name a regular "
                "file\n";
      return 1;
    }
    SmallString<256> sidecar(out);
    sys::path::replace_extension(sidecar, "json");
    for (StringRef old : {StringRef(out), StringRef(sidecar)}) {
      if (std::error_code ec = sys::fs::remove(old)) {
        errs() << "fa-gpu: error: cannot remove the old '" << old
               << "': " << ec.message() << "\n";
        return 1;
      }
    }
  }
  fa::GPUOptions options;
  options.target = target;
  options.numWarps = numWarps;
  options.numStages = numStages;
  return mlir::failed(fa::compileForGPU(*module, options, emit, out)) ? 1 : 0;
}
