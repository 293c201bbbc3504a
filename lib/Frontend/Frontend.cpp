//===- Frontend.cpp - `.tile` source to `tile` IR -------------------------===//

#include "fa/Frontend/Frontend.h"

#include "IRGen.h"
#include "Parser.h"
#include "Sema.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringSet.h"

#include <cstdlib>

using namespace fa::frontend;

namespace {
/// Parses the main buffer; reports duplicate kernel names and a missing
/// `--kernel`. Returns null when nothing usable was parsed.
std::unique_ptr<Module> parseFile(llvm::SourceMgr &srcMgr, DiagEngine &diag,
                                  const fa::FrontendOptions &options) {
  const llvm::MemoryBuffer *buf =
      srcMgr.getMemoryBuffer(srcMgr.getMainFileID());
  Parser parser(buf->getBuffer(), diag);
  std::unique_ptr<Module> module = parser.parseModule();
  llvm::StringMap<KernelDecl *> seen;
  for (auto &k : module->kernels) {
    auto [it, inserted] = seen.try_emplace(k->name, k.get());
    if (!inserted) {
      diag.error(k->loc, "redefinition of kernel '" + k->name + "'");
      diag.note(it->second->loc, "the first definition is here");
    }
  }
  if (module->kernels.empty() && diag.getNumErrors() == 0)
    diag.error(llvm::SMLoc::getFromPointer(buf->getBufferEnd()),
               "no kernel is defined in this file");
  if (!options.kernelName.empty() && !seen.count(options.kernelName) &&
      diag.getNumErrors() == 0) {
    std::string names;
    for (auto &k : module->kernels)
      names += (names.empty() ? "" : ", ") + k->name;
    diag.errorNoLoc("no kernel named '" + options.kernelName +
                    "' (kernels: " + names + ")");
  }
  return module;
}
} // namespace

mlir::LogicalResult fa::dumpTileAST(llvm::SourceMgr &sourceMgr,
                                    llvm::raw_ostream &os,
                                    const FrontendOptions &options) {
  llvm::raw_ostream &diagOS =
      options.diagnostics ? *options.diagnostics : llvm::errs();
  DiagEngine diag(sourceMgr, diagOS);
  std::unique_ptr<Module> module = parseFile(sourceMgr, diag, options);
  if (diag.getNumErrors())
    return mlir::failure();
  dumpAST(*module, os, sourceMgr, options.kernelName);
  return mlir::success();
}

mlir::OwningOpRef<mlir::ModuleOp>
fa::compileTileSource(llvm::SourceMgr &sourceMgr, mlir::MLIRContext &context,
                      const FrontendOptions &options) {
  llvm::raw_ostream &diagOS =
      options.diagnostics ? *options.diagnostics : llvm::errs();
  DiagEngine diag(sourceMgr, diagOS);
  std::unique_ptr<Module> ast = parseFile(sourceMgr, diag, options);

  context.loadDialect<fa::tile::TileDialect, mlir::arith::ArithDialect,
                      mlir::math::MathDialect, mlir::memref::MemRefDialect,
                      mlir::scf::SCFDialect, mlir::tensor::TensorDialect>();
  mlir::OpBuilder builder(&context);
  const llvm::MemoryBuffer *buf =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::ModuleOp::create(
      mlir::FileLineColLoc::get(&context, buf->getBufferIdentifier(), 1, 1));

  llvm::StringSet<> usedDefines;
  bool checkedAll = true;
  for (auto &k : ast->kernels) {
    if (!options.kernelName.empty() && k->name != options.kernelName)
      continue;
    if (k->hasErrors || diag.tooManyErrors()) {
      checkedAll = false;
      continue;
    }
    std::unique_ptr<CheckedKernel> checked =
        checkKernel(*k, options.defines, usedDefines, diag);
    if (checked && diag.getNumErrors() == 0)
      generateKernel(*checked, *module, sourceMgr);
  }
  // A -D that no kernel knows is most likely a typo.
  if (checkedAll)
    for (const auto &d : options.defines)
      if (!usedDefines.contains(d.getKey()))
        diag.errorNoLoc("-D " + d.getKey() +
                        ": no compile-time parameter named '" + d.getKey() +
                        "' in the compiled kernel(s)");
  if (diag.getNumErrors())
    return nullptr;

  // Sema should have caught everything; a verifier failure is our bug.
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context, diagOS);
  if (mlir::failed(mlir::verify(*module))) {
    diagOS << buf->getBufferIdentifier()
           << ": error: internal compiler error: the generated IR does not "
              "verify\n";
    if (options.abortOnInternalError)
      std::abort();
    return nullptr;
  }
  return module;
}
