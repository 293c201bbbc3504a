//===- Frontend.h - the `.tile` language front end -------------*- C++ -*-===//
//
// Public entry point of the `.tile` front end: source text in, `tile` IR out.
//
//===----------------------------------------------------------------------===//
#ifndef FA_FRONTEND_FRONTEND_H
#define FA_FRONTEND_FRONTEND_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <memory>
#include <string>

namespace fa {

/// Largest kernel source (`.tile` or `.mlir`) the tools read: 16 MiB.
constexpr uint64_t kMaxSourceBytes = uint64_t(16) << 20;

/// Reads `path` ("-": standard input) into a buffer named after it. Stops
/// with an error past kMaxSourceBytes, so an endless input (`/dev/zero`, a
/// pipe) cannot exhaust memory. The error is the reason alone.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
readSourceFile(llvm::StringRef path);

struct FrontendOptions {
  /// `-D NAME=VALUE` specializations of compile-time parameters.
  llvm::StringMap<std::string> defines;
  /// Only generate this kernel; empty means every kernel in the file.
  std::string kernelName;
  /// Where diagnostics go; null means `llvm::errs()`.
  llvm::raw_ostream *diagnostics = nullptr;
  /// Abort the process when generated IR fails verification (a front-end
  /// bug, not a user error): lets the fuzzer catch gaps in the checks.
  bool abortOnInternalError = false;
};

/// Parses the main buffer of `sourceMgr` as a `.tile` file, checks it and
/// generates a module of `tile.kernel` ops. Every error is reported as
/// `file:line:col: error: ...` with the source line and a caret on
/// `llvm::errs()`; on any error the result is null.
mlir::OwningOpRef<mlir::ModuleOp>
compileTileSource(llvm::SourceMgr &sourceMgr, mlir::MLIRContext &context,
                  const FrontendOptions &options);

/// Parses the main buffer of `sourceMgr` and prints its syntax tree (one node
/// per line, with `@line:col`) to `os`, for `fa-compile --emit=ast`. Syntax
/// errors are reported as for compileTileSource and make it fail.
mlir::LogicalResult dumpTileAST(llvm::SourceMgr &sourceMgr,
                                llvm::raw_ostream &os,
                                const FrontendOptions &options);

} // namespace fa

#endif // FA_FRONTEND_FRONTEND_H
