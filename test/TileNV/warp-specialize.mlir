// RUN: fa-opt %s -split-input-file -tilegpu-pipeline-lower-loads -tilegpu-pipeline-expand -tilegpu-allocate-shared-memory -tilegpu-warp-specialize -verify-diagnostics | FileCheck %s

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#m3 = #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 64, 16]>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
!g = memref<?x?x?xbf16, strided<[?, ?, 1]>>

// A loop whose K blocks come by TMA with the consumer release: the body
// becomes `if producer { ... } else { ... }`. The producer (threads 128 and
// up: 4 consumer warps) gives registers back, keeps the CTA-wide barriers
// around the mbarriers' initialization and invalidation, and a loop without
// iteration arguments that waits for the slot's release, expects its bytes
// and copies; no dot, no full-barrier wait, no arrival. The consumers take
// registers, initialize the barriers, wait for the slots, compute, release
// them, and issue no copy.
// CHECK-LABEL: tile.kernel @ws
// CHECK: attributes {tilegpu.producer_warps = 4 : i32
// CHECK: %[[P:.*]] = tilenv.producer_warpgroup consumers 128
// CHECK-NEXT: scf.if %[[P]] {
// CHECK-NEXT: tilenv.setmaxnreg 24 increase = false
// CHECK-NOT: tilegpu.dot_async
// The copying thread's role initializes and invalidates the mbarriers.
// CHECK: tilenv.mbarrier_init %{{.*}} count 1
// CHECK: tilenv.mbarrier_init %{{.*}} count 128
// CHECK-NEXT: tilegpu.barrier {tilegpu.all_threads}
// CHECK: tilenv.mbarrier_wait {{.*}} elected
// CHECK-NEXT: tilenv.mbarrier_expect
// CHECK: tilenv.tma_load
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NOT: tilegpu.dot_async
// CHECK-NOT: tilenv.mbarrier_arrive
// CHECK: tilenv.mbarrier_wait {{.*}} elected
// CHECK-NEXT: tilenv.mbarrier_expect
// CHECK: tilenv.tma_load
// CHECK-NOT: tilegpu.dot_async
// CHECK: tilegpu.barrier {tilegpu.all_threads}
// CHECK-NEXT: tilenv.mbarrier_inval
// CHECK-NEXT: tilenv.mbarrier_inval
// CHECK-NEXT: tilegpu.barrier {tilegpu.all_threads}
// CHECK-NEXT: } else {
// CHECK-NEXT: tilenv.setmaxnreg 240 increase = true
// CHECK-NOT: tilenv.tma_load
// CHECK-NOT: elected
// CHECK-NOT: tilenv.mbarrier_init
// The consumers keep the initialization's generic-to-async proxy fence.
// CHECK: tilegpu.fence_async_shared
// CHECK: tilegpu.barrier {tilegpu.all_threads}
// CHECK: scf.for {{.*}} iter_args
// CHECK: tilenv.mbarrier_wait
// CHECK: tilegpu.dot_async
// CHECK: tilenv.mbarrier_arrive
// CHECK: tilegpu.barrier {tilegpu.all_threads}
// CHECK-NEXT: tilegpu.barrier {tilegpu.all_threads}
// CHECK-NOT: tilenv.mbarrier_inval
// CHECK-NOT: tilenv.tma_load
// CHECK: return
module attributes {tilegpu.target = #tilegpu.target<"sm_90a", warps = 4, threads_per_warp = 32>} {
tile.kernel @ws(%k: !g {tile.dims = ["H", "N", 64]}, %h: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  %z = arith.constant dense<0.0> : tensor<64x64xf32, #m3>
  %r = scf.for %i = %c0 to %c512 step %c64 iter_args(%acc = %z) -> (tensor<64x64xf32, #m3>) {
    %kk = tile.load %k[%h, %i, %c0] dims [1, 2] {tilegpu.latency = 1 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %ks = tilegpu.local_alloc %kk {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %ka = tilegpu.local_load %ks {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #tilegpu.dot_op<opIdx = 0, parent = #m3>>
    %kb = tilegpu.local_load %ks {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #tilegpu.dot_op<opIdx = 1, parent = #m3>>
    %d = tilegpu.dot_async %ka, %kb, %acc {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x64xbf16, #tilegpu.dot_op<opIdx = 0, parent = #m3>>, tensor<64x64xbf16, #tilegpu.dot_op<opIdx = 1, parent = #m3>> -> tensor<64x64xf32, #m3>
    %w = tilegpu.dot_wait %d {pendings = 0 : i32, tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x64xf32, #m3> -> tensor<64x64xf32, #m3>
    scf.yield %w : tensor<64x64xf32, #m3>
  } {tilegpu.num_stages = 2 : i32}
  tile.return
}
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
!g = memref<?x?xbf16, strided<[?, 1]>>

// Nothing copied with TMA: left alone, with a remark.
// CHECK-LABEL: tile.kernel @plain
// CHECK-NOT: producer_warp
// CHECK-NOT: setmaxnreg
module attributes {tilegpu.target = #tilegpu.target<"sm_90a", warps = 4, threads_per_warp = 32>} {
// expected-remark @below {{not warp-specialized: it has no TMA copies}}
tile.kernel @plain(%x: !g {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %t = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
  tile.store %t, %x[%c0, %c0] : tensor<64x64xbf16, #b>, !g
  tile.return
}
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#m3 = #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 64, 16]>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
!g = memref<?x?x?xbf16, strided<[?, ?, 1]>>

// Three programs per multiprocessor (min-programs-per-sm) share its 65536
// registers: the consumers take what the producer leaves of a third,
// (21845 - 128 * 24) / 128 rounded down to 8 = 144, not 240.
// CHECK-LABEL: tile.kernel @ws3
// CHECK: tilenv.setmaxnreg 24 increase = false
// CHECK: tilenv.setmaxnreg 144 increase = true
module attributes {tilegpu.target = #tilegpu.target<"sm_90a", warps = 4, threads_per_warp = 32>} {
tile.kernel @ws3(%k: !g {tile.dims = ["H", "N", 64]}, %h: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} attributes {tilegpu.min_programs_per_sm = 3 : i32} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  %z = arith.constant dense<0.0> : tensor<64x64xf32, #m3>
  %r = scf.for %i = %c0 to %c512 step %c64 iter_args(%acc = %z) -> (tensor<64x64xf32, #m3>) {
    %kk = tile.load %k[%h, %i, %c0] dims [1, 2] {tilegpu.latency = 1 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %ks = tilegpu.local_alloc %kk {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %ka = tilegpu.local_load %ks {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #tilegpu.dot_op<opIdx = 0, parent = #m3>>
    %kb = tilegpu.local_load %ks {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #tilegpu.dot_op<opIdx = 1, parent = #m3>>
    %d = tilegpu.dot_async %ka, %kb, %acc {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x64xbf16, #tilegpu.dot_op<opIdx = 0, parent = #m3>>, tensor<64x64xbf16, #tilegpu.dot_op<opIdx = 1, parent = #m3>> -> tensor<64x64xf32, #m3>
    %w = tilegpu.dot_wait %d {pendings = 0 : i32, tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x64xf32, #m3> -> tensor<64x64xf32, #m3>
    scf.yield %w : tensor<64x64xf32, #m3>
  } {tilegpu.num_stages = 2 : i32}
  tile.return
}
}

