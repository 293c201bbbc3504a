//===- Passes.h - NVIDIA passes on `tilegpu` IR -----------------*- C++ -*-===//
//
// Kernel scheduling that only NVIDIA's Hopper can run (a producer warpgroup
// for the TMA copies, named-barrier pingpong between the consumers). The
// NVIDIA back end adds them to its pipeline
// (Backend::buildSchedulingPipeline); fa-opt registers them by their
// `tilegpu-` names, after the IR they run on.
//
//===----------------------------------------------------------------------===//
#ifndef FA_DIALECT_TILENV_TRANSFORMS_PASSES_H
#define FA_DIALECT_TILENV_TRANSFORMS_PASSES_H

#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "fa/Dialect/TileNV/IR/TileNVDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace fa::tilenv {
#define GEN_PASS_DECL
#include "fa/Dialect/TileNV/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "fa/Dialect/TileNV/Transforms/Passes.h.inc"
} // namespace fa::tilenv

#endif // FA_DIALECT_TILENV_TRANSFORMS_PASSES_H
