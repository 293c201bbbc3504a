// RUN: fa-opt %s -split-input-file -tilegpu-stage-async-reductions | FileCheck %s
// RUN: fa-opt %s -split-input-file -tilegpu-stage-async-reductions -tilegpu-insert-async-fences -tilegpu-allocate-shared-memory | FileCheck %s --check-prefix=FENCE

#m = #tilenv.mma<version = 3, warpsPerCTA = [4, 2], instrShape = [64, 64, 16]>
!g = memref<?x?x128xf32, strided<[?, 128, 1]>>

module attributes {tilegpu.target = #tilegpu.target<"sm_90a", warps = 8, threads_per_warp = 32>} {
// Whole f32 rows (128 of them, the innermost dimension, from 0) added in a
// loop: one unswizzled buffer before the loop, its 512-byte rows padded by
// 16 bytes (4 elements) so that they start in different banks; per add, wait until the last
// reduction has read it, barrier, store, barrier, reduce; the kernel ends
// waiting for the additions.
// CHECK-LABEL: tile.kernel @rows
// CHECK: %[[RING:.*]] = tilegpu.alloc_ring : !tilegpu.smem<1x64x128xf32, #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [2, 1, 0], pad = 4>>
// CHECK: %[[SLOT:.*]] = tilegpu.ring_slot %[[RING]][%{{.*}}] {{.*}} -> !tilegpu.smem<64x128xf32, #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0], pad = 4>>
// CHECK: scf.for
// CHECK: tilegpu.reduce_wait %[[RING]] {pendings = 0 : i32, read}
// CHECK-NEXT: tilegpu.barrier
// CHECK-NEXT: tilegpu.local_store %{{.*}}, %[[SLOT]]
// CHECK-NEXT: tilegpu.barrier
// CHECK-NEXT: tilegpu.reduce_async %[[SLOT]] into %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] dims [1, 2]
// CHECK-NOT: atomic_add
// CHECK: }
// CHECK: tilegpu.reduce_wait %[[RING]] {pendings = 0 : i32} :
// CHECK-NEXT: {{^ *}}return
// The store is fenced for the copy engine before the barrier after it, and
// the buffer stays allocated until the last wait.
// FENCE-LABEL: tile.kernel @rows
// FENCE: tilegpu.shared_bytes = 33792
// FENCE: tilegpu.local_store
// FENCE-NEXT: tilegpu.fence_async_shared
// FENCE-NEXT: tilegpu.barrier
// FENCE-NEXT: tilegpu.reduce_async
tile.kernel @rows(%x: !g, %n: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %p = tile.program_id 0 : i32
  %b = arith.index_cast %p : i32 to index
  %t = arith.constant dense<1.0> : tensor<64x128xf32, #m>
  scf.for %i = %c0 to %n step %c64 {
    tile.atomic_add %t, %x[%b, %i, %c0] dims [1, 2] : tensor<64x128xf32, #m>, !g
  }
  tile.return
}

// Two loops (the masked and unmasked loops of a causal split) adding the
// same tile type share one buffer; one wait ends the kernel.
// CHECK-LABEL: tile.kernel @shared_buffer
// CHECK: %[[RING:.*]] = tilegpu.alloc_ring
// CHECK-NOT: tilegpu.alloc_ring
// CHECK: %[[SLOT:.*]] = tilegpu.ring_slot %[[RING]]
// CHECK: scf.for
// CHECK: tilegpu.reduce_async %[[SLOT]]
// CHECK: scf.for
// CHECK: tilegpu.reduce_wait %[[RING]] {pendings = 0 : i32, read}
// CHECK: tilegpu.local_store %{{.*}}, %[[SLOT]]
// CHECK: tilegpu.reduce_async %[[SLOT]]
// CHECK: tilegpu.reduce_wait %[[RING]] {pendings = 0 : i32} :
// CHECK-NOT: tilegpu.reduce_wait
// CHECK: {{^ *}}return
tile.kernel @shared_buffer(%x: !g, %n: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %t = arith.constant dense<1.0> : tensor<64x128xf32, #m>
  scf.for %i = %c0 to %n step %c64 {
    tile.atomic_add %t, %x[%c0, %i, %c0] dims [1, 2] : tensor<64x128xf32, #m>, !g
  }
  scf.for %i = %n to %n step %c64 {
    tile.atomic_add %t, %x[%c0, %i, %c0] dims [1, 2] : tensor<64x128xf32, #m>, !g
  }
  tile.return
}
}

// -----

#m = #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 64, 16]>
#i = #tilegpu.blocked<sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
!g = memref<?x64xf32, strided<[64, 1]>>
!d = memref<?x?xf32, strided<[?, 1]>>
!h = memref<?x64xbf16, strided<[64, 1]>>

module attributes {tilegpu.target = #tilegpu.target<"sm_90a", warps = 4, threads_per_warp = 32>} {
// Left as atomics: a mask, rows not from offset 0, part of a row, a row of
// unknown size, bf16 elements.
// CHECK-LABEL: tile.kernel @kept
// CHECK-NOT: tilegpu.reduce_async
// CHECK-COUNT-5: {{^ *}}atomic_add
// CHECK-NOT: tilegpu.reduce_async
tile.kernel @kept(%x: !g, %y: !d, %z: !h) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %t = arith.constant dense<1.0> : tensor<64x64xf32, #m>
  %h = arith.constant dense<1.0> : tensor<64x64xbf16, #m>
  %k = arith.constant dense<true> : tensor<64x64xi1, #m>
  %t32 = arith.constant dense<1.0> : tensor<64x32xf32, #m>
  tile.atomic_add %t, %x[%c0, %c0] mask %k : tensor<64x64xi1, #m> : tensor<64x64xf32, #m>, !g
  tile.atomic_add %t, %x[%c0, %c8] : tensor<64x64xf32, #m>, !g
  tile.atomic_add %t32, %x[%c0, %c0] : tensor<64x32xf32, #m>, !g
  tile.atomic_add %t, %y[%c0, %c0] : tensor<64x64xf32, #m>, !d
  tile.atomic_add %h, %z[%c0, %c0] : tensor<64x64xbf16, #m>, !h
  tile.return
}
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]>
!g = memref<?x64xf32, strided<[64, 1]>>

// sm_80 has no bulk reductions: unchanged.
module attributes {tilegpu.target = #tilegpu.target<"sm_80", warps = 4, threads_per_warp = 32>} {
// CHECK-LABEL: tile.kernel @sm80
// CHECK-NOT: tilegpu.reduce_async
// CHECK: {{^ *}}atomic_add
tile.kernel @sm80(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %t = arith.constant dense<1.0> : tensor<64x64xf32, #b>
  tile.atomic_add %t, %x[%c0, %c0] : tensor<64x64xf32, #b>, !g
  tile.return
}
}
