//===- fa-ir-fuzzer.cpp - libFuzzer target for the `tile` IR path ---------===//
//
// Feeds arbitrary bytes to the MLIR parser as `tile` IR (what fa-opt, fa-gpu
// and fa-run read from .mlir files); what parses and verifies goes through
// the tile optimizations, the tile -> tilegpu pipeline (layouts, shared
// memory, pipelining) for every registered target, and the back end's lowering
// to LLVM. Errors are expected; any crash, sanitizer report, leak or hang is a
// bug. The dialects and passes of FlashTile are compiled with the sanitizers
// (see CMakeLists.txt). Run it with scripts/fuzz.sh.
//
//===----------------------------------------------------------------------===//

#include "fa/InitAll.h"
#include "fa/Target/Backend.h"
#include "fa/Target/Compile.h"
#include "fa/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

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
    fa::registerAllBackends();
    auto *r = new mlir::DialectRegistry();
    fa::registerAllDialects(*r);
    r->insert<mlir::arith::ArithDialect, mlir::func::FuncDialect,
              mlir::math::MathDialect, mlir::memref::MemRefDialect,
              mlir::scf::SCFDialect, mlir::tensor::TensorDialect>();
    return r;
  }();
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  // A fresh context per input: nothing carries over between inputs.
  mlir::MLIRContext context(*registry, mlir::MLIRContext::Threading::DISABLED);
  // Errors are the expected outcome for most inputs: drop them.
  mlir::ScopedDiagnosticHandler quiet(
      &context, [](mlir::Diagnostic &) { return mlir::success(); });
  mlir::ParserConfig config(&context);
  // MLIR's lexer stops at the NUL that ends every file buffer; the fuzzer's
  // bytes have none, so parse a terminated copy, as the tools do.
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(text, "fuzz.mlir"), llvm::SMLoc());
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, config);
  if (!module)
    return 0;

  mlir::PassManager opt(&context);
  fa::buildTileOptimizationPipeline(opt);
  if (mlir::failed(opt.run(*module)))
    return 0;

  fa::GPUOptions options;
  // Every registered target (their layouts and MMA paths differ), chosen by
  // the input.
  static const llvm::SmallVector<std::string> targets = fa::getBackendTargets();
  if (targets.empty())
    return 0;
  options.target = targets[size % targets.size()];
  const fa::Backend *backend = fa::lookupBackend(options.target);
  options.numWarps = 4;
  options.numStages = 2;
  mlir::PassManager gpu(&context);
  fa::buildTileToTileGPUPipeline(gpu, options);
  if (mlir::failed(gpu.run(*module)))
    return 0;
  // Then the lowering to LLVM + NVVM (where an out-of-range memref.dim once
  // crashed): what reached tilegpu must lower or fail with an error.
  // As fa::compileKernel does before lowering.
  backend->loadDialects(context);
  mlir::PassManager lower(&context);
  backend->buildLLVMPipeline(lower, options);
  (void)lower.run(*module);
  return 0;
}
