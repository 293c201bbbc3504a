// RUN: fa-opt %s -tilegpu-pipeline-lower-loads | FileCheck %s

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#bt = #tilegpu.blocked<sizePerThread = [8, 1], threadsPerWarp = [8, 4], warpsPerCTA = [1, 4], order = [0, 1]>
#m = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>
#ba = #tilegpu.dot_op<opIdx = 0, parent = #m>
#bb = #tilegpu.dot_op<opIdx = 1, parent = #m>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
#st = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]>
!g = memref<?x?xbf16, strided<[?, 1]>>

module attributes {tilegpu.target = #tilegpu.target<"sm_80", warps = 4, threads_per_warp = 32>} {

// The target (sm_80) copies with CpAsync. One ring of num_stages buffers per
// stage-0 load, also for a load read as two buffers (Q of a backward
// kernel: plain and transposed). The body, not yet rotated: wait and
// barrier first (last stage, cluster 0), the copies and one commit
// (stage 0, cluster 1) into slot iteration % S, then the body with this
// iteration's slots where the buffers were filled. Drain after the loop.
// CHECK-LABEL: tile.kernel @lower
// CHECK: %[[KR:.*]] = tilegpu.alloc_ring : !tilegpu.smem<3x64x64xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [2, 1, 0]>>
// CHECK: %[[VR:.*]] = tilegpu.alloc_ring
// CHECK: %[[QR:.*]] = tilegpu.alloc_ring
// CHECK-NOT: tilegpu.alloc_ring
// CHECK: %[[S:.*]] = arith.constant 3 : index
// CHECK: scf.for %[[IV:.*]] = %[[LB:.*]] to %{{.*}} step %[[STEP:.*]] {
// CHECK-NEXT: %[[D:.*]] = arith.subi %[[IV]], %[[LB]] {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 2 : i32}
// CHECK-NEXT: %[[REL:.*]] = arith.divsi %[[D]], %[[STEP]] {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_iteration, tilegpu.pipeline_stage = 2 : i32}
// CHECK-NEXT: %[[SLOT:.*]] = arith.remsi %[[REL]], %[[S]] {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 2 : i32}
// CHECK-NEXT: tilegpu.async_wait 1 {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 2 : i32}
// CHECK-NEXT: tilegpu.barrier {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 2 : i32}
// CHECK-NEXT: %[[CS:.*]] = arith.remsi %[[REL]], %[[S]] {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 0 : i32}
// CHECK-NEXT: %[[K0:.*]] = tilegpu.ring_slot %[[KR]][%[[CS]]] {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 0 : i32}
// CHECK-NEXT: tilegpu.async_copy %{{.*}}[%[[IV]], %{{.*}}] into %[[K0]] {layout = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>, tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 0 : i32}
// CHECK-NEXT: tilegpu.ring_slot %[[VR]][%[[CS]]]
// CHECK-NEXT: tilegpu.async_copy
// CHECK-NEXT: tilegpu.ring_slot %[[QR]][%[[CS]]]
// CHECK-NEXT: tilegpu.async_copy
// CHECK-NEXT: tilegpu.async_commit {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 0 : i32}
// CHECK-NEXT: %[[KS:.*]] = tilegpu.ring_slot %[[KR]][%[[SLOT]]] {tilegpu.pipeline_cluster = 3 : i32, tilegpu.pipeline_stage = 2 : i32}
// CHECK-NEXT: %[[KT:.*]] = tilegpu.trans_view %[[KS]] {{.*}} -> !tilegpu.smem<64x64xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]>>
// CHECK-NEXT: tilegpu.local_load %[[KT]]
// CHECK-NEXT: %[[VS:.*]] = tilegpu.ring_slot %[[VR]][%[[SLOT]]]
// CHECK-NEXT: tilegpu.local_load %[[VS]]
// CHECK-NEXT: %[[QS:.*]] = tilegpu.ring_slot %[[QR]][%[[SLOT]]]
// CHECK-NEXT: tilegpu.local_load %[[QS]] {{.*}} -> tensor<64x64xbf16, #tilegpu.dot_op<opIdx = 0
// CHECK-NEXT: %[[QS2:.*]] = tilegpu.ring_slot %[[QR]][%[[SLOT]]]
// CHECK-NEXT: %[[QT:.*]] = tilegpu.trans_view %[[QS2]]
// CHECK-NEXT: tilegpu.local_load %[[QT]] {{.*}} -> tensor<64x64xbf16, #tilegpu.dot_op<opIdx = 1
// CHECK-NEXT: }
// CHECK-NEXT: tilegpu.async_wait 0
// CHECK-NEXT: tilegpu.barrier
tile.kernel @lower(%x: !g {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  scf.for %i = %c0 to %c512 step %c64 {
    %k = tile.load %x[%i, %c0] {tilegpu.latency = 2 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %kt = tile.trans %k {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32} : tensor<64x64xbf16, #b> -> tensor<64x64xbf16, #bt>
    %ks = tilegpu.local_alloc %kt {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32} : tensor<64x64xbf16, #bt> -> !tilegpu.smem<64x64xbf16, #st>
    %kb = tilegpu.local_load %ks {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32} : !tilegpu.smem<64x64xbf16, #st> -> tensor<64x64xbf16, #bb>
    %v = tile.load %x[%i, %c0] {tilegpu.latency = 2 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %vs = tilegpu.local_alloc %v {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32} : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %vb = tilegpu.local_load %vs {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32} : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #bb>
    %q = tile.load %x[%i, %c0] {tilegpu.latency = 2 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %qs = tilegpu.local_alloc %q {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32} : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %qa = tilegpu.local_load %qs {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32} : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #ba>
    %qt = tile.trans %q {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32} : tensor<64x64xbf16, #b> -> tensor<64x64xbf16, #bt>
    %qts = tilegpu.local_alloc %qt {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32} : tensor<64x64xbf16, #bt> -> !tilegpu.smem<64x64xbf16, #st>
    %qb = tilegpu.local_load %qts {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32} : !tilegpu.smem<64x64xbf16, #st> -> tensor<64x64xbf16, #bb>
  } {tilegpu.num_stages = 3 : i32}
  tile.return
}

// Copies of loads proven in bounds (in_bounds, from tile-bounds-elim) must
// not run past the loop's end: they are marked for the expander's guard;
// the commit is not, so group counting stays uniform.
// CHECK-LABEL: tile.kernel @guarded
// CHECK: tilegpu.ring_slot {{.*}} {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_guard, tilegpu.pipeline_stage = 0 : i32}
// CHECK-NEXT: tilegpu.async_copy {{.*}} in_bounds [true, true] into {{.*}}tilegpu.pipeline_guard
// CHECK-NEXT: tilegpu.async_commit {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 0 : i32}
tile.kernel @guarded(%x: !g {tile.dims = ["N", 64]}, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  scf.for %i = %c0 to %ub step %c64 {
    %v = tile.load %x[%i, %c0] in_bounds [true, true] {tilegpu.latency = 1 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %vs = tilegpu.local_alloc %v {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %vb = tilegpu.local_load %vs {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #bb>
  } {tilegpu.num_stages = 2 : i32}
  tile.return
}

// The next block's load (tilegpu-schedule-async-dots) reads `iv + step`:
// that address moves in front of the copy that needs it, stage 0 with the
// copies, also when it was the body's first op.
// CHECK-LABEL: tile.kernel @address
// CHECK: scf.for %[[IV:.*]] = %{{.*}} to %{{.*}} step %[[STEP:.*]] {
// CHECK: tilegpu.barrier
// CHECK-NEXT: arith.remsi
// CHECK-NEXT: %[[NEXT:.*]] = arith.addi %[[IV]], %[[STEP]] {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 0 : i32}
// CHECK-NEXT: tilegpu.ring_slot
// CHECK-NEXT: tilegpu.async_copy %{{.*}}[%[[NEXT]], %{{.*}}] into
// CHECK-NEXT: tilegpu.ring_slot
// CHECK-NEXT: tilegpu.async_copy %{{.*}}[%[[IV]], %{{.*}}] into
// CHECK-NEXT: tilegpu.async_commit
tile.kernel @address(%x: !g {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  scf.for %i = %c0 to %c512 step %c64 {
    %n = arith.addi %i, %c64 {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : index
    %k = tile.load %x[%n, %c0] {tilegpu.latency = 1 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %ks = tilegpu.local_alloc %k {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %kb = tilegpu.local_load %ks {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #bb>
    %v = tile.load %x[%i, %c0] {tilegpu.latency = 1 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %vs = tilegpu.local_alloc %v {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %vb = tilegpu.local_load %vs {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #bb>
  } {tilegpu.num_stages = 2 : i32}
  tile.return
}

// The target's copy rule (TargetInfo::canCopyAsync, the rule the CpAsync
// lowering enforces) declines a padding other than zero and rows that are
// not a compile-time multiple of 16 bytes (36 bf16 = 72 bytes): those
// loads return to the last stage; the one it accepts is lowered.
// CHECK-LABEL: tile.kernel @declined
// CHECK: tilegpu.alloc_ring
// CHECK-NOT: tilegpu.alloc_ring
// CHECK: scf.for
// CHECK: tilegpu.async_copy %arg0
// CHECK-NOT: tilegpu.async_copy
// CHECK: tile.load %arg0{{.*}} padding {{.*}} {tilegpu.pipeline_cluster = 3 : i32, tilegpu.pipeline_stage = 1 : i32}
// CHECK: tile.load %arg1{{.*}} {tilegpu.pipeline_cluster = 3 : i32, tilegpu.pipeline_stage = 1 : i32}
// A loop left with no early load loses its schedule.
// CHECK: tilegpu.async_wait 0
// CHECK: scf.for
// CHECK-NOT: pipeline_
// CHECK-NOT: num_stages
// CHECK: return
tile.kernel @declined(%x: !g {tile.dims = ["N", 64]}, %y: !g {tile.dims = ["N", 36]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  scf.for %i = %c0 to %c512 step %c64 {
    %v = tile.load %x[%i, %c0] {tilegpu.latency = 1 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %vs = tilegpu.local_alloc %v {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %p = tile.load %x[%i, %c0] padding 1.0 : bf16 {tilegpu.latency = 1 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %ps = tilegpu.local_alloc %p {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %w = tile.load %y[%i, %c0] {tilegpu.latency = 1 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %ws = tilegpu.local_alloc %w {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  } {tilegpu.num_stages = 2 : i32}
  scf.for %i = %c0 to %c512 step %c64 {
    %w = tile.load %y[%i, %c0] {tilegpu.latency = 1 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %ws = tilegpu.local_alloc %w {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  } {tilegpu.num_stages = 2 : i32}
  tile.return
}

}
