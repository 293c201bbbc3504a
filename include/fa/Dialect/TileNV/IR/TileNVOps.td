#ifndef FA_TILENV_OPS
#define FA_TILENV_OPS

include "fa/Dialect/TileNV/IR/TileNVAttrs.td"
include "fa/Dialect/TileGPU/IR/TileGPUTypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class TileNV_Op<string mnemonic, list<Trait> traits = []>
    : Op<TileNV_Dialect, mnemonic, traits>;

// The Hopper copy protocol (CopyEngine::Tma): bulk tensor copies issued by
// one thread complete on mbarriers, one per ring slot. `barriers` is a
// ring (`tilegpu.alloc_ring`) of Nx1xi64, one mbarrier per slot; `index`
// picks one.

def TileNV_MBarrierInitOp : TileNV_Op<"mbarrier_init"> {
  let summary = "initialize every mbarrier of a buffer (one thread)";
  let description = [{
    One thread initializes each mbarrier with arrival count `count` and
    fences the initialization and earlier generic-proxy writes to shared
    memory against the asynchronous proxy. A `tilegpu.barrier` must follow
    before other threads use the barriers.
  }];
  let arguments = (ins Arg<TileGPU_SharedBuffer, "", [MemWrite]>:$barriers,
                       I32Attr:$count);
  let assemblyFormat = [{
    $barriers `count` $count attr-dict `:` qualified(type($barriers))
  }];
  let hasVerifier = 1;
}

def TileNV_MBarrierExpectOp : TileNV_Op<"mbarrier_expect"> {
  let summary = "arrive on an mbarrier expecting `bytes` of copies (one thread)";
  let description = [{
    `mbarrier.arrive.expect_tx` by one thread: the barrier's current phase
    completes when the copies that signal it have written `bytes` bytes.
  }];
  let arguments = (ins Arg<TileGPU_SharedBuffer, "", [MemRead, MemWrite]>:$barriers,
                       Index:$index, I32Attr:$bytes);
  let assemblyFormat = [{
    $barriers `[` $index `]` `,` $bytes attr-dict `:` qualified(type($barriers))
  }];
  let hasVerifier = 1;
}

def TileNV_MBarrierWaitOp : TileNV_Op<"mbarrier_wait"> {
  let summary = "wait until an mbarrier phase of parity `phase` completed";
  let description = [{
    Every thread waits, or with `elected` only the thread that issues the
    copies (the one `mbarrier_expect` and `tma_load` run in): the producer
    waiting for a ring slot's consumers to release it.
  }];
  // MemWrite too: a wait orders memory like a barrier and must never be
  // removed as a mere read whose result nobody uses.
  let arguments = (ins Arg<TileGPU_SharedBuffer, "", [MemRead, MemWrite]>:$barriers,
                       Index:$index, Index:$phase, UnitAttr:$elected);
  let assemblyFormat = [{
    $barriers `[` $index `]` `,` $phase (`elected` $elected^)? attr-dict `:` qualified(type($barriers))
  }];
  let hasVerifier = 1;
}

