//===- fa-compile.cpp - the FlashTile compiler driver ---------------------===//
//
// fa-compile kernels/flash_fwd.tile --emit=tile -D HEAD_DIM=64 -o out.mlir
//
// Reads a `.tile` file and prints the stage asked for with --emit: the syntax
// tree (`ast`) or the `tile` IR (`tile`). Exit status 0 on success, 1 on any
// error (every error is reported first).
//
//===----------------------------------------------------------------------===//

#include "fa/Frontend/Frontend.h"
#include "fa/InitAll.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace {
enum class Emit { AST, Tile };

cl::OptionCategory category("fa-compile options");

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input .tile file>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string> outputFile("o", cl::desc("Output file (default: stdout)"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(category));
cl::opt<Emit> emit("emit", cl::desc("What to produce"), cl::init(Emit::Tile),
                   cl::values(clEnumValN(Emit::AST, "ast", "the syntax tree"),
                              clEnumValN(Emit::Tile, "tile",
                                         "`tile` dialect IR (verified)")),
                   cl::cat(category));
cl::list<std::string> defines("D", cl::Prefix,
                              cl::desc("Set a compile-time parameter, -D NAME=VALUE"),
                              cl::value_desc("NAME=VALUE"), cl::cat(category));
cl::opt<std::string> kernelName("kernel", cl::desc("Compile only this kernel"),
                                cl::value_desc("name"), cl::cat(category));
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "FlashTile compiler: .tile source to tile IR\n");

  fa::FrontendOptions options;
  options.kernelName = kernelName;
  for (const std::string &d : defines) {
    StringRef text(d);
    auto [name, value] = text.split('=');
    if (!text.contains('=') || name.trim().empty() || value.trim().empty()) {
      errs() << "fa-compile: error: -D expects NAME=VALUE, got '" << d << "'\n";
      return 1;
    }
    auto [it, inserted] = options.defines.try_emplace(name.trim(), value.trim().str());
    if (!inserted && it->second != value.trim()) {
      errs() << "fa-compile: error: -D " << name.trim()
             << " is given twice with different values\n";
      return 1;
    }
  }

  auto fileOrErr = MemoryBuffer::getFileOrSTDIN(inputFile, /*IsText=*/true);
  if (std::error_code ec = fileOrErr.getError()) {
    errs() << "fa-compile: error: cannot open '" << inputFile << "': " << ec.message()
           << "\n";
    return 1;
  }
  SourceMgr srcMgr;
  srcMgr.AddNewSourceBuffer(std::move(*fileOrErr), SMLoc());

  std::error_code ec;
  auto out = std::make_unique<ToolOutputFile>(outputFile, ec, sys::fs::OF_None);
  if (ec) {
    errs() << "fa-compile: error: cannot write '" << outputFile << "': " << ec.message()
           << "\n";
    return 1;
  }

  if (emit == Emit::AST) {
    if (mlir::failed(fa::dumpTileAST(srcMgr, out->os(), options)))
      return 1;
    out->keep();
    return 0;
  }

  mlir::DialectRegistry registry;
  fa::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      fa::compileTileSource(srcMgr, context, options);
  if (!module)
    return 1;
  module->print(out->os());
  out->keep();
  return 0;
}
