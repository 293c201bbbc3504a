// RUN: fa-opt %s -tilegpu-pipeline-expand | FileCheck %s

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#bt = #tilegpu.blocked<sizePerThread = [8, 1], threadsPerWarp = [8, 4], warpsPerCTA = [1, 4], order = [0, 1]>
#m = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>
#bb = #tilegpu.dot_op<opIdx = 1, parent = #m>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
#st = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]>
!g = memref<?x?xbf16, strided<[?, 1]>>

// CHECK-LABEL: tile.kernel @expand
// A ring of 3 buffers per prefetched load, in the load's own frame.
// CHECK: %[[KR:.*]] = tilegpu.alloc_ring : !tilegpu.smem<3x64x64xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [2, 1, 0]>>
// CHECK: %[[VR:.*]] = tilegpu.alloc_ring : !tilegpu.smem<3x64x64xbf16
// Prologue: iterations 0 and 1, one commit group each.
// CHECK: %[[S0:.*]] = tilegpu.ring_slot %[[KR]][%[[C0:.*]]]
// CHECK: tilegpu.async_copy %{{.*}}[%{{.*}}, %{{.*}}] into %[[S0]] {layout = #tilegpu.blocked<sizePerThread = [1, 8]
// CHECK: tilegpu.async_copy
// CHECK: tilegpu.async_commit
// CHECK: tilegpu.async_copy
// CHECK: tilegpu.async_copy
// CHECK: tilegpu.async_commit
// CHECK: scf.for %[[IV:.*]] = %[[LB:.*]] to
// Wait for this iteration's group (one may stay in flight), refill the
// slot freed by the previous iteration, read this iteration's slot.
// CHECK: %[[REL:.*]] = arith.divsi
// CHECK: %[[SLOT:.*]] = arith.remsi %[[REL]]
// The wait covers this thread's copies; the explicit barrier after it makes
// every thread's copies visible.
// CHECK: tilegpu.async_wait 1
// CHECK-NEXT: tilegpu.barrier
// CHECK: tilegpu.async_copy
// CHECK: tilegpu.async_copy
// CHECK: tilegpu.async_commit
// CHECK: %[[KS:.*]] = tilegpu.ring_slot %[[KR]][%[[SLOT]]]
// CHECK: %[[KT:.*]] = tilegpu.trans_view %[[KS]] : {{.*}} -> !tilegpu.smem<64x64xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]>>
// CHECK: tilegpu.local_load %[[KT]]
// CHECK: %[[VS:.*]] = tilegpu.ring_slot %[[VR]][%[[SLOT]]]
// CHECK: tilegpu.local_load %[[VS]]
// CHECK-NOT: tile.load
// CHECK: }
// CHECK-NEXT: tilegpu.async_wait 0
// CHECK-NEXT: tilegpu.barrier
tile.kernel @expand(%x: !g {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  scf.for %i = %c0 to %c512 step %c64 {
    %k = tile.load %x[%i, %c0] {tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %kt = tile.trans %k : tensor<64x64xbf16, #b> -> tensor<64x64xbf16, #bt>
    %ks = tilegpu.local_alloc %kt : tensor<64x64xbf16, #bt> -> !tilegpu.smem<64x64xbf16, #st>
    %kb = tilegpu.local_load %ks : !tilegpu.smem<64x64xbf16, #st> -> tensor<64x64xbf16, #bb>
    %v = tile.load %x[%i, %c0] {tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %vs = tilegpu.local_alloc %v : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %vb = tilegpu.local_load %vs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #bb>
  } {tilegpu.num_stages = 3 : i32}
  tile.return
}

// Loads proven in bounds only inside the loop (in_bounds, from
// tile-bounds-elim) are not copied past its end: each issue, in the
// prologue and in the body, is guarded by iv < ub, and the copy keeps the
// flags. The commit stays unconditional so group counting is unchanged.
// CHECK-LABEL: tile.kernel @guarded
// CHECK: %[[P0:.*]] = arith.cmpi slt, %{{.*}}, %[[UB:.*]] : index
// CHECK-NEXT: scf.if %[[P0]] {
// CHECK: tilegpu.async_copy %{{.*}}[%{{.*}}, %{{.*}}] in_bounds [true, true] into
// CHECK-NEXT: {{^ *}}}
// CHECK-NEXT: tilegpu.async_commit
// CHECK: scf.for
// CHECK: tilegpu.async_wait 0
// CHECK: %[[NEXT:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK: %[[P1:.*]] = arith.cmpi slt, %[[NEXT]], %[[UB]] : index
// CHECK-NEXT: scf.if %[[P1]] {
// CHECK: tilegpu.async_copy %{{.*}}[%[[NEXT]], %{{.*}}] in_bounds [true, true] into
// CHECK-NEXT: {{^ *}}}
// CHECK-NEXT: tilegpu.async_commit
tile.kernel @guarded(%x: !g {tile.dims = ["N", 64]}, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  scf.for %i = %c0 to %ub step %c64 {
    %v = tile.load %x[%i, %c0] in_bounds [true, true] {tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %vs = tilegpu.local_alloc %v : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %vb = tilegpu.local_load %vs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #bb>
  } {tilegpu.num_stages = 2 : i32}
  tile.return
}
