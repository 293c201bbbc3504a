#ifndef FA_TILEGPU_OPS
#define FA_TILEGPU_OPS

include "fa/Dialect/TileGPU/IR/TileGPUDialect.td"
include "fa/Dialect/TileGPU/IR/TileGPUAttrs.td"
include "fa/Dialect/TileGPU/IR/TileGPUTypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def TileGPU_ConvertLayoutOp : TileGPU_Op<"convert_layout", [Pure,
    SameOperandsAndResultShape, SameOperandsAndResultElementType]> {
  let summary = "move a tile's elements to another layout";
  let description = [{
    The only op that changes a layout. It is free when both layouts place the
    same elements in the same threads (a register permutation) and goes
    through shared memory otherwise.

    ```mlir
    %b = tilegpu.convert_layout %a : tensor<64x64xbf16, #blocked> -> tensor<64x64xbf16, #dot_b>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$src);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($result)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def TileGPU_LocalAllocOp : TileGPU_Op<"local_alloc", [
    MemoryEffects<[MemAlloc, MemWrite]>]> {
  let summary = "copy a tile from registers into a new shared-memory buffer";
  let description = [{
    The buffer lives until its last use. `offset` (bytes into the CTA's
    shared memory) is set by `tilegpu-allocate-shared-memory`.
  }];
  let arguments = (ins AnyRankedTensor:$src, OptionalAttr<I64Attr>:$offset);
  let results = (outs TileGPU_SharedBuffer:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` qualified(type($result))";
  let hasVerifier = 1;
}

def TileGPU_LocalStoreOp : TileGPU_Op<"local_store", [
    MemoryEffects<[MemWrite]>]> {
  let summary = "write a tile from registers into an existing shared-memory buffer";
  let description = [{
    Unlike `local_alloc` no buffer is made and no barrier is implied: the
    writer orders it against readers of the buffer with `tilegpu.barrier`
    (the direct copies of the software pipeliner store a prefetched tile
    into a ring slot this way).
  }];
  let arguments = (ins AnyRankedTensor:$src,
                       Arg<TileGPU_SharedBuffer, "", [MemWrite]>:$dst);
  let assemblyFormat = "$src `,` $dst attr-dict `:` type($src) `->` qualified(type($dst))";
  let hasVerifier = 1;
}

def TileGPU_LocalLoadOp : TileGPU_Op<"local_load", [
    MemoryEffects<[MemRead]>]> {
  let summary = "read a shared-memory buffer into registers in a given layout";
  let arguments = (ins TileGPU_SharedBuffer:$src);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$src attr-dict `:` qualified(type($src)) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Asynchronous copies (software pipelining)
//===----------------------------------------------------------------------===//

def TileGPU_AllocRingOp : TileGPU_Op<"alloc_ring", [
    MemoryEffects<[MemAlloc]>]> {
  let summary = "a ring of shared-memory buffers, one per pipeline stage";
  let description = [{
    The leading dimension indexes the slot; `tilegpu.ring_slot` gives one
    slot as a buffer. `offset` is set by `tilegpu-allocate-shared-memory`;
    `align` asks it for a larger byte alignment than the kernel's default
    (a copy engine's, e.g. a swizzle pattern tied to address bits).
  }];
  let arguments = (ins OptionalAttr<I64Attr>:$offset,
                       OptionalAttr<I64Attr>:$align);
  let results = (outs TileGPU_SharedBuffer:$result);
  let assemblyFormat = "attr-dict `:` qualified(type($result))";
  let hasVerifier = 1;
}

def TileGPU_RingSlotOp : TileGPU_Op<"ring_slot", [Pure]> {
  let summary = "slot `index` of a ring of buffers";
  let arguments = (ins TileGPU_SharedBuffer:$ring, Index:$index);
  let results = (outs TileGPU_SharedBuffer:$result);
  let assemblyFormat = [{
    $ring `[` $index `]` attr-dict `:` qualified(type($ring)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def TileGPU_TransViewOp : TileGPU_Op<"trans_view", [Pure]> {
  let summary = "the same 2-D shared buffer seen transposed";
  let arguments = (ins TileGPU_SharedBuffer:$src);
  let results = (outs TileGPU_SharedBuffer:$result);
  let assemblyFormat = "$src attr-dict `:` qualified(type($src)) `->` qualified(type($result))";
  let hasVerifier = 1;
}

def TileGPU_AsyncCopyOp : TileGPU_Op<"async_copy", [
    MemoryEffects<[MemRead, MemWrite]>]> {
  let summary = "start copying a block of a global tensor into shared memory";
  let description = [{
    Addresses the global block like `tile.load` (`offsets`, `dims`); threads
    share the work as `layout` says. Out-of-bounds elements are written as
    zero. The copy completes at a later `tilegpu.async_wait`; the target's
    lowering picks the copy mechanism.
  }];
  let arguments = (ins Arg<AnyStridedMemRef, "", [MemRead]>:$base,
                       Variadic<Index>:$offsets,
                       OptionalAttr<DenseI64ArrayAttr>:$dims,
                       Arg<TileGPU_SharedBuffer, "", [MemWrite]>:$dst,
                       AnyAttr:$layout,
                       OptionalAttr<DenseBoolArrayAttr>:$in_bounds);
  let assemblyFormat = [{
    $base `[` $offsets `]` (`dims` $dims^)? (`in_bounds` $in_bounds^)?
    `into` $dst attr-dict
    `:` type($base) `,` qualified(type($dst))
  }];
}

def TileGPU_AsyncCommitOp : TileGPU_Op<"async_commit"> {
  let summary = "close the group of asynchronous copies started so far";
  let assemblyFormat = "attr-dict";
}

def TileGPU_AsyncWaitOp : TileGPU_Op<"async_wait"> {
  let summary = "wait until at most `pending` copy groups of this thread are in flight";
  let description = [{
    Only the calling thread's copies are waited for; a `tilegpu.barrier`
    after it makes every thread's copies visible to the CTA.
  }];
  let arguments = (ins I32Attr:$pending);
  let assemblyFormat = "$pending attr-dict";
}

def TileGPU_BarrierOp : TileGPU_Op<"barrier"> {
  let summary = "CTA-wide barrier: shared-memory writes before it are visible after it";
  let description = [{
    In a warp-specialized kernel (`tilegpu-warp-specialize`) it spans the
    consumer warps only, unless marked `tilegpu.all_threads`: then every
    warp, producer included, meets it.
  }];
  let assemblyFormat = "attr-dict";
}

def TileGPU_FenceAsyncSharedOp : TileGPU_Op<"fence_async_shared"> {
  let summary = "order this thread's shared-memory writes before asynchronous-proxy accesses";
  let description = [{
    Writes to shared memory through ordinary stores (and per-thread
    asynchronous copies) are made visible to the target's asynchronous
    units (Hopper: the async proxy wgmma reads operands with, bulk copies)
    for this thread's later operations; a `tilegpu.barrier` after it
    extends that to every thread's. `tilegpu-insert-async-fences` places
    these fences between such writes and their asynchronous readers.
  }];
  let assemblyFormat = "attr-dict";
}

//===----------------------------------------------------------------------===//
// Asynchronous matrix multiplies (Hopper wgmma)
//===----------------------------------------------------------------------===//

def TileGPU_DotAsyncOp : TileGPU_Op<"dot_async", [
    AllTypesMatch<["acc", "result"]>]> {
  let summary = "issue `acc + a × b` asynchronously as one commit group";
  let description = [{
    `tile.dot` split in two: this op starts the product (on NVIDIA one
    `wgmma.mma_async` group per warpgroup, committed) and returns a tile
    that is still being written. Its only readers are `tilegpu.dot_wait`
    ops, which return the finished tile. Groups complete in issue order, so
    the number of groups issued after this one and before its wait is the
    wait's `pendings`. `tilegpu-schedule-async-dots` creates these ops;
    its accumulator must be the wgmma layout (`#tilenv.mma` version 3).

    ```mlir
    %s = tilegpu.dot_async %q, %kt, %zero : tensor<128x64xbf16, #a>, tensor<64x64xbf16, #b> -> tensor<128x64xf32, #mma>
    %r = tilegpu.dot_wait %s {pendings = 0 : i32} : tensor<128x64xf32, #mma> -> tensor<128x64xf32, #mma>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$a, AnyRankedTensor:$b,
                       AnyRankedTensor:$acc);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $a `,` $b `,` $acc attr-dict `:` type($a) `,` type($b) `->` type($result)
  }];
  let hasVerifier = 1;
}

def TileGPU_DotWaitOp : TileGPU_Op<"dot_wait"> {
  let summary = "wait until at most `pendings` asynchronous dot groups are in flight";
  let description = [{
    Returns its operands (results of `tilegpu.dot_async`) once they are
    finished: every dot issued before the last `pendings` ones. Later code
    reads the results, never the operands.
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, I32Attr:$pendings);
  let results = (outs Variadic<AnyRankedTensor>:$outputs);
  let assemblyFormat = "$inputs attr-dict `:` type($inputs) `->` type($outputs)";
  let hasVerifier = 1;
  let builders = [OpBuilder<(ins "::mlir::ValueRange":$inputs,
                                 "int32_t":$pendings), [{
    build($_builder, $_state, inputs.getTypes(), inputs,
          $_builder.getI32IntegerAttr(pendings));
  }]>];
}

//===----------------------------------------------------------------------===//
// Asynchronous reductions into global memory (Hopper bulk reductions)
//===----------------------------------------------------------------------===//

def TileGPU_ReduceAsyncOp : TileGPU_Op<"reduce_async", [
    MemoryEffects<[MemRead, MemWrite]>]> {
  let summary = "start adding a shared buffer's rows into a block of a global tensor";
  let description = [{
    Adds the 2-D buffer `src` element-wise (relaxed atomic adds) into the
    block of `base` at `offsets`, addressed like `tile.atomic_add` (`dims`:
    the global dimensions of the buffer's two dimensions; the second must be
    the innermost one, read whole from offset 0). The buffer's rows are
    stored contiguously (order [1, 0], no swizzle; padding after each row
    allowed), so each row is one contiguous range on both sides, which the target's copy engine adds as a
    whole; rows past the tensor's bound along the first dimension are
    dropped. The engine reads `src` asynchronously: writes to it from
    registers need `tilegpu.fence_async_shared` and a barrier before this
    op, and it may be written again only after a `tilegpu.reduce_wait` with
    `read`. The reductions started by one thread form one group.
    `tilegpu-stage-async-reductions` creates these ops from `tile.atomic_add`.

    ```mlir
    tilegpu.reduce_async %buf into %dq[%b, %h, %m0, %c0] dims [2, 3]
        : !tilegpu.smem<64x128xf32, #rows>, memref<?x?x?x128xf32, strided<[?, ?, ?, 1]>>
    ```
  }];
  let arguments = (ins Arg<TileGPU_SharedBuffer, "", [MemRead]>:$src,
                       Arg<AnyStridedMemRef, "", [MemRead, MemWrite]>:$base,
                       Variadic<Index>:$offsets,
                       OptionalAttr<DenseI64ArrayAttr>:$dims);
  let assemblyFormat = [{
    $src `into` $base `[` $offsets `]` (`dims` $dims^)? attr-dict
    `:` qualified(type($src)) `,` type($base)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Global dimension of each buffer dimension.
    ::llvm::SmallVector<int64_t> getTileDims();
  }];
}

def TileGPU_ReduceWaitOp : TileGPU_Op<"reduce_wait"> {
  let summary = "wait until at most `pendings` reduction groups of this thread are in flight";
  let description = [{
    Waits for this thread's `tilegpu.reduce_async` groups but the last
    `pendings`: with `read`, until they have read their source buffers
    (which may then be written again), otherwise until their additions are
    done. `buffer` is the buffer (or ring) those reductions read; it stays
    allocated until this op. A barrier after it extends the wait to the CTA.
  }];
  let arguments = (ins TileGPU_SharedBuffer:$buffer, I32Attr:$pendings,
                       UnitAttr:$read);
  let assemblyFormat = "$buffer attr-dict `:` qualified(type($buffer))";
  let hasVerifier = 1;
}

#endif // FA_TILEGPU_OPS
