//===- ModuleTarget.h - the module's #tilegpu.target ------------*- C++ -*-===//
//
// The GPU target, warps per CTA and threads per warp of a module live in one
// module attribute, `tilegpu.target = #tilegpu.target<"name", warps = W,
// threads_per_warp = T>`, set by tilegpu-assign-layouts and read by every
// later pass, the lowering and the tools.
//
//===----------------------------------------------------------------------===//
#ifndef FA_DIALECT_TILEGPU_IR_MODULETARGET_H
#define FA_DIALECT_TILEGPU_IR_MODULETARGET_H

#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"

#include "mlir/IR/BuiltinOps.h"

namespace fa::tilegpu {

/// Name of the module attribute holding the #tilegpu.target.
inline constexpr llvm::StringLiteral kTargetAttrName = "tilegpu.target";

/// The target of `op`'s module (or of `op` when it is the module); null when
/// none is set.
TargetAttr getModuleTarget(mlir::Operation *op);

/// Sets the module's target.
void setModuleTarget(mlir::ModuleOp module, TargetAttr target);

} // namespace fa::tilegpu

#endif // FA_DIALECT_TILEGPU_IR_MODULETARGET_H
