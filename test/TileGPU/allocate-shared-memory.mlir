// RUN: fa-opt %s -split-input-file -tilegpu-allocate-shared-memory -verify-diagnostics | FileCheck %s

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#m = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>
#a = #tilegpu.dot_op<opIdx = 0, parent = #m>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
!g = memref<?x?xbf16, strided<[?, 1]>>

module attributes {tilegpu.target = #tilegpu.target<"sm_80", warps = 4, threads_per_warp = 32>} {
// Q's buffer is read inside the loop, so it lives through the loop; K's and
// V's buffers do not overlap in time and share memory after Q's.
// CHECK-LABEL: tile.kernel @lifetimes
// CHECK: attributes {tilegpu.shared_bytes = 12288 : i32
// CHECK: local_alloc %{{.*}} {offset = 0 : i64} : {{.*}}64x64xbf16
// CHECK: scf.for
// CHECK: local_alloc %{{.*}} {offset = 8192 : i64} : {{.*}}32x64xbf16
// CHECK: local_alloc %{{.*}} {offset = 8192 : i64} : {{.*}}32x64xbf16
// A buffer after the loop reuses everything.
// CHECK: local_alloc %{{.*}} {offset = 0 : i64} : {{.*}}16x64xbf16
tile.kernel @lifetimes(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %q = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
  %qs = tilegpu.local_alloc %q : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  scf.for %i = %c0 to %c4 step %c1 {
    %k = tile.load %x[%i, %c0] : !g -> tensor<32x64xbf16, #b>
    %ks = tilegpu.local_alloc %k : tensor<32x64xbf16, #b> -> !tilegpu.smem<32x64xbf16, #s>
    %kr = tilegpu.local_load %ks : !tilegpu.smem<32x64xbf16, #s> -> tensor<32x64xbf16, #a>
    %qr = tilegpu.local_load %qs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #a>
    %v = tile.load %x[%i, %c0] : !g -> tensor<32x64xbf16, #b>
    %vs = tilegpu.local_alloc %v : tensor<32x64xbf16, #b> -> !tilegpu.smem<32x64xbf16, #s>
    %vr = tilegpu.local_load %vs : !tilegpu.smem<32x64xbf16, #s> -> tensor<32x64xbf16, #a>
  }
  %e = tile.load %x[%c0, %c0] : !g -> tensor<16x64xbf16, #b>
  %es = tilegpu.local_alloc %e : tensor<16x64xbf16, #b> -> !tilegpu.smem<16x64xbf16, #s>
  %er = tilegpu.local_load %es : !tilegpu.smem<16x64xbf16, #s> -> tensor<16x64xbf16, #a>
  tile.return
}
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#s = #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]>
!g = memref<?x?xf32, strided<[?, 1]>>

// Two buffers alive together do not overlap (offsets are 128-byte aligned).
// CHECK-LABEL: tile.kernel @overlap
// CHECK: attributes {tilegpu.shared_bytes = 384 : i32}
// CHECK: local_alloc %{{.*}} {offset = 0 : i64}
// CHECK: local_alloc %{{.*}} {offset = 256 : i64}
tile.kernel @overlap(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %t = tile.load %x[%c0, %c0] : !g -> tensor<4x16xf32, #b>
  %u = tile.load %x[%c0, %c0] : !g -> tensor<2x16xf32, #b>
  %ts = tilegpu.local_alloc %t : tensor<4x16xf32, #b> -> !tilegpu.smem<4x16xf32, #s>
  %us = tilegpu.local_alloc %u : tensor<2x16xf32, #b> -> !tilegpu.smem<2x16xf32, #s>
  %tr = tilegpu.local_load %ts : !tilegpu.smem<4x16xf32, #s> -> tensor<4x16xf32, #b>
  %ur = tilegpu.local_load %us : !tilegpu.smem<2x16xf32, #s> -> tensor<2x16xf32, #b>
  tile.return
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#s = #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]>
!g = memref<?x?xf32, strided<[?, 1]>>

module attributes {tilegpu.target = #tilegpu.target<"sm_90a", warps = 4, threads_per_warp = 32>} {
// expected-error @+1 {{kernel needs 262144 bytes of shared memory; sm_90a allows 232448}}
tile.kernel @too_big(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %t = tile.load %x[%c0, %c0] : !g -> tensor<256x256xf32, #b>
  %ts = tilegpu.local_alloc %t : tensor<256x256xf32, #b> -> !tilegpu.smem<256x256xf32, #s>
  tile.return
}
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [1, 4], order = [1, 0]>
#b2 = #tilegpu.blocked<sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
!g = memref<?x?xf32, strided<[?, 1]>>

// A reduction across the 4 warps gets scratch for 4 x 16 f32 partials for
// the op alone; one inside a warp gets none.
// CHECK-LABEL: tile.kernel @reduce_scratch
// CHECK: attributes {tilegpu.shared_bytes = 256 : i32}
// CHECK: reduce sum %{{.*}} axis 1 {tilegpu.scratch_offset = 0 : i64}
// CHECK: reduce sum %{{.*}} axis 1 :
tile.kernel @reduce_scratch(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %t = tile.load %x[%c0, %c0] : !g -> tensor<16x128xf32, #b>
  %r = tile.reduce sum %t axis 1 : tensor<16x128xf32, #b> -> tensor<16xf32, #tilegpu.slice<dim = 1, parent = #b>>
  %u = tile.load %x[%c0, %c0] : !g -> tensor<16x128xf32, #b2>
  %s = tile.reduce sum %u axis 1 : tensor<16x128xf32, #b2> -> tensor<16xf32, #tilegpu.slice<dim = 1, parent = #b2>>
  tile.return
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#m = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>
#a = #tilegpu.dot_op<opIdx = 0, parent = #m>
#bo = #tilegpu.dot_op<opIdx = 1, parent = #m>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
!g = memref<?x?xbf16, strided<[?, 1]>>

module attributes {tilegpu.target = #tilegpu.target<"sm_80", warps = 4, threads_per_warp = 32>} {
// Regression (kernels/matmul.tile gave wrong results on the GPU): an MMA
// operand's local_load emits nothing where it stands; the dot reads the
// buffer (ldmatrix per K step, or wgmma through a descriptor). A's buffer
// therefore lives until the dot and must not share memory with B's, which
// is written after A's local_load but before the dot.
// CHECK-LABEL: tile.kernel @operand_read_at_dot
// CHECK: attributes {tilegpu.shared_bytes = 8192 : i32
// CHECK: local_alloc %{{.*}} {offset = 0 : i64} : {{.*}}64x32xbf16
// CHECK: local_alloc %{{.*}} {offset = 4096 : i64} : {{.*}}32x64xbf16
tile.kernel @operand_read_at_dot(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %zero = arith.constant dense<0.0> : tensor<64x64xf32, #m>
  %x0 = tile.load %x[%c0, %c0] : !g -> tensor<64x32xbf16, #b>
  %y0 = tile.load %x[%c0, %c0] : !g -> tensor<32x64xbf16, #b>
  %xs = tilegpu.local_alloc %x0 : tensor<64x32xbf16, #b> -> !tilegpu.smem<64x32xbf16, #s>
  %xr = tilegpu.local_load %xs : !tilegpu.smem<64x32xbf16, #s> -> tensor<64x32xbf16, #a>
  %ys = tilegpu.local_alloc %y0 : tensor<32x64xbf16, #b> -> !tilegpu.smem<32x64xbf16, #s>
  %yr = tilegpu.local_load %ys : !tilegpu.smem<32x64xbf16, #s> -> tensor<32x64xbf16, #bo>
  %d = tile.dot %xr, %yr, %zero : tensor<64x32xbf16, #a>, tensor<32x64xbf16, #bo> -> tensor<64x64xf32, #m>
  tile.return
}
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#s = #tilegpu.shared<vec = 16, perPhase = 2, maxPhase = 4, order = [1, 0]>
!g = memref<?x?xbf16, strided<[?, 1]>>

module attributes {tilegpu.target = #tilegpu.target<"sm_80", warps = 4, threads_per_warp = 32>} {
// Regression (kernels/varlen_fwd.tile was wrong on the GPU): a bool takes a
// byte in shared memory, so a 64x64 mask needs 4096 bytes, not 512, and a
// buffer alive with it starts after them.
// CHECK-LABEL: tile.kernel @bool_bytes
// CHECK: attributes {tilegpu.shared_bytes = 8192 : i32}
// CHECK: local_alloc %{{.*}} {offset = 0 : i64} : {{.*}}64x64xi1
// CHECK: local_alloc %{{.*}} {offset = 4096 : i64} : {{.*}}64x64xi1
tile.kernel @bool_bytes(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %t = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
  %z = arith.constant dense<0.0> : tensor<64x64xbf16, #b>
  %ok = arith.cmpf ogt, %t, %z : tensor<64x64xbf16, #b>
  %no = arith.cmpf olt, %t, %z : tensor<64x64xbf16, #b>
  %oks = tilegpu.local_alloc %ok : tensor<64x64xi1, #b> -> !tilegpu.smem<64x64xi1, #s>
  %nos = tilegpu.local_alloc %no : tensor<64x64xi1, #b> -> !tilegpu.smem<64x64xi1, #s>
  %okr = tilegpu.local_load %oks : !tilegpu.smem<64x64xi1, #s> -> tensor<64x64xi1, #b>
  %nor = tilegpu.local_load %nos : !tilegpu.smem<64x64xi1, #s> -> tensor<64x64xi1, #b>
  tile.return
}
}

// -----

#v = #tilegpu.blocked<sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]>
#vs = #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [0]>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
#r = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [2, 1, 0]>
!g = memref<?x?xbf16, strided<[?, 1]>>
!f = memref<?xf32, strided<[1]>>

module attributes {tilegpu.target = #tilegpu.target<"sm_80", warps = 4, threads_per_warp = 32>} {
// Regression (racecheck, flash_bwd_dq): a row read with plain loads before
// a pipelined loop, and the loop's ring placed on the same bytes. The
// ring's first copies (issued by each thread on its own) must wait until
// every thread has read the row: a barrier after the ring's allocation.
// CHECK-LABEL: tile.kernel @ring_reuses_buffer
// CHECK: local_alloc %{{.*}} {offset = 0 : i64} : {{.*}}64xf32
// CHECK: local_load
// CHECK-NEXT: store
// CHECK-NEXT: %[[R:.*]] = tilegpu.alloc_ring {offset = 0 : i64}
// CHECK-NEXT: tilegpu.barrier
// CHECK-NEXT: tilegpu.ring_slot %[[R]]
tile.kernel @ring_reuses_buffer(%x: !g, %y: !f) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %row = tile.load %y[%c0] : !f -> tensor<64xf32, #v>
  %rs = tilegpu.local_alloc %row : tensor<64xf32, #v> -> !tilegpu.smem<64xf32, #vs>
  %rl = tilegpu.local_load %rs : !tilegpu.smem<64xf32, #vs> -> tensor<64xf32, #v>
  tile.store %rl, %y[%c0] : tensor<64xf32, #v>, !f
  %ring = tilegpu.alloc_ring : !tilegpu.smem<2x64x64xbf16, #r>
  %slot = tilegpu.ring_slot %ring[%c0] : !tilegpu.smem<2x64x64xbf16, #r> -> !tilegpu.smem<64x64xbf16, #s>
  tilegpu.async_copy %x[%c0, %c0] into %slot {layout = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>} : !g, !tilegpu.smem<64x64xbf16, #s>
  tile.return
}
}