def TileNV_MBarrierArriveOp : TileNV_Op<"mbarrier_arrive"> {
  let summary = "every thread arrives on an mbarrier (consumer release)";
  let description = [{
    Each thread of the CTA arrives once on mbarrier `index`: initialized
    with one arrival per thread, its phase completes when every thread has
    finished reading the ring slot it guards (a consumer release; the
    thread issuing the slot's next copies waits on it with `elected`).
  }];
  let arguments = (ins Arg<TileGPU_SharedBuffer, "", [MemRead, MemWrite]>:$barriers,
                       Index:$index);
  let assemblyFormat = [{
    $barriers `[` $index `]` attr-dict `:` qualified(type($barriers))
  }];
  let hasVerifier = 1;
}

def TileNV_MBarrierInvalOp : TileNV_Op<"mbarrier_inval"> {
  let summary = "invalidate every mbarrier of a buffer (one thread)";
  let description = [{
    Lets the buffer's memory be reused. A `tilegpu.barrier` must separate
    it from the last wait and from the next use of the memory.
  }];
  let arguments = (ins Arg<TileGPU_SharedBuffer, "", [MemWrite]>:$barriers);
  let assemblyFormat = "$barriers attr-dict `:` qualified(type($barriers))";
  let hasVerifier = 1;
}

def TileNV_TmaLoadOp : TileNV_Op<"tma_load"> {
  let summary = "bulk tensor copy of a block of a global tensor into shared memory (one thread)";
  let description = [{
    `cp.async.bulk.tensor` through the tensor map of kernel argument `base`
    (a by-value descriptor parameter, `tilegpu.descriptor`), addressed like
    `tile.load` (`offsets`, `dims`), into `dst`: one box per 64-element
    panel of 128-byte-swizzled rows. Out-of-bounds elements are zero. The
    copy signals mbarrier `index` of `barriers` with the bytes it wrote.
  }];
  let arguments = (ins Arg<AnyStridedMemRef, "", [MemRead]>:$base,
                       Variadic<Index>:$offsets,
                       DenseI64ArrayAttr:$dims,
                       Arg<TileGPU_SharedBuffer, "", [MemWrite]>:$dst,
                       Arg<TileGPU_SharedBuffer, "", [MemRead, MemWrite]>:$barriers,
                       Index:$index);
  let assemblyFormat = [{
    $base `[` $offsets `]` `dims` $dims `into` $dst `,` $barriers `[` $index `]`
    attr-dict `:` type($base) `,` qualified(type($dst)) `,` qualified(type($barriers))
  }];
  let hasVerifier = 1;
}

// Warp specialization (tilegpu-warp-specialize): a producer warpgroup that
// only issues the copies, consumer warpgroups that compute.

def TileNV_ProducerWarpgroupOp : TileNV_Op<"producer_warpgroup", [Pure]> {
  let summary = "whether this thread is in the producer warpgroup";
  let description = [{
    True for threads `consumers` and above: the warpgroup launched after the
    `consumers` threads the kernel's layouts use.
  }];
  let arguments = (ins I32Attr:$consumers);
  let results = (outs I1:$result);
  let assemblyFormat = "`consumers` $consumers attr-dict";
}

def TileNV_SetMaxNRegOp : TileNV_Op<"setmaxnreg"> {
  let summary = "change the warpgroup's register allocation";
  let description = [{
    `setmaxnreg.{inc,dec}.sync.aligned.u32 count`, run by every thread of
    a warpgroup: the producer gives registers back, the consumers take
    them. `count` is a multiple of 8 in [24, 256].
  }];
  let arguments = (ins I32Attr:$count, BoolAttr:$increase);
  let assemblyFormat = "$count `increase` `=` $increase attr-dict";
  let hasVerifier = 1;
}

// Pingpong (tilegpu-pingpong): named barriers between the consumer
// warpgroups of a warp-specialized kernel. Consumer warpgroup g (threads
// 128 g .. 128 g + 127) uses `ids[g]`; -1 leaves that warpgroup out.
// Ids 0 (every thread) and 1 (the consumers' own barrier) are taken.

def TileNV_NamedBarrierSyncOp : TileNV_Op<"named_barrier_sync"> {
  let summary = "each consumer warpgroup waits on its named barrier";
  let description = [{
    `bar.sync ids[g], threads` in consumer warpgroup g: it arrives and waits
    until `threads` threads in all have arrived (its own and another
    warpgroup's `tilenv.named_barrier_arrive`).
  }];
  let arguments = (ins DenseI32ArrayAttr:$ids, I32Attr:$threads);
  let assemblyFormat = "$ids `threads` $threads attr-dict";
  let hasVerifier = 1;
}

def TileNV_NamedBarrierArriveOp : TileNV_Op<"named_barrier_arrive"> {
  let summary = "each consumer warpgroup arrives at a named barrier";
  let description = [{
    `bar.arrive ids[g], threads` in consumer warpgroup g: it signals its
    arrival and goes on without waiting.
  }];
  let arguments = (ins DenseI32ArrayAttr:$ids, I32Attr:$threads);
  let assemblyFormat = "$ids `threads` $threads attr-dict";
  let hasVerifier = 1;
}

#endif // FA_TILENV_OPS
