//===- Passes.h - `tilegpu` passes ------------------------------*- C++ -*-===//
#ifndef FA_DIALECT_TILEGPU_TRANSFORMS_PASSES_H
#define FA_DIALECT_TILEGPU_TRANSFORMS_PASSES_H

#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace fa::tilegpu {
#define GEN_PASS_DECL
#include "fa/Dialect/TileGPU/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "fa/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace fa::tilegpu

#endif // FA_DIALECT_TILEGPU_TRANSFORMS_PASSES_H
