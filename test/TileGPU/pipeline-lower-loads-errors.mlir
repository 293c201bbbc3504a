// RUN: fa-opt %s -split-input-file -tilegpu-pipeline-lower-loads="copy-engine=none" -verify-diagnostics | FileCheck %s

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
!g = memref<?x?xbf16, strided<[?, 1]>>

// Without an asynchronous copy engine (here: none chosen) nothing is
// pipelined: a remark, and the loop loses its schedule.
// CHECK-LABEL: tile.kernel @no_engine
// CHECK: tile.load
// CHECK-NOT: pipeline_
// CHECK-NOT: num_stages
// CHECK: return
module attributes {tilegpu.target = #tilegpu.target<"sm_80", warps = 4, threads_per_warp = 32>} {
tile.kernel @no_engine(%x: !g {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  // expected-remark @below {{loop not pipelined: copy-engine=none}}
  scf.for %i = %c0 to %c512 step %c64 {
    %v = tile.load %x[%i, %c0] {tilegpu.latency = 1 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %vs = tilegpu.local_alloc %v {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  } {tilegpu.num_stages = 2 : i32}
  tile.return
}
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
!g = memref<?x?xbf16, strided<[?, 1]>>

// The copy engine is the target's: a module without one is an error.
// expected-error @below {{software pipelining needs the module's #tilegpu.target}}
module {
tile.kernel @no_target(%x: !g {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  scf.for %i = %c0 to %c512 step %c64 {
    %v = tile.load %x[%i, %c0] {tilegpu.latency = 1 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %vs = tilegpu.local_alloc %v {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  } {tilegpu.num_stages = 2 : i32}
  tile.return
}
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
!g = memref<?x?xbf16, strided<[?, 1]>>

// expected-error @below {{unknown GPU target 'gfx000'}}
module attributes {tilegpu.target = #tilegpu.target<"gfx000", warps = 4, threads_per_warp = 64>} {
tile.kernel @unknown_target(%x: !g {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  scf.for %i = %c0 to %c512 step %c64 {
    %v = tile.load %x[%i, %c0] {tilegpu.latency = 1 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %vs = tilegpu.local_alloc %v {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  } {tilegpu.num_stages = 2 : i32}
  tile.return
}
}
