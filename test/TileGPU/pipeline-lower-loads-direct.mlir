// RUN: fa-opt %s -tilegpu-pipeline-lower-loads | FileCheck %s
// RUN: fa-opt %s -tilegpu-pipeline-lower-loads -tilegpu-pipeline-expand | FileCheck %s --check-prefix=EXPAND
// RUN: fa-opt %s -tilegpu-pipeline-lower-loads="copy-engine=Direct" | FileCheck %s
// The Direct copy engine (a target without asynchronous copies: gfx942):
// a stage-0 load stays a load into registers, moved to the start of the
// body (stage 0, cluster 1), and is stored at the end (stage 0, after
// everything) into a ring of num_stages - 1 slots, after a barrier that
// ends this iteration's reads; the body reads slot iteration % (S - 1).

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [8, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#bt = #tilegpu.blocked<sizePerThread = [8, 1], threadsPerWarp = [8, 8], warpsPerCTA = [1, 4], order = [0, 1]>
#m = #tileamd.mfma<warpsPerCTA = [4, 1], instrShape = [32, 32, 8]>
#bb = #tilegpu.dot_op<opIdx = 1, parent = #m>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
#st = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]>
!g = memref<?x?xbf16, strided<[?, 1]>>

module attributes {tilegpu.target = #tilegpu.target<"gfx942", warps = 4, threads_per_warp = 64>} {

// CHECK-LABEL: tile.kernel @direct
// CHECK: %[[KR:.*]] = tilegpu.alloc_ring : !tilegpu.smem<1x64x64xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [2, 1, 0]>>
// CHECK: %[[VR:.*]] = tilegpu.alloc_ring : !tilegpu.smem<1x64x64xbf16
// CHECK: %[[S:.*]] = arith.constant 1 : index
// CHECK: scf.for %[[IV:.*]] = %[[LB:.*]] to %{{.*}} step %[[STEP:.*]] {
// CHECK-NEXT: %[[D:.*]] = arith.subi %[[IV]], %[[LB]] {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 1 : i32}
// CHECK-NEXT: %[[REL:.*]] = arith.divsi %[[D]], %[[STEP]] {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_iteration, tilegpu.pipeline_stage = 1 : i32}
// CHECK-NEXT: %[[SLOT:.*]] = arith.remsi %[[REL]], %[[S]] {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 1 : i32}
// CHECK-NEXT: tilegpu.barrier {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 1 : i32}
// CHECK-NEXT: %[[K:.*]] = tile.load %{{.*}}[%[[IV]], %{{.*}}] {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 0 : i32}
// The in-bounds flag of the dimension the loop walks is dropped (the load
// runs ahead, past the loop's end); the other dimension's stays.
// CHECK-NEXT: %[[V:.*]] = tile.load %{{.*}}[%[[IV]], %{{.*}}] in_bounds [false, true] {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 0 : i32}
// CHECK-NEXT: %[[KS:.*]] = tilegpu.ring_slot %[[KR]][%[[SLOT]]] {tilegpu.pipeline_cluster = 3 : i32, tilegpu.pipeline_stage = 1 : i32}
// CHECK-NEXT: %[[KT:.*]] = tilegpu.trans_view %[[KS]] {{.*}} -> !tilegpu.smem<64x64xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]>>
// CHECK-NEXT: tilegpu.local_load %[[KT]]
// CHECK-NEXT: %[[VS:.*]] = tilegpu.ring_slot %[[VR]][%[[SLOT]]]
// CHECK-NEXT: tilegpu.local_load %[[VS]]
// CHECK-NEXT: tilegpu.barrier {tilegpu.pipeline_cluster = 4 : i32, tilegpu.pipeline_stage = 1 : i32}
// CHECK-NEXT: %[[WS:.*]] = arith.remsi %[[REL]], %[[S]] {tilegpu.pipeline_cluster = 4 : i32, tilegpu.pipeline_stage = 0 : i32}
// CHECK-NEXT: %[[KW:.*]] = tilegpu.ring_slot %[[KR]][%[[WS]]] {tilegpu.pipeline_cluster = 4 : i32, tilegpu.pipeline_stage = 0 : i32}
// CHECK-NEXT: tilegpu.local_store %[[K]], %[[KW]] {tilegpu.pipeline_cluster = 4 : i32, tilegpu.pipeline_stage = 0 : i32}
// CHECK-NEXT: %[[VW:.*]] = tilegpu.ring_slot %[[VR]][%[[WS]]]
// CHECK-NEXT: tilegpu.local_store %[[V]], %[[VW]]
// CHECK-NEXT: {tilegpu.num_stages = 2 : i32}
// CHECK-NEXT: tilegpu.barrier
// CHECK-NOT: tilegpu.async

// Rotated: the prologue loads and stores iteration 0; each iteration waits
// for the stores, loads the next blocks into registers, computes on the
// slot, waits for every reader, stores the next blocks.
// EXPAND-LABEL: tile.kernel @direct
// EXPAND: {{^ *%.*}} = load %arg0
// EXPAND: {{^ *%.*}} = load %arg0
// EXPAND: tilegpu.local_store
// EXPAND: tilegpu.local_store
// EXPAND: scf.for %[[IV:.*]] = {{.*}} step %[[STEP:.*]] {
// EXPAND: tilegpu.barrier
// EXPAND: %[[NEXT:.*]] = arith.addi %[[IV]], %{{.*}}
// EXPAND: tile.load %{{.*}}[%[[NEXT]], %{{.*}}]
// EXPAND: tile.load %{{.*}}[%[[NEXT]], %{{.*}}]
// EXPAND: tilegpu.local_load
// EXPAND: tilegpu.local_load
// EXPAND: tilegpu.barrier
// EXPAND: tilegpu.local_store
// EXPAND: tilegpu.local_store
// EXPAND-NEXT: }
// EXPAND-NEXT: tilegpu.barrier
tile.kernel @direct(%x: !g {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  scf.for %i = %c0 to %c512 step %c64 {
    %k = tile.load %x[%i, %c0] {tilegpu.latency = 1 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %kt = tile.trans %k {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x64xbf16, #b> -> tensor<64x64xbf16, #bt>
    %ks = tilegpu.local_alloc %kt {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x64xbf16, #bt> -> !tilegpu.smem<64x64xbf16, #st>
    %kb = tilegpu.local_load %ks {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : !tilegpu.smem<64x64xbf16, #st> -> tensor<64x64xbf16, #bb>
    %v = tile.load %x[%i, %c0] in_bounds [true, true] {tilegpu.latency = 1 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %vs = tilegpu.local_alloc %v {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %vb = tilegpu.local_load %vs {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #bb>
  } {tilegpu.num_stages = 2 : i32}
  tile.return
}
}
