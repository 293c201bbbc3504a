//===- HostRunner.h - run tile kernels on the CPU --------------*- C++ -*-===//
//
// Compiles a `tile.kernel` through the host lowering (tile-to-host pipeline)
// and runs it in-process with MLIR's ExecutionEngine on caller-owned
// buffers. The grid runs as loops over program ids, on the calling thread.
//
//   auto kernel = fa::HostKernel::compile(module, "flash_fwd");
//   if (!kernel) ... llvm::toString(kernel.takeError()) ...
//   std::vector<fa::HostArg> args = {fa::HostArg::buffer(q, {B, H, N, D}), ...,
//                                    fa::HostArg::f32(scale)};
//   if (llvm::Error e = (*kernel)->run(args)) ...
//
//===----------------------------------------------------------------------===//
#ifndef FA_RUNTIME_HOSTRUNNER_H
#define FA_RUNTIME_HOSTRUNNER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Types.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace fa {

/// One dimension of a global tensor argument as declared by `tile.dims`:
/// either a symbolic size (`symbol` set) or a size fixed at compile time.
struct HostDim {
  std::string symbol;
  int64_t size = -1;
};

/// What a kernel argument is, read from the kernel signature.
struct HostArgInfo {
  /// `tile.name`, or `arg<i>` when absent.
  std::string name;
  /// A global tensor (memref) or a scalar.
  bool isBuffer = false;
  /// Element type of the buffer, or the scalar's type.
  mlir::Type elementType;
  unsigned rank = 0;
  /// From `tile.dims`; empty when the argument has none.
  llvm::SmallVector<HostDim, 4> dims;
};

/// A value bound to a kernel argument.
struct HostArg {
  bool isBuffer = false;
  void *data = nullptr;
  llvm::SmallVector<int64_t, 4> sizes, strides;
  double floatValue = 0;
  int64_t intValue = 0;

  /// A buffer with the given sizes; row-major strides unless given.
  static HostArg buffer(void *data, llvm::ArrayRef<int64_t> sizes,
                        llvm::ArrayRef<int64_t> strides = {});
  static HostArg scalarFloat(double v);
  static HostArg scalarInt(int64_t v);
};

class HostKernel {
public:
  ~HostKernel();

  /// Lowers kernel `kernelName` of `module` (the only kernel when empty) to
  /// host code and JIT-compiles it at LLVM optimization level `optLevel`.
  /// `module` is not modified. Its context must have the dialects of
  /// `fa::registerTileToHostDialects` registered. Errors carry the
  /// diagnostics of the failing step.
  static llvm::Expected<std::unique_ptr<HostKernel>>
  compile(mlir::ModuleOp module, llvm::StringRef kernelName = "",
          unsigned optLevel = 3);

  llvm::StringRef getName() const { return name; }
  llvm::ArrayRef<HostArgInfo> getArgs() const { return args; }
  /// The kernel's `params` (compile-time parameters), possibly null.
  mlir::DictionaryAttr getParams() const { return params; }

  /// Checks `values` against the signature (count, kind, rank, unit
  /// innermost stride, `tile.dims`: fixed sizes and equal symbolic sizes),
  /// evaluates the grid (at most kMaxPrograms programs) and runs it. Returns an
  /// error naming the offending argument.
  llvm::Error run(llvm::ArrayRef<HostArg> values);

  /// Most programs a grid may have on the host (they run one after another,
  /// on the calling thread); run() refuses larger grids before running any.
  static constexpr int64_t kMaxPrograms = int64_t(1) << 24;

  /// Only the checks of `run`.
  llvm::Error check(llvm::ArrayRef<HostArg> values) const;

private:
  HostKernel() = default;
  std::string name;
  llvm::SmallVector<HostArgInfo> args;
  mlir::DictionaryAttr params;
  std::unique_ptr<mlir::ExecutionEngine> engine;
};

} // namespace fa

#endif // FA_RUNTIME_HOSTRUNNER_H
