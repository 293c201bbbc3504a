//===- IRGen.h - `tile` IR from checked kernels ----------------*- C++ -*-===//
#ifndef FA_LIB_FRONTEND_IRGEN_H
#define FA_LIB_FRONTEND_IRGEN_H

#include "Sema.h"

#include "mlir/IR/BuiltinOps.h"

namespace fa::frontend {

/// Appends a `tile.kernel` for `kernel` (already accepted by Sema) to the end
/// of `module`'s body. Follows docs/ir-conventions.md.
void generateKernel(CheckedKernel &kernel, mlir::ModuleOp module,
                    llvm::SourceMgr &srcMgr);

} // namespace fa::frontend

#endif // FA_LIB_FRONTEND_IRGEN_H
