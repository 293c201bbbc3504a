#ifndef FA_TILEGPU_PASSES
#define FA_TILEGPU_PASSES

include "mlir/Pass/PassBase.td"

def TileGPUFoldDotAccumulate
    : Pass<"tilegpu-fold-dot-accumulate", "mlir::ModuleOp"> {
  let summary = "accumulate into the dot: x + dot(a, b, 0) -> dot(a, b, x)";
  let description = [{
    MMA instructions add into their accumulator for free; a separate
    addition of a dot with a zero accumulator costs a second set of
    accumulator registers. Runs on `tile` IR before layouts are assigned.
  }];
}

def TileGPUAssignLayouts : Pass<"tilegpu-assign-layouts", "mlir::ModuleOp"> {
  let summary = "give every tile of a `tile` kernel a GPU register layout";
  let description = [{
    Loads get coalesced blocked layouts, dots MMA accumulator layouts and
    operand layouts, reductions slices of their operand's layout. Layouts
    flow forward through element-wise ops, broadcasts, transposes and loop
    arguments (the stronger layout wins), and splats, constants and iotas
    take the layout their users want. Where a use needs another layout a
    `tilegpu.convert_layout` is inserted. Dots the target cannot execute are
    rejected here, with the dot's location.
  }];
  let options = [
    Option<"numWarps", "num-warps", "unsigned", "4", "warps per CTA">,
    Option<"target", "target", "std::string", "\"sm_80\"",
           "GPU target (sm_80, sm_90a)">,
  ];
  let dependentDialects = ["::fa::tilegpu::TileGPUDialect"];
}

def TileGPURemoveLayoutConversions
    : Pass<"tilegpu-remove-layout-conversions", "mlir::ModuleOp"> {
  let summary = "fold conversions that are not needed";
  let description = [{
    Removes identity conversions and chains of conversions, and gives
    splats, splat constants and iotas the layout their converting user
    wants instead of converting them.
  }];
}

def TileGPUDecomposeConversions
    : Pass<"tilegpu-decompose-conversions", "mlir::ModuleOp"> {
  let summary = "route data-moving layout conversions through shared memory";
  let description = [{
    A conversion that only renames registers stays. Every other conversion
    becomes `tilegpu.local_alloc` (registers to a swizzled shared buffer)
    and `tilegpu.local_load` (shared buffer to registers in the new layout,
    with ldmatrix for MMA operands).
  }];
}

def TileGPUAllocateSharedMemory
    : Pass<"tilegpu-allocate-shared-memory", "mlir::ModuleOp"> {
  let summary = "assign shared-memory offsets to buffers";
  let description = [{
    Each `tilegpu.local_alloc` lives from its definition to its last use
    (a buffer used inside a loop lives through the loop). Buffers whose
    lifetimes do not overlap share memory. Sets `offset` on every buffer and
    `tilegpu.shared_bytes` on the kernel.
  }];
}

#endif // FA_TILEGPU_PASSES
