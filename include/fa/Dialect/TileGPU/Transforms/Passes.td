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
    rejected here, with the dot's location. Sets the module's
    `#tilegpu.target` (target, warps, threads per warp), which every later
    pass reads.
  }];
  let options = [
    Option<"numWarps", "num-warps", "unsigned", "4", "warps per CTA">,
    Option<"target", "target", "std::string", "\"\"",
           "GPU target, a registered TargetInfo name (default: the module's "
           "#tilegpu.target)">,
    Option<"mma", "mma", "std::string", "\"auto\"",
           "matrix-instruction family for tile.dot: auto (the target's "
           "default) or one the target names">,
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
    with the vendor's matrix loads for MMA operands).
  }];
}

def TileGPUPipelineSchedule
    : Pass<"tilegpu-pipeline-schedule", "mlir::ModuleOp"> {
  let summary = "choose the loop loads to prefetch `num-stages - 1` iterations ahead";
  let description = [{
    In each `scf.for` of a kernel, a `tile.load` that only feeds a
    shared-memory buffer (directly or through a transpose), whose offsets are
    the induction variable or loop-invariant, whose padding is zero and whose
    rows are 16-byte vectors, is put in stage 0 (`tilegpu.pipeline_stage`),
    and the loop gets `tilegpu.num_stages`. Everything else stays in the last
    stage. With `num-stages` below 2 nothing is marked.
  }];
  let options = [
    Option<"numStages", "num-stages", "unsigned", "1",
           "pipeline depth (buffers per prefetched load)">,
  ];
}

def TileGPUPipelineExpand
    : Pass<"tilegpu-pipeline-expand", "mlir::ModuleOp"> {
  let summary = "rewrite scheduled loops into multi-buffered asynchronous-copy pipelines";
  let description = [{
    For a loop with `tilegpu.num_stages = S`, each stage-0 load gets a ring
    of S shared buffers. A prologue starts the copies of the first S - 1
    iterations; each iteration waits for its own copy (at most S - 2 groups
    left in flight, then an explicit `tilegpu.barrier`), starts the copy for iteration
    i + S - 1 into the slot the previous iteration freed, and reads its slot
    where the buffer was read before. After the loop all copies are drained.
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
