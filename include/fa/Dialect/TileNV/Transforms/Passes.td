//===- Passes.td - NVIDIA passes on `tilegpu` IR ----------*- tablegen -*-===//
//
// Hopper kernel scheduling after shared-memory allocation, which only the
// NVIDIA back end adds (Backend::buildSchedulingPipeline in NVBackend.cpp):
// the passes create `tilenv` ops. They keep their `tilegpu-` flags: they run
// on `tilegpu` IR, between the generic passes.
//
//===----------------------------------------------------------------------===//
#ifndef FA_TILENV_PASSES
#define FA_TILENV_PASSES

include "mlir/Pass/PassBase.td"

def TileNVWarpSpecialize
    : Pass<"tilegpu-warp-specialize", "mlir::ModuleOp"> {
  let summary = "a producer warpgroup issues the TMA copies, the others compute";
  let description = [{
    For a kernel whose pipelined loops all copy with TMA and release their
    slots through empty mbarriers (no CTA barrier in the loops), after
    shared-memory allocation: one more warpgroup is launched after the
    consumers (`tilegpu.producer_warps` on the kernel) and the body becomes
    `scf.if (tilenv.producer_warpgroup) { producer } else { consumers }`.
    The producer is a clone that keeps only the copies (elected empty-slot
    waits, `mbarrier_expect`, `tma_load`), what computes their operands, the
    loops that hold them (without iteration arguments) and the barriers
    around `mbarrier_init`/`mbarrier_inval`, marked `tilegpu.all_threads`
    (both roles meet there, in the same order). The consumers keep
    everything but the copies; their other barriers synchronize the
    consumer warps only (a named barrier). `tilenv.setmaxnreg` gives the
    producer `producer-registers` and the consumers `consumer-registers`,
    or less when the kernel must share a multiprocessor with other programs
    (`tilegpu.min_programs_per_sm`): what the producer leaves of the
    program's share of the 65536 registers.
    Other kernels are left unchanged with a remark.
  }];
  let options = [
    Option<"producerRegisters", "producer-registers", "unsigned", "24",
           "registers per producer thread (setmaxnreg.dec)">,
    Option<"consumerRegisters", "consumer-registers", "unsigned", "240",
           "registers per consumer thread (setmaxnreg.inc)">,
  ];
  let dependentDialects = ["::fa::tilenv::TileNVDialect",
                           "::mlir::scf::SCFDialect"];
}

def TileNVPingpong : Pass<"tilegpu-pingpong", "mlir::ModuleOp"> {
  let summary = "consumer warpgroups take turns issuing their MMAs";
  let description = [{
    FlashAttention-3's pingpong, after `tilegpu-warp-specialize`: of the
    two consumer warpgroups, one issues its asynchronous dots while the
    other runs its softmax, so that the tensor cores go from one to the
    other. Every group of consecutive `tilegpu.dot_async` ops (no
    `dot_wait`, barrier or region between them; the QKᵀ of an iteration,
    its P·V, or both when issued back to back) becomes a window: consumer
    warpgroup 0 waits on named barrier 2 before it and arrives at 3 after
    it, warpgroup 1 waits on 3 and arrives at 2 (256 threads each). Windows
    thus alternate, warpgroup 0 first: warpgroup 1 arrives at 2 once at
    the start, and warpgroup 0 takes that extra arrival back at the end so
    that no barrier is left half arrived. Both warpgroups must meet the
    same windows the same number of times: every loop and branch around a
    dot must have bounds or a condition computed from scalars alone (the
    same in every thread). Kernels that are not warp-specialized with two
    consumer warpgroups, or whose dots are under other control flow, are
    left unchanged with a remark.
  }];
  let dependentDialects = ["::fa::tilenv::TileNVDialect"];
}

#endif // FA_TILENV_PASSES
