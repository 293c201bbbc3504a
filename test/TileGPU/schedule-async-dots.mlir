// RUN: fa-opt %s -split-input-file -tilegpu-schedule-async-dots | FileCheck %s
// RUN: fa-opt %s -split-input-file -tilegpu-schedule-async-dots="prefetch=false" | FileCheck %s --check-prefix=NOPF

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#bt = #tilegpu.blocked<sizePerThread = [8, 1], threadsPerWarp = [8, 4], warpsPerCTA = [1, 4], order = [0, 1]>
#m = #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 64, 16]>
#a = #tilegpu.dot_op<opIdx = 0, parent = #m>
#bb = #tilegpu.dot_op<opIdx = 1, parent = #m>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
#st = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]>
!g = memref<?x?xbf16, strided<[?, 1]>>

// Attention's loop: S = Q K(i)^T depends on the induction variable and
// invariants only. It is computed for the first block before the loop and
// carried; in the body the next block's S is issued (dot_async, its K
// loaded at iv + step without in_bounds) where S stood, the softmax stand-in
// reads the carried S, P V is issued and waited right before the yield
// (its reader), and the next S is waited there with depth 1 (P V, issued
// after it, may still run).
// CHECK-LABEL: tile.kernel @attention
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: {{(tile\.)?}}load %{{.*}}[%[[C0]], %[[C0]]] : memref
// CHECK: {{(tile\.)?}}load %{{.*}}[%[[C0]], %[[C0]]] : memref
// CHECK: %[[S0A:.*]] = tilegpu.dot_async
// CHECK-NEXT: %[[S0:.*]] = tilegpu.dot_wait %[[S0A]] {pendings = 0 : i32}
// CHECK: scf.for %[[IV:.*]] = %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}, %[[S:.*]] = %[[S0]])
// CHECK-NEXT: %[[NEXT:.*]] = arith.addi %[[IV]], %{{.*}} : index
// CHECK-NEXT: %[[K1:.*]] = tile.load %{{.*}}[%[[NEXT]], %[[C0]]] : memref
// CHECK: %[[SN:.*]] = tilegpu.dot_async
// CHECK-NOT: tile.load
// CHECK: arith.truncf %[[S]]
// CHECK: %[[PV:.*]] = tilegpu.dot_async %{{.*}}, %{{.*}}, %[[ACC]]
// CHECK-NEXT: %[[W2:.*]] = tilegpu.dot_wait %[[SN]] {pendings = 1 : i32}
// CHECK-NEXT: %[[W1:.*]] = tilegpu.dot_wait %[[PV]] {pendings = 0 : i32}
// CHECK-NEXT: scf.yield %[[W1]], %[[W2]]
// Without prefetch both dots are issued asynchronously and waited before
// their first readers, depth 0.
// NOPF-LABEL: tile.kernel @attention
// NOPF: scf.for
// NOPF: %[[S:.*]] = tilegpu.dot_async
// NOPF-NEXT: %[[SW:.*]] = tilegpu.dot_wait %[[S]] {pendings = 0 : i32}
// NOPF-NEXT: arith.truncf %[[SW]]
// NOPF: %[[PV:.*]] = tilegpu.dot_async
// NOPF-NEXT: %[[W:.*]] = tilegpu.dot_wait %[[PV]] {pendings = 0 : i32}
// NOPF-NEXT: scf.yield %[[W]]
tile.kernel @attention(%x: !g {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  %z = arith.constant dense<0.0> : tensor<64x64xf32, #m>
  %q = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
  %qs = tilegpu.local_alloc %q : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  %r = scf.for %i = %c0 to %c512 step %c64 iter_args(%acc = %z) -> (tensor<64x64xf32, #m>) {
    %k = tile.load %x[%i, %c0] in_bounds [true, true] : !g -> tensor<64x64xbf16, #b>
    %kt = tile.trans %k : tensor<64x64xbf16, #b> -> tensor<64x64xbf16, #bt>
    %ks = tilegpu.local_alloc %kt : tensor<64x64xbf16, #bt> -> !tilegpu.smem<64x64xbf16, #st>
    %qa = tilegpu.local_load %qs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #a>
    %kb = tilegpu.local_load %ks : !tilegpu.smem<64x64xbf16, #st> -> tensor<64x64xbf16, #bb>
    %s = tile.dot %qa, %kb, %z : tensor<64x64xbf16, #a>, tensor<64x64xbf16, #bb> -> tensor<64x64xf32, #m>
    %p = arith.truncf %s : tensor<64x64xf32, #m> to tensor<64x64xbf16, #m>
    %pa = tilegpu.convert_layout %p : tensor<64x64xbf16, #m> -> tensor<64x64xbf16, #a>
    %v = tile.load %x[%i, %c0] : !g -> tensor<64x64xbf16, #b>
    %vs = tilegpu.local_alloc %v : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %vb = tilegpu.local_load %vs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #bb>
    %o = tile.dot %pa, %vb, %acc : tensor<64x64xbf16, #a>, tensor<64x64xbf16, #bb> -> tensor<64x64xf32, #m>
    scf.yield %o : tensor<64x64xf32, #m>
  }
  tile.return
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#m = #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 64, 16]>
#m2 = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>
#a = #tilegpu.dot_op<opIdx = 0, parent = #m>
#bb = #tilegpu.dot_op<opIdx = 1, parent = #m>
#a2 = #tilegpu.dot_op<opIdx = 0, parent = #m2>
#bb2 = #tilegpu.dot_op<opIdx = 1, parent = #m2>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
!g = memref<?x?xbf16, strided<[?, 1]>>
!f = memref<?x?xf32, strided<[?, 1]>>

// A loop that writes memory keeps its dots in place (their operands of the
// next iteration could change); two independent dots issued back to back
// get depths 1 and 0 when waited in issue order; mma.sync dots (version 2)
// are left alone.
// CHECK-LABEL: tile.kernel @depths
// CHECK: scf.for
// CHECK: %[[D1:.*]] = tilegpu.dot_async
// CHECK-NEXT: %[[D2:.*]] = tilegpu.dot_async
// CHECK-NEXT: %[[W1:.*]] = tilegpu.dot_wait %[[D1]] {pendings = 1 : i32}
// CHECK-NEXT: tile.store %[[W1]]
// CHECK-NEXT: %[[W2:.*]] = tilegpu.dot_wait %[[D2]] {pendings = 0 : i32}
// CHECK-NEXT: tile.store %[[W2]]
// CHECK: tile.dot {{.*}} -> tensor<64x64xf32, #tilenv.mma<version = 2
tile.kernel @depths(%x: !g {tile.dims = ["N", 64]}, %y: !f {tile.dims = ["N", 128]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  %z = arith.constant dense<0.0> : tensor<64x64xf32, #m>
  %z2 = arith.constant dense<0.0> : tensor<64x64xf32, #m2>
  %q = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
  %qs = tilegpu.local_alloc %q : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  scf.for %i = %c0 to %c512 step %c64 {
    %k = tile.load %x[%i, %c0] : !g -> tensor<64x64xbf16, #b>
    %ks = tilegpu.local_alloc %k : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %qa = tilegpu.local_load %qs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #a>
    %kb = tilegpu.local_load %ks : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #bb>
    %qa2 = tilegpu.local_load %qs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #a>
    %kb2 = tilegpu.local_load %ks : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #bb>
    %d1 = tile.dot %qa, %kb, %z : tensor<64x64xbf16, #a>, tensor<64x64xbf16, #bb> -> tensor<64x64xf32, #m>
    %d2 = tile.dot %qa2, %kb2, %z : tensor<64x64xbf16, #a>, tensor<64x64xbf16, #bb> -> tensor<64x64xf32, #m>
    tile.store %d1, %y[%i, %c0] : tensor<64x64xf32, #m>, !f
    tile.store %d2, %y[%i, %c64] : tensor<64x64xf32, #m>, !f
    %qa3 = tilegpu.local_load %qs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #a2>
    %kb3 = tilegpu.local_load %ks : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #bb2>
    %d3 = tile.dot %qa3, %kb3, %z2 : tensor<64x64xbf16, #a2>, tensor<64x64xbf16, #bb2> -> tensor<64x64xf32, #m2>
    tile.store %d3, %y[%i, %c0] : tensor<64x64xf32, #m2>, !f
  }
  tile.return
}
