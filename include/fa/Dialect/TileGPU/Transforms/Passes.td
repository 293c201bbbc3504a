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

def TileGPUCheckRegisterBudget
    : Pass<"tilegpu-check-register-budget", "mlir::ModuleOp"> {
  let summary = "refuse tiles too large for a thread block's registers";
  let description = [{
    Every tile of a kernel is held in registers, spread over the threads of
    the block (`num-warps` x `threads-per-warp`). A tile larger than the
    register file of a thread block (64K 32-bit registers, 256 KiB, on every
    GPU FlashTile targets) cannot be held at all, and one
    needing more than 1020 registers per thread (four times the 255 a
    thread addresses) would be mostly spilled while the per-element lowering
    makes LLVM run for minutes or out of memory. Both are refused with the
    tile's location before any lowering. Elements count `max(bits, 8)`
    bits. Runs on `tile` IR, first in the GPU pipeline.
  }];
  let options = [
    Option<"numWarps", "num-warps", "unsigned", "4", "warps per CTA">,
    Option<"threadsPerWarp", "threads-per-warp", "unsigned", "32",
           "threads per warp (the target's warp size)">,
  ];
}

def TileGPUSplitF32Dot : Pass<"tilegpu-split-f32-dot", "mlir::ModuleOp"> {
  let summary = "f32 dots as sums of bf16 tensor-core dots";
  let description = [{
    Tensor cores take 16-bit operands. Each f32 operand is split into bf16
    parts (x = x0 + x1, each the rounding of what is left) and the dot into
    the bf16 dots of the parts whose products matter, accumulated in f32:
    three dots keep about 16 bits of each operand (more than tf32's 10);
    `exact=true` uses three parts and six dots for f32 accuracy. Runs on
    `tile` IR before layouts are assigned.
  }];
  let options = [
    Option<"exact", "exact", "bool", "false",
           "three bf16 parts and six dots (f32 accuracy) instead of two and three">,
  ];
}

def TileGPUExpandMath : Pass<"tilegpu-expand-math", "mlir::ModuleOp"> {
  let summary = "math the GPU has no instruction for, as exp2/log2/arith";
  let description = [{
    GPUs execute `exp2`, `log2`, `rsqrt`, `sqrt`, `floor` and `ceil` (f32)
    in hardware; the other math functions of the language are computed from
    them: `tanh` from exp2 (an odd polynomial near 0), `sin`/`cos` by a
    reduction to [-pi/4, pi/4] and minimax polynomials, `erf` by a series
    near 0 and Abramowitz-Stegun 7.1.26 elsewhere, `pow` as
    `exp2(y log2|x|)` with the signs, zeros and integer exponents of C's
    `powf`, integer `abs` by a select. f16 and bf16 math is computed in f32
    and rounded once. f64 math is left alone (the target refuses it with the
    op's location). Runs on `tile` IR, before layouts are assigned.
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

def TileGPUScheduleAsyncDots
    : Pass<"tilegpu-schedule-async-dots", "mlir::ModuleOp"> {
  let summary = "issue asynchronous MMAs early and wait for them late";
  let description = [{
    For dots whose layout runs asynchronously (wgmma, NVIDIA's MMA
    encoding version 3; other dots are left alone):

    0. With `overlap`, in an `scf.for` that writes no memory and computes
       two such dots, the second (P·V) is deferred by one iteration
       (FlashAttention-3's intra-warpgroup overlap without a second S tile
       live): it must accumulate into a loop-carried value (read by
       nothing else but pure arithmetic feeding it, e.g. the rescale by
       alpha) and read a B operand loaded from the induction variable.
       Stage 1 = that product, its accumulator's arithmetic, its B operand's
       loads (at `iv - step`) and the shape ops only they read (broadcasts
       of alpha); stage 0 = the rest. The values stage 1 reads from stage 0
       (P, alpha) are carried one more iteration. Stage 0 of the first
       iteration runs before the loop (its loads without `in_bounds`), the
       loop starts one step later, and stage 1 of the last iteration runs
       after it, in an `scf.if` that returns the loop's initial values when
       it has no iteration (the accumulator's as the loop's result, equal to
       it then: the accumulator keeps one set of registers through the loop
       and the last product). In the body, the accumulator's arithmetic (the
       rescale) runs first, then the first product and the second are
       issued next to each other, and the first is waited for with depth 1
       before the softmax; the second is waited
       for at the end, before the conversions computing the next P (its
       operand registers), by a wait marked `tilegpu.ordered_wait` (the
       NVIDIA lowering fences it so that ptxas does not issue it before the
       softmax). Loops with two such dots of another form get a
       remark and stay as they are; then `prefetch` may apply.
    1. With `prefetch`, in an `scf.for` that writes no memory, the first
       such dot computed from the induction variable and loop invariants
       alone (QKᵀ of a key block) is issued one iteration ahead: its
       operands are rebuilt for `iv + step` where it stood, as a
       `tilegpu.dot_async` waited for at the end of the body, and the loop
       carries the finished tile to the next iteration, whose readers (the
       softmax) run while the next product is computed (FlashAttention-3's
       intra-warpgroup overlap). The dot of the first iteration is computed
       before the loop. Loads of the rebuilt operands lose their `in_bounds`
       flags (iteration `i + 1` may lie past the bound). Only where the
       accumulators of the loop's asynchronous dots plus the carried tile
       take at most `prefetch-register-limit` f32 registers per thread
       (module's warps x threads per warp; flash forward: head dim 128 on 8
       warps with 64-key blocks, 128 registers, is prefetched; head dim 64
       on 4 warps or 256 on 8, 192, is not: ptxas spilled the latter).
    2. Every other such `tile.dot` becomes `tilegpu.dot_async` and a
       `tilegpu.dot_wait` right before its first reader in the block (or the
       block's terminator).
    3. Each wait's `pendings` is the number of `tilegpu.dot_async` issued
       after the ones it waits for and before it; a nested region or a
       synchronous dot in between makes it 0.

    Runs after `tilegpu-decompose-conversions` (operands in shared memory
    are `tilegpu.local_load`s) and before pipelining, which prefetches the
    rebuilt loads like the others.
  }];
  let options = [
    Option<"overlap", "overlap", "bool", "false",
           "defer a loop's second asynchronous dot (P·V) by one iteration">,
    Option<"prefetch", "prefetch", "bool", "true",
           "issue a loop's operand-invariant dot one iteration ahead">,
    Option<"prefetchRegisterLimit", "prefetch-register-limit", "unsigned",
           "160",
           "prefetch only while the loop's asynchronous accumulators, the "
           "carried tile included, take at most this many f32 registers per "
           "thread (0: no limit)">,
  ];
}

def TileGPUPipelineAssignLatencies
    : Pass<"tilegpu-pipeline-assign-latencies", "mlir::ModuleOp"> {
  let summary = "pipelining 1/4: choose the loop loads worth prefetching";
  let description = [{
    In each `scf.for`, a `tile.load` whose offsets are the induction
    variable or loop-invariant and whose every use fills a shared-memory
    buffer (`tilegpu.local_alloc`, directly or through a 2-D `tile.trans`;
    several buffers may read one load) gets `tilegpu.latency = num-stages -
    1`: it is worth issuing that many iterations ahead, since its consumers
    wait on memory, not on registers. Whether the target can copy it
    asynchronously is decided later, by `tilegpu-pipeline-lower-loads`.
    With `num-stages` below 2 nothing is marked.
  }];
  let options = [
    Option<"numStages", "num-stages", "unsigned", "1",
           "pipeline depth (buffers per prefetched load)">,
  ];
}

def TileGPUPipelineSchedule
    : Pass<"tilegpu-pipeline-schedule", "mlir::ModuleOp"> {
  let summary = "pipelining 2/4: stages and clusters for the ops of a loop";
  let description = [{
    In a loop with loads carrying `tilegpu.latency`, the loop gets
    `tilegpu.num_stages = 1 + max latency`; each such load gets stage
    `num_stages - 1 - latency` and cluster 0, every other op of the body the
    last stage and cluster 1 (`tilegpu.pipeline_stage`,
    `tilegpu.pipeline_cluster`). A load whose operands are computed in the
    loop (other than the induction variable) is left unscheduled.
  }];
}

def TileGPUPipelineLowerLoads
    : Pass<"tilegpu-pipeline-lower-loads", "mlir::ModuleOp"> {
  let summary = "pipelining 3/4: scheduled loads become the target's copies";
  let description = [{
    The module's `#tilegpu.target` picks the copy engine. With
    `CopyEngine::CpAsync` (per-thread asynchronous copies), each early-stage load that the target can copy
    (`TargetInfo::canCopyAsync`) gets one ring of `num_stages` shared buffers
    (`tilegpu.alloc_ring`); its buffers (one or several, maybe transposed)
    become `tilegpu.ring_slot` reads of this iteration's slot. The loop body
    starts with `tilegpu.async_wait num_stages - 2` and `tilegpu.barrier`
    (last stage, a new first cluster), then the copies of the load's stage
    into the slot `iteration % num_stages` and one `tilegpu.async_commit`.
    Copies of loads proven in bounds (`in_bounds`) are marked
    `tilegpu.pipeline_guard`. After the loop all copies are drained. Loads
    the target cannot copy return to the last stage; a loop left without
    early loads loses its schedule. With `CopyEngine::Direct` (a target
    whose only engine it is, e.g. AMD's, or `copy-engine=Direct`) the load
    stays a `tile.load` into registers at the top of the body (stage 0); a
    barrier ends the body's reads of shared memory and `tilegpu.local_store`
    writes the tile into slot `iteration % (num_stages - 1)` of a ring of
    `num_stages - 1` buffers, the slot this iteration read; the body starts
    with a barrier. A target without a copy engine for pipelining (or
    `copy-engine=none`) pipelines nothing and says so in a remark.
  }];
  let options = [
    Option<"copyEngine", "copy-engine", "std::string", "\"auto\"",
           "copy engine: auto (the target's best), CpAsync, Direct or none">,
  ];
}

def TileGPUPipelineExpand
    : Pass<"tilegpu-pipeline-expand", "mlir::ModuleOp"> {
  let summary = "pipelining 4/4: rotate scheduled loops by stage";
  let description = [{
    For a loop with `tilegpu.num_stages = S`, iteration `i` of the rotated
    loop runs stage `s` of iteration `i + S - 1 - s`, its ops ordered by
    cluster. A prologue runs stage `s` of iterations `0 .. S - 2 - s`
    (constant-folded). Ops of stages below the last run ahead of the loop's
    end; those marked `tilegpu.pipeline_guard` are guarded by `iv < ub`
    (consecutive ones share one `scf.if`). The induction variable seen by
    stage `s` is `iv + (S - 1 - s) * step`, the iteration number (the op
    marked `tilegpu.pipeline_iteration`) is shifted by `S - 1 - s`. Stages
    communicate through memory: any other value crossing stages is an
    error. The expander knows no copy protocol; the waits, commits and
    barriers are ops placed by `tilegpu-pipeline-lower-loads`.
  }];
}

def TileGPUStageAsyncReductions
    : Pass<"tilegpu-stage-async-reductions", "mlir::ModuleOp"> {
  let summary = "atomic adds of whole rows through shared memory and the copy engine";
  let description = [{
    A `tile.atomic_add` without a mask whose tile covers whole rows of its
    global tensor (the tile's second dimension is the tensor's innermost,
    from offset 0, its size known at compile time) is staged through shared
    memory where the module target reduces such rows asynchronously
    (`TargetInfo::getAsyncReduceRowAlignment`: Hopper's
    `cp.reduce.async.bulk` for f32 rows of 16-byte multiples). Adds of one
    tile type share a one-slot `alloc_ring` of unswizzled rows (padded by
    the row alignment where rows of a multiple of 128 bytes would all start
    in one bank), placed before the outermost op of the kernel body holding
    the first of them. Each add becomes `reduce_wait {read}`, `barrier`,
    `local_store`, `barrier`, `reduce_async`, and a `reduce_wait` (additions
    done) per buffer ends the kernel. Row addresses are assumed aligned like
    vector accesses (a tensor's base aligned, rows contiguous). Other adds,
    other targets and modules without `#tilegpu.target` are left unchanged.
  }];
}

def TileGPUInsertAsyncFences
    : Pass<"tilegpu-insert-async-fences", "mlir::ModuleOp"> {
  let summary = "fence shared-memory writes that asynchronous units read";
  let description = [{
    Hopper's wgmma reads operands from shared memory through the async
    proxy: ordinary stores and per-thread copies into such a buffer must be
    followed by `tilegpu.fence_async_shared` in every writing thread and a
    `tilegpu.barrier` before any thread's read. For each buffer (followed
    through `ring_slot` and `trans_view` to its `local_alloc` or
    `alloc_ring`) that a wgmma operand `local_load` reads, the pass places a
    fence (also for each buffer a `tilegpu.reduce_async` reads)
      - after a `local_alloc` of it, with a barrier after the fence;
      - after a `local_store` into it, before the next `tilegpu.barrier`
        of its block (a barrier is added when there is none);
      - after each `tilegpu.async_wait` of a kernel with an `async_copy`
        into it, before the barrier that follows the wait (added when
        missing).
    Buffers filled by copies that complete on an mbarrier (TMA) need no
    fence: the wait orders them. Kernels with no such reader are left
    unchanged.
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
