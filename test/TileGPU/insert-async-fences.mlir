// RUN: fa-opt %s -split-input-file -tilegpu-insert-async-fences | FileCheck %s

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#m = #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 64, 16]>
#a = #tilegpu.dot_op<opIdx = 0, parent = #m>
#bb = #tilegpu.dot_op<opIdx = 1, parent = #m>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
!g = memref<?x?xbf16, strided<[?, 1]>>

// A buffer written from registers (local_alloc) and read by wgmma: a fence
// after the write, then a barrier. The buffer read only by ordinary loads
// (opIdx 0 of an mma.sync layout elsewhere: here a blocked tile) gets none.
// CHECK-LABEL: tile.kernel @alloc
// CHECK: %[[Q:.*]] = tilegpu.local_alloc
// CHECK-NEXT: tilegpu.fence_async_shared
// CHECK-NEXT: tilegpu.barrier
// CHECK-NEXT: %[[O:.*]] = tilegpu.local_alloc
// CHECK-NEXT: tilegpu.local_load %[[O]]
// CHECK-NOT: tilegpu.fence_async_shared
// CHECK: {{^ *}}return
tile.kernel @alloc(%x: !g {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %z = arith.constant dense<0.0> : tensor<64x64xf32, #m>
  %q = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
  %qs = tilegpu.local_alloc %q : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  %os = tilegpu.local_alloc %q : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  %o = tilegpu.local_load %os : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #b>
  %qa = tilegpu.local_load %qs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #a>
  %kb = tilegpu.local_load %qs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #bb>
  %s = tile.dot %qa, %kb, %z : tensor<64x64xbf16, #a>, tensor<64x64xbf16, #bb> -> tensor<64x64xf32, #m>
  tile.return
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#m = #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 64, 16]>
#a = #tilegpu.dot_op<opIdx = 0, parent = #m>
#bb = #tilegpu.dot_op<opIdx = 1, parent = #m>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
#r = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [2, 1, 0]>
!g = memref<?x?xbf16, strided<[?, 1]>>

// Per-thread copies into a ring read by wgmma through a slot: the fence
// goes between each wait and the barrier after it (merged with it, no new
// barrier); a wait with no barrier after it gets one. A store into the
// ring is fenced before the next barrier of its block.
// CHECK-LABEL: tile.kernel @copies
// CHECK: tilegpu.local_store
// CHECK-NEXT: arith.constant
// CHECK-NEXT: tilegpu.fence_async_shared
// CHECK-NEXT: tilegpu.barrier
// CHECK: scf.for
// CHECK: tilegpu.async_wait 0
// CHECK-NEXT: tilegpu.fence_async_shared
// CHECK-NEXT: tilegpu.barrier
// CHECK-NOT: tilegpu.barrier
// CHECK: tile.dot
// CHECK: tilegpu.async_wait 0
// CHECK-NEXT: tilegpu.fence_async_shared
// CHECK-NEXT: tilegpu.barrier
// CHECK-NEXT: {{^ *}}return
tile.kernel @copies(%x: !g {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c512 = arith.constant 512 : index
  %z = arith.constant dense<0.0> : tensor<64x64xf32, #m>
  %q = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
  %ring = tilegpu.alloc_ring : !tilegpu.smem<2x64x64xbf16, #r>
  %s0 = tilegpu.ring_slot %ring[%c0] : !tilegpu.smem<2x64x64xbf16, #r> -> !tilegpu.smem<64x64xbf16, #s>
  tilegpu.local_store %q, %s0 : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  %c3 = arith.constant 3 : index
  tilegpu.barrier
  scf.for %i = %c0 to %c512 step %c1 {
    %slot = arith.remsi %i, %c2 : index
    tilegpu.async_wait 0
    tilegpu.barrier
    %cur = tilegpu.ring_slot %ring[%slot] : !tilegpu.smem<2x64x64xbf16, #r> -> !tilegpu.smem<64x64xbf16, #s>
    tilegpu.async_copy %x[%i, %c0] into %cur {layout = #b} : !g, !tilegpu.smem<64x64xbf16, #s>
    tilegpu.async_commit
    %qa = tilegpu.local_load %cur : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #a>
    %kb = tilegpu.local_load %cur : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #bb>
    %d = tile.dot %qa, %kb, %z : tensor<64x64xbf16, #a>, tensor<64x64xbf16, #bb> -> tensor<64x64xf32, #m>
  }
  tilegpu.async_wait 0
  tile.return
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#m = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>
#a = #tilegpu.dot_op<opIdx = 0, parent = #m>
#bb = #tilegpu.dot_op<opIdx = 1, parent = #m>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
!g = memref<?x?xbf16, strided<[?, 1]>>

// mma.sync (sm_80) reads its operands with ordinary loads: nothing changes.
// CHECK-LABEL: tile.kernel @mma_sync
// CHECK: tilegpu.local_alloc
// CHECK-NEXT: tilegpu.local_load
// CHECK-NOT: tilegpu.fence_async_shared
// CHECK-NOT: tilegpu.barrier
// CHECK: {{^ *}}return
tile.kernel @mma_sync(%x: !g {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %z = arith.constant dense<0.0> : tensor<64x64xf32, #m>
  %q = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
  %qs = tilegpu.local_alloc %q : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  %qa = tilegpu.local_load %qs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #a>
  %kb = tilegpu.local_load %qs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #bb>
  %s = tile.dot %qa, %kb, %z : tensor<64x64xbf16, #a>, tensor<64x64xbf16, #bb> -> tensor<64x64xf32, #m>
  tile.return
}
