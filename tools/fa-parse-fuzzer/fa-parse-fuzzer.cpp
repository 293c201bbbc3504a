//===- fa-parse-fuzzer.cpp - libFuzzer target for the `.tile` front end ---===//
//
// Feeds arbitrary bytes to the whole front end: lexer, parser, Sema, IRGen and
// the MLIR verifier (and the AST printer). Any crash, sanitizer report, leak
// or hang is a bug; so is IR that fails verification after Sema accepted the
// input (abortOnInternalError turns that into a crash the fuzzer reports).
// Run it with scripts/fuzz.sh.
//
//===----------------------------------------------------------------------===//

#include "fa/Frontend/Frontend.h"
#include "fa/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>

// LLVM's headers poison and unpoison allocator memory when they are compiled
// with ASan, as this target is; the (uninstrumented) LLVM and MLIR libraries
// do not, so the two would disagree on what is poisoned and ASan would report
// false use-after-poison errors. Manual poisoning is therefore off; ASan's
// own checks (heap, stack, globals) are unaffected.
extern "C" const char *__asan_default_options() {
  return "allow_user_poisoning=0";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static mlir::DialectRegistry *registry = [] {
    auto *r = new mlir::DialectRegistry();
    fa::registerAllDialects(*r);
    return r;
  }();
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  llvm::raw_null_ostream null;
  fa::FrontendOptions options;
  options.diagnostics = &null;
  options.abortOnInternalError = true;

  {
    llvm::SourceMgr srcMgr;
    srcMgr.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(text, "fuzz.tile"), llvm::SMLoc());
    std::string ast;
    llvm::raw_string_ostream os(ast);
    // Sema and IRGen are fuzzed through inputs without syntax errors only:
    // a context per input is costly, and most mutated inputs do not parse.
    if (mlir::failed(fa::dumpTileAST(srcMgr, os, options)))
      return 0;
  }
  {
    // A fresh context per input: nothing carries over between inputs.
    mlir::MLIRContext context(*registry,
                              mlir::MLIRContext::Threading::DISABLED);
    llvm::SourceMgr srcMgr;
    srcMgr.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(text, "fuzz.tile"), llvm::SMLoc());
    mlir::OwningOpRef<mlir::ModuleOp> module =
        fa::compileTileSource(srcMgr, context, options);
    if (module) {
      std::string ir;
      llvm::raw_string_ostream os(ir);
      module->print(os);
    }
  }
  return 0;
}
