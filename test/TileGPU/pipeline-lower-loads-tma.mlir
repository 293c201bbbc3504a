// RUN: fa-opt %s -tilegpu-pipeline-lower-loads | FileCheck %s
// RUN: fa-opt %s -tilegpu-pipeline-lower-loads=copy-engine=Tma | FileCheck %s --check-prefix=FORCED

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#bw = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]>
#bt = #tilegpu.blocked<sizePerThread = [8, 1], threadsPerWarp = [8, 4], warpsPerCTA = [1, 4], order = [0, 1]>
#m = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>
#m3 = #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 64, 16]>
#bb = #tilegpu.dot_op<opIdx = 1, parent = #m>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
#st = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]>
!g = memref<?x?x?xbf16, strided<[?, ?, 1]>>

module attributes {tilegpu.target = #tilegpu.target<"sm_90a", warps = 4, threads_per_warp = 32>} {

// sm_90a copies with TMA (CopyEngine::Tma): one 1024-byte aligned ring per
// load, one ring of S mbarriers for them all, initialized before the loop.
// A second ring of S "empty" mbarriers (one arrival per thread: 128)
// releases the slots. The body before rotation: every thread waits for this
// iteration's slot with parity (iteration / S) % 2 (no CTA barrier); the
// copying thread waits (elected) until the slot's previous fill was
// released, parity (iteration / S + 1) % 2, then expects the slot's bytes
// (2 x 64 x 64 x 2) and issues the copies, never past the loop's end
// (guard); after the last read every thread arrives on the slot's empty
// barrier. Each tensor gets a tensor-map descriptor argument.
// CHECK-LABEL: tile.kernel @tma
// CHECK-SAME: %arg0: memref<?x?x?xbf16, strided<[?, ?, 1]>> {tile.dims = ["H", "N", 64], tilegpu.descriptor = {align = 64 : i64, box = array<i64: 1, 64, 64>, bytes = 128 : i64, fill = "zero", kind = "tensormap", swizzle = 128 : i64}}
// CHECK-SAME: %arg1: memref<?x?x?xbf16, strided<[?, ?, 1]>> {tile.dims = ["H", "N", 64], tilegpu.descriptor = {align = 64 : i64, box = array<i64: 1, 64, 64>
// CHECK: %[[KR:.*]] = tilegpu.alloc_ring {align = 1024 : i64} : !tilegpu.smem<3x64x64xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [2, 1, 0]>>
// CHECK: %[[VR:.*]] = tilegpu.alloc_ring {align = 1024 : i64}
// CHECK: %[[BR:.*]] = tilegpu.alloc_ring : !tilegpu.smem<3x1xi64, #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]>>
// CHECK-NEXT: tilenv.mbarrier_init %[[BR]] count 1
// CHECK-NEXT: %[[ER:.*]] = tilegpu.alloc_ring : !tilegpu.smem<3x1xi64
// CHECK-NEXT: tilenv.mbarrier_init %[[ER]] count 128
// CHECK-NEXT: tilegpu.barrier
// CHECK-NEXT: %[[S:.*]] = arith.constant 3 : index
// CHECK-NEXT: %[[TWO:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: scf.for %[[IV:.*]] = %[[LB:.*]] to %{{.*}} step %[[STEP:.*]] {
// CHECK-NEXT: %[[D:.*]] = arith.subi %[[IV]], %[[LB]] {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 2 : i32}
// CHECK-NEXT: %[[REL:.*]] = arith.divsi %[[D]], %[[STEP]] {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_iteration, tilegpu.pipeline_stage = 2 : i32}
// CHECK-NEXT: %[[SLOT:.*]] = arith.remsi %[[REL]], %[[S]]
// CHECK-NEXT: %[[FILL:.*]] = arith.divsi %[[REL]], %[[S]]
// CHECK-NEXT: %[[PH:.*]] = arith.remsi %[[FILL]], %[[TWO]]
// CHECK-NEXT: tilenv.mbarrier_wait %[[BR]][%[[SLOT]]], %[[PH]] {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 2 : i32}
// CHECK-NEXT: %[[CS:.*]] = arith.remsi %[[REL]], %[[S]] {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 0 : i32}
// CHECK-NEXT: %[[CF:.*]] = arith.divsi %[[REL]], %[[S]] {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_guard, tilegpu.pipeline_stage = 0 : i32}
// CHECK-NEXT: %[[CF1:.*]] = arith.addi %[[CF]], %[[ONE]]
// CHECK-NEXT: %[[EPH:.*]] = arith.remsi %[[CF1]], %[[TWO]]
// CHECK-NEXT: tilenv.mbarrier_wait %[[ER]][%[[CS]]], %[[EPH]] elected {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_guard, tilegpu.pipeline_stage = 0 : i32}
// CHECK-NEXT: tilenv.mbarrier_expect %[[BR]][%[[CS]]], 16384 {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_guard, tilegpu.pipeline_stage = 0 : i32}
// CHECK-NEXT: %[[K0:.*]] = tilegpu.ring_slot %[[KR]][%[[CS]]] {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_guard, tilegpu.pipeline_stage = 0 : i32}
// CHECK-NEXT: tilenv.tma_load %{{.*}}[%{{.*}}, %[[IV]], %{{.*}}] dims [1, 2] into %[[K0]], %[[BR]][%[[CS]]] {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_guard, tilegpu.pipeline_stage = 0 : i32}
// CHECK-NEXT: %[[V0:.*]] = tilegpu.ring_slot %[[VR]][%[[CS]]]
// CHECK-NEXT: tilenv.tma_load %{{.*}} into %[[V0]], %[[BR]][%[[CS]]]
// CHECK-NEXT: %[[KS:.*]] = tilegpu.ring_slot %[[KR]][%[[SLOT]]] {tilegpu.pipeline_cluster = 3 : i32, tilegpu.pipeline_stage = 2 : i32}
// CHECK-NEXT: %[[KT:.*]] = tilegpu.trans_view %[[KS]]
// CHECK-NEXT: tilegpu.local_load %[[KT]]
// CHECK-NEXT: %[[VS:.*]] = tilegpu.ring_slot %[[VR]][%[[SLOT]]]
// CHECK-NEXT: tilegpu.local_load %[[VS]]
// CHECK-NEXT: tilenv.mbarrier_arrive %[[ER]][%[[SLOT]]] {tilegpu.pipeline_cluster = 3 : i32, tilegpu.pipeline_stage = 2 : i32}
// CHECK-NEXT: } {tilegpu.num_stages = 3 : i32}
// CHECK-NEXT: tilegpu.barrier
// CHECK-NEXT: tilenv.mbarrier_inval %[[BR]]
// CHECK-NEXT: tilenv.mbarrier_inval %[[ER]]
// CHECK-NEXT: tilegpu.barrier
// CHECK-NOT: tilegpu.async_
tile.kernel @tma(%k: !g {tile.dims = ["H", "N", 64]}, %v: !g {tile.dims = ["H", "N", 64]}, %h: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  scf.for %i = %c0 to %c512 step %c64 {
    %kk = tile.load %k[%h, %i, %c0] dims [1, 2] {tilegpu.latency = 2 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %kt = tile.trans %kk {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32} : tensor<64x64xbf16, #b> -> tensor<64x64xbf16, #bt>
    %ks = tilegpu.local_alloc %kt {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32} : tensor<64x64xbf16, #bt> -> !tilegpu.smem<64x64xbf16, #st>
    %kb = tilegpu.local_load %ks {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32} : !tilegpu.smem<64x64xbf16, #st> -> tensor<64x64xbf16, #bb>
    %vv = tile.load %v[%h, %i, %c0] dims [1, 2] {tilegpu.latency = 2 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !g -> tensor<64x64xbf16, #b>
    %vs = tilegpu.local_alloc %vv {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32} : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %vb = tilegpu.local_load %vs {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32} : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #bb>
  } {tilegpu.num_stages = 3 : i32}
  tile.return
}

// Rows of 128 elements: TMA would store them as 64-element panels, which
// the consumers did not ask for. copy-engine=auto keeps cp.async; asked for
// by name, TMA copies two boxes per slot into a panel ring.
// CHECK-LABEL: tile.kernel @wide
// CHECK-NOT: tilegpu.descriptor
// CHECK: tilegpu.alloc_ring : !tilegpu.smem<2x64x128xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [2, 1, 0]>>
// CHECK: tilegpu.async_copy
// CHECK-NOT: tilenv.{{mbarrier|tma}}
// CHECK: return
// FORCED-LABEL: tile.kernel @wide
// FORCED-SAME: tilegpu.descriptor = {align = 64 : i64, box = array<i64: 64, 64>
// FORCED: tilegpu.alloc_ring {align = 1024 : i64} : !tilegpu.smem<2x64x128xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [2, 1, 0], panel = 64>>
// FORCED: tilenv.mbarrier_expect %{{.*}}, 16384
// FORCED: tilenv.tma_load
// FORCED: tilegpu.local_load %{{.*}} : !tilegpu.smem<64x128xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], panel = 64>>
tile.kernel @wide(%x: memref<?x?xbf16, strided<[?, 1]>> {tile.dims = ["N", 128]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  scf.for %i = %c0 to %c512 step %c64 {
    %w = tile.load %x[%i, %c0] {tilegpu.latency = 1 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : memref<?x?xbf16, strided<[?, 1]>> -> tensor<64x128xbf16, #bw>
    %ws = tilegpu.local_alloc %w {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x128xbf16, #bw> -> !tilegpu.smem<64x128xbf16, #s>
    %wb = tilegpu.local_load %ws {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : !tilegpu.smem<64x128xbf16, #s> -> tensor<64x128xbf16, #bb>
  } {tilegpu.num_stages = 2 : i32}
  tile.return
}

// An asynchronous dot reading a slot and left in flight at the end of the
// iteration (its wait keeps one group pending) still reads the slot after
// the iteration: no consumer release, the CTA barrier after the wait stays.
// CHECK-LABEL: tile.kernel @carried
// CHECK: tilenv.mbarrier_init %{{.*}} count 1
// CHECK-NOT: tilenv.mbarrier_init
// CHECK: scf.for
// CHECK: tilenv.mbarrier_wait
// CHECK-NEXT: tilegpu.barrier
// CHECK-NOT: tilenv.mbarrier_arrive
// CHECK-NOT: elected
// CHECK: } {tilegpu.num_stages = 2 : i32}
tile.kernel @carried(%k: !g {tile.dims = ["H", "N", 64]}, %h: index) grid {
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
    %w = tilegpu.dot_wait %d {pendings = 1 : i32, tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<64x64xf32, #m3> -> tensor<64x64xf32, #m3>
    scf.yield %w : tensor<64x64xf32, #m3>
  } {tilegpu.num_stages = 2 : i32}
  tile.return
}
}
