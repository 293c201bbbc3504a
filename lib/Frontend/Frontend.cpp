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
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"

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
  llvm::StringMap<FnDecl *> fns;
  for (auto &f : module->fns) {
    if (lookupBuiltin(f->name) != Builtin::None) {
      diag.error(f->loc, "'" + f->name + "' is the name of a builtin function");
      continue;
    }
    auto [it, inserted] = fns.try_emplace(f->name, f.get());
    if (!inserted) {
      diag.error(f->loc, "redefinition of function '" + f->name + "'");
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
  // The module has no place in the source: errors about it as a whole (an
  // unknown target, ptxas) carry no location rather than a made-up 1:1.
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::ModuleOp::create(mlir::UnknownLoc::get(&context));

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
        checkKernel(*k, ast->fns, options.defines, usedDefines, diag);
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

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
fa::readSourceFile(llvm::StringRef path) {
  namespace fs = llvm::sys::fs;
  bool isStdin = path == "-";
  auto fail = [&](const llvm::Twine &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), why);
  };
  fs::file_t file = fs::getStdinHandle();
  if (!isStdin) {
    llvm::Expected<fs::file_t> opened = fs::openNativeFileForRead(path);
    if (!opened)
      return fail(llvm::toString(opened.takeError()));
    file = *opened;
  }
  auto close = llvm::make_scope_exit([&] {
    if (!isStdin)
      fs::closeFile(file);
  });
  // Read in chunks up to one byte past the limit: the size of a special file
  // (a device, a pipe) says nothing about how much it yields.
  llvm::SmallString<0> text;
  constexpr size_t chunk = 1 << 16;
  while (text.size() <= kMaxSourceBytes) {
    size_t old = text.size();
    text.resize_for_overwrite(old + chunk);
    llvm::Expected<size_t> n = fs::readNativeFile(
        file, llvm::MutableArrayRef(text.data() + old, chunk));
    if (!n)
      return fail(llvm::toString(n.takeError()));
    text.truncate(old + *n);
    if (*n == 0)
      break;
  }
  if (text.size() > kMaxSourceBytes)
    return fail("larger than " + llvm::Twine(kMaxSourceBytes >> 20) +
                " MiB, the most a kernel source may be");
  return llvm::MemoryBuffer::getMemBufferCopy(text, isStdin ? "<stdin>" : path);
}
