// RUN: fa-opt %s -tilegpu-pipeline-expand | FileCheck %s

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#m = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>
#bb = #tilegpu.dot_op<opIdx = 1, parent = #m>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
#st = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]>
#r = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [2, 1, 0]>
!g = memref<?x?xbf16, strided<[?, 1]>>
!ring = !tilegpu.smem<3x64x64xbf16, #r>
!slot = !tilegpu.smem<64x64xbf16, #s>

// The output of tilegpu-pipeline-lower-loads for a 3-stage loop, rotated.
// Prologue: stage 0 of iterations 0 and 1 (iv = lb + k * step, the
// iteration number folded to k), one commit group each.
// CHECK-LABEL: tile.kernel @expand
// CHECK: %[[KR:.*]] = tilegpu.alloc_ring
// CHECK: %[[VR:.*]] = tilegpu.alloc_ring
// CHECK: %[[M0:.*]] = arith.muli %[[STEP:.*]], %[[C0:.*]] : index
// CHECK-NEXT: %[[IV0:.*]] = arith.addi %[[LB:.*]], %[[M0]] : index
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[S0:.*]] = tilegpu.ring_slot %[[KR]][%[[Z]]]
// CHECK-NEXT: tilegpu.async_copy %{{.*}}[%[[IV0]], %{{.*}}] into %[[S0]] {layout = #tilegpu.blocked<sizePerThread = [1, 8]
// CHECK-NEXT: tilegpu.ring_slot %[[VR]][%[[Z]]]
// CHECK-NEXT: tilegpu.async_copy
// CHECK-NEXT: tilegpu.async_commit
// CHECK-NEXT: arith.constant 1 : index
// CHECK-NEXT: arith.muli
// CHECK-NEXT: %[[IV1:.*]] = arith.addi
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-NEXT: tilegpu.ring_slot %[[KR]][%[[ONE]]]
// CHECK-NEXT: tilegpu.async_copy %{{.*}}[%[[IV1]], %{{.*}}]
// CHECK-NEXT: tilegpu.ring_slot %[[VR]][%[[ONE]]]
// CHECK-NEXT: tilegpu.async_copy
// CHECK-NEXT: tilegpu.async_commit
// Body, by cluster: the last stage's wait and barrier (cluster 0), then
// stage 0 for iteration iv + 2 * step into slot (iteration + 2) % 3
// (cluster 1), then the last stage's reads of this iteration's slot.
// CHECK-NEXT: scf.for %[[IV:.*]] = %[[LB]] to
// CHECK-NEXT: %[[D:.*]] = arith.subi %[[IV]], %[[LB]] : index
// CHECK-NEXT: %[[REL:.*]] = arith.divsi %[[D]], %[[STEP]] : index
// CHECK-NEXT: %[[SLOT:.*]] = arith.remsi %[[REL]], %[[S:.*]] : index
// CHECK-NEXT: tilegpu.async_wait 1
// CHECK-NEXT: tilegpu.barrier
// CHECK-NEXT: %[[TWO:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[M2:.*]] = arith.muli %[[STEP]], %[[TWO]] : index
// CHECK-NEXT: %[[NEXT:.*]] = arith.addi %[[IV]], %[[M2]] : index
// CHECK-NEXT: %[[TWO2:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[NREL:.*]] = arith.addi %[[REL]], %[[TWO2]] : index
// CHECK-NEXT: %[[NSLOT:.*]] = arith.remsi %[[NREL]], %[[S]] : index
// CHECK-NEXT: tilegpu.ring_slot %[[KR]][%[[NSLOT]]]
// CHECK-NEXT: tilegpu.async_copy %{{.*}}[%[[NEXT]], %{{.*}}]
// CHECK-NEXT: tilegpu.ring_slot %[[VR]][%[[NSLOT]]]
// CHECK-NEXT: tilegpu.async_copy %{{.*}}[%[[NEXT]], %{{.*}}]
// CHECK-NEXT: tilegpu.async_commit
// CHECK-NEXT: %[[KS:.*]] = tilegpu.ring_slot %[[KR]][%[[SLOT]]]
// CHECK-NEXT: %[[KT:.*]] = tilegpu.trans_view %[[KS]]
// CHECK-NEXT: tilegpu.local_load %[[KT]]
// CHECK-NEXT: %[[VS:.*]] = tilegpu.ring_slot %[[VR]][%[[SLOT]]]
// CHECK-NEXT: tilegpu.local_load %[[VS]]
// CHECK-NEXT: }
// CHECK-NEXT: tilegpu.async_wait 0
// CHECK-NEXT: tilegpu.barrier
// CHECK-NOT: pipeline_
tile.kernel @expand(%x: !g {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  %kr = tilegpu.alloc_ring : !ring
  %vr = tilegpu.alloc_ring : !ring
  %c3 = arith.constant 3 : index
  scf.for %i = %c0 to %c512 step %c64 {
    %d = arith.subi %i, %c0 {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 2 : i32} : index
    %rel = arith.divsi %d, %c64 {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_iteration, tilegpu.pipeline_stage = 2 : i32} : index
    %slot = arith.remsi %rel, %c3 {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 2 : i32} : index
    tilegpu.async_wait 1 {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 2 : i32}
    tilegpu.barrier {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 2 : i32}
    %cs = arith.remsi %rel, %c3 {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 0 : i32} : index
    %k0 = tilegpu.ring_slot %kr[%cs] {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 0 : i32} : !ring -> !slot
    tilegpu.async_copy %x[%i, %c0] into %k0 {layout = #b, tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 0 : i32} : !g, !slot
    %v0 = tilegpu.ring_slot %vr[%cs] {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 0 : i32} : !ring -> !slot
    tilegpu.async_copy %x[%i, %c0] into %v0 {layout = #b, tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 0 : i32} : !g, !slot
    tilegpu.async_commit {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 0 : i32}
    %ks = tilegpu.ring_slot %kr[%slot] {tilegpu.pipeline_cluster = 3 : i32, tilegpu.pipeline_stage = 2 : i32} : !ring -> !slot
    %kt = tilegpu.trans_view %ks {tilegpu.pipeline_cluster = 3 : i32, tilegpu.pipeline_stage = 2 : i32} : !slot -> !tilegpu.smem<64x64xbf16, #st>
    %kb = tilegpu.local_load %kt {tilegpu.pipeline_cluster = 3 : i32, tilegpu.pipeline_stage = 2 : i32} : !tilegpu.smem<64x64xbf16, #st> -> tensor<64x64xbf16, #bb>
    %vs = tilegpu.ring_slot %vr[%slot] {tilegpu.pipeline_cluster = 3 : i32, tilegpu.pipeline_stage = 2 : i32} : !ring -> !slot
    %vb = tilegpu.local_load %vs {tilegpu.pipeline_cluster = 3 : i32, tilegpu.pipeline_stage = 2 : i32} : !slot -> tensor<64x64xbf16, #bb>
  } {tilegpu.num_stages = 3 : i32}
  tilegpu.async_wait 0
  tilegpu.barrier
  tile.return
}

// Ops marked pipeline_guard run ahead only for iterations inside the loop:
// consecutive ones share one `iv < ub` guard, in the prologue and in the
// body; unmarked ops (the commit) stay unconditional.
// CHECK-LABEL: tile.kernel @guarded
// CHECK: %[[IV0:.*]] = arith.addi
// CHECK: %[[P0:.*]] = arith.cmpi slt, %[[IV0]], %[[UB:.*]] : index
// CHECK-NEXT: scf.if %[[P0]] {
// CHECK-NEXT: tilegpu.ring_slot
// CHECK-NEXT: tilegpu.async_copy %{{.*}}[%[[IV0]], %{{.*}}] in_bounds [true, true] into
// CHECK-NEXT: {{^ *}}}
// CHECK-NEXT: tilegpu.async_commit
// CHECK: scf.for
// CHECK: tilegpu.async_wait 0
// CHECK: %[[NEXT:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK: %[[P1:.*]] = arith.cmpi slt, %[[NEXT]], %[[UB]] : index
// CHECK-NEXT: scf.if %[[P1]] {
// CHECK-NEXT: tilegpu.ring_slot
// CHECK-NEXT: tilegpu.async_copy %{{.*}}[%[[NEXT]], %{{.*}}] in_bounds [true, true] into
// CHECK-NEXT: {{^ *}}}
// CHECK-NEXT: tilegpu.async_commit
tile.kernel @guarded(%x: !g {tile.dims = ["N", 64]}, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %vr = tilegpu.alloc_ring : !tilegpu.smem<2x64x64xbf16, #r>
  %c2 = arith.constant 2 : index
  scf.for %i = %c0 to %ub step %c64 {
    %d = arith.subi %i, %c0 {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 1 : i32} : index
    %rel = arith.divsi %d, %c64 {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_iteration, tilegpu.pipeline_stage = 1 : i32} : index
    %slot = arith.remsi %rel, %c2 {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 1 : i32} : index
    tilegpu.async_wait 0 {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 1 : i32}
    tilegpu.barrier {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 1 : i32}
    %cs = arith.remsi %rel, %c2 {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 0 : i32} : index
    %v0 = tilegpu.ring_slot %vr[%cs] {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_guard, tilegpu.pipeline_stage = 0 : i32} : !tilegpu.smem<2x64x64xbf16, #r> -> !slot
    tilegpu.async_copy %x[%i, %c0] in_bounds [true, true] into %v0 {layout = #b, tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_guard, tilegpu.pipeline_stage = 0 : i32} : !g, !slot
    tilegpu.async_commit {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 0 : i32}
    %vs = tilegpu.ring_slot %vr[%slot] {tilegpu.pipeline_cluster = 3 : i32, tilegpu.pipeline_stage = 1 : i32} : !tilegpu.smem<2x64x64xbf16, #r> -> !slot
    %vb = tilegpu.local_load %vs {tilegpu.pipeline_cluster = 3 : i32, tilegpu.pipeline_stage = 1 : i32} : !slot -> tensor<64x64xbf16, #bb>
  } {tilegpu.num_stages = 2 : i32}
  tilegpu.async_wait 0
  tilegpu.barrier
  tile.return
}

// The expander knows no copy protocol: any ops move by stage and cluster.
// Here stage 0 stores a tile one iteration ahead (a plain tile.store) and
// the last stage loads it back, with values crossing only through memory.
// CHECK-LABEL: tile.kernel @generic
// CHECK: %[[P:.*]] = arith.addi
// CHECK-NEXT: {{(tile.)?}}store %{{.*}}, %{{.*}}[%[[P]], %{{.*}}]
// CHECK-NEXT: scf.for %[[IV:.*]] = {{.*}} iter_args(%[[ACC:.*]] = %{{.*}})
// CHECK-NEXT: %[[A:.*]] = tile.load %{{.*}}[%[[IV]], %{{.*}}]
// CHECK: %[[N:.*]] = arith.addi %[[IV]], %{{.*}} : index
// CHECK-NEXT: tile.store %{{.*}}, %{{.*}}[%[[N]], %{{.*}}]
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[ACC]], %[[A]]
// CHECK-NEXT: scf.yield %[[SUM]]
tile.kernel @generic(%x: memref<?x?xf32, strided<[?, 1]>>, %t: tensor<16x16xf32, #b>) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %c256 = arith.constant 256 : index
  %r = scf.for %i = %c0 to %c256 step %c16 iter_args(%acc = %t) -> (tensor<16x16xf32, #b>) {
    %a = tile.load %x[%i, %c0] {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 1 : i32} : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x16xf32, #b>
    tile.store %t, %x[%i, %c0] {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 0 : i32} : tensor<16x16xf32, #b>, memref<?x?xf32, strided<[?, 1]>>
    %sum = arith.addf %acc, %a {tilegpu.pipeline_cluster = 2 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<16x16xf32, #b>
    scf.yield %sum : tensor<16x16xf32, #b>
  } {tilegpu.num_stages = 2 : i32}
  tile.return
}
