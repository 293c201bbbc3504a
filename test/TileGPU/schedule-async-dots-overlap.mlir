// RUN: fa-opt %s -split-input-file -verify-diagnostics -tilegpu-schedule-async-dots="overlap=true prefetch=false" | FileCheck %s

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#bt = #tilegpu.blocked<sizePerThread = [8, 1], threadsPerWarp = [8, 4], warpsPerCTA = [1, 4], order = [0, 1]>
#m = #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 64, 16]>
#row = #tilegpu.slice<dim = 1, parent = #m>
#a = #tilegpu.dot_op<opIdx = 0, parent = #m>
#bb = #tilegpu.dot_op<opIdx = 1, parent = #m>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
#st = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]>
!g = memref<?x?xbf16, strided<[?, 1]>>

// Attention's loop with the online-softmax rescale. P V is deferred by one
// iteration: the prologue computes S and the softmax of the first block
// (its K load without in_bounds) and a barrier follows; the loop starts one
// step later and carries P and alpha; in the body the accumulator is
// rescaled by the carried alpha (its broadcast recomputed there), then S and
// P V of the previous block (its V loaded at iv - step, P carried) are
// issued next to each other (a pingpong window can wrap the two); S is
// waited for with depth 1 before the softmax, P V with depth
// 0 at the end (a wait marked to stay after the softmax), before the
// conversion computing the next P. The epilogue
// (an scf.if on lb < ub) runs the last P V; without an iteration it yields
// the initial values, the accumulator's taken from the loop's result (the
// same registers as the loop's, not a second set joined with the zeros). The
// kernel's asynchronous dots recompute their descriptors at each issue.
// CHECK-LABEL: tile.kernel @attention
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[N:.*]] = memref.dim
// CHECK-DAG: %[[NINF:.*]] = arith.constant dense<0xFF800000>
// CHECK: {{(tile\.)?}}load %{{.*}}[%[[C0]], %[[C0]]] : memref
// CHECK: {{(tile\.)?}}load %{{.*}}[%[[C0]], %[[C0]]] : memref
// CHECK: %[[S0A:.*]] = tilegpu.dot_async
// CHECK-NEXT: %[[S0:.*]] = tilegpu.dot_wait %[[S0A]] {pendings = 0 : i32}
// CHECK-NEXT: {{(tile\.)?}}reduce max %[[S0]]
// CHECK-NEXT: %[[M0:.*]] = arith.maximumf
// CHECK: math.exp2 %{{.*}} : tensor<64x64xf32
// CHECK: %[[AL0:.*]] = math.exp2 %{{.*}} : tensor<64xf32
// CHECK: %[[P0:.*]] = tilegpu.convert_layout
// CHECK-NEXT: tilegpu.barrier
// CHECK-NEXT: %[[LB:.*]] = arith.addi %[[C0]], %[[C64]] : index
// CHECK-NEXT: %[[R:.*]]:4 = scf.for %[[IV:[^ ]*]] = %[[LB]] to %[[N]] step %[[C64]] iter_args(%[[ACC:[^ ]*]] = %{{[^ ]*}}, %[[MI:[^ ]*]] = %[[M0]], %[[P:[^ ]*]] = %[[P0]], %[[AL:[^ ]*]] = %[[AL0]])
// CHECK-NEXT: %[[PREV:.*]] = arith.subi %[[IV]], %[[C64]] : index
// CHECK-NEXT: tile.load %{{.*}}[%[[IV]], %[[C0]]] in_bounds [true, true]
// CHECK: tile.expand_dims %[[AL]]
// CHECK-NEXT: tile.broadcast
// CHECK-NEXT: %[[RESC:.*]] = arith.mulf %[[ACC]]
// CHECK-NEXT: %[[SA:.*]] = tilegpu.dot_async {{.*}} {tilegpu.recompute_descriptors}
// CHECK-NEXT: tile.load %{{.*}}[%[[PREV]], %[[C0]]] in_bounds [true, true]
// CHECK-NEXT: tilegpu.local_alloc
// CHECK-NEXT: tilegpu.local_load
// CHECK-NEXT: %[[PVA:.*]] = tilegpu.dot_async %[[P]], %{{.*}}, %[[RESC]]
// CHECK-NEXT: %[[SW:.*]] = tilegpu.dot_wait %[[SA]] {pendings = 1 : i32}
// CHECK-NEXT: tile.reduce max %[[SW]]
// CHECK: %[[PVW:.*]] = tilegpu.dot_wait %[[PVA]] {pendings = 0 : i32, tilegpu.ordered_wait}
// CHECK-NEXT: arith.truncf
// CHECK-NEXT: %[[PN:.*]] = tilegpu.convert_layout
// CHECK-NEXT: scf.yield %[[PVW]], %{{.*}}, %[[PN]], %{{.*}}
// CHECK: %[[ANY:.*]] = arith.cmpi slt, %[[C0]], %[[N]] : index
// CHECK-NEXT: %[[F:.*]]:2 = scf.if %[[ANY]]
// CHECK: tile.expand_dims %[[R]]#3
// CHECK: tile.load %{{.*}}[%{{.*}}, %[[C0]]] in_bounds [true, true]
// CHECK: %[[EA:.*]] = tilegpu.dot_async %[[R]]#2, %{{.*}}, %{{.*}}
// CHECK-NEXT: %[[EW:.*]] = tilegpu.dot_wait %[[EA]] {pendings = 0 : i32} :
// CHECK-NEXT: scf.yield %[[EW]], %[[R]]#1
// CHECK: } else {
// CHECK-NEXT: scf.yield %[[R]]#0, %[[NINF]] :
// CHECK: arith.truncf %[[F]]#0
tile.kernel @attention(%x: !g {tile.dims = ["N", 64]}, %y: !g {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %n = memref.dim %x, %c0 : !g
  %z = arith.constant dense<0.0> : tensor<64x64xf32, #m>
  %ninf = arith.constant dense<0xFF800000> : tensor<64xf32, #row>
  %q = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
  %qs = tilegpu.local_alloc %q : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  %r:2 = scf.for %i = %c0 to %n step %c64 iter_args(%acc = %z, %mi = %ninf) -> (tensor<64x64xf32, #m>, tensor<64xf32, #row>) {
    %k = tile.load %x[%i, %c0] in_bounds [true, true] : !g -> tensor<64x64xbf16, #b>
    %kt = tile.trans %k : tensor<64x64xbf16, #b> -> tensor<64x64xbf16, #bt>
    %ks = tilegpu.local_alloc %kt : tensor<64x64xbf16, #bt> -> !tilegpu.smem<64x64xbf16, #st>
    %qa = tilegpu.local_load %qs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #a>
    %kb = tilegpu.local_load %ks : !tilegpu.smem<64x64xbf16, #st> -> tensor<64x64xbf16, #bb>
    %s = tile.dot %qa, %kb, %z : tensor<64x64xbf16, #a>, tensor<64x64xbf16, #bb> -> tensor<64x64xf32, #m>
    %mx = tile.reduce max %s axis 1 : tensor<64x64xf32, #m> -> tensor<64xf32, #row>
    %mn = arith.maximumf %mi, %mx : tensor<64xf32, #row>
    %me = tile.expand_dims %mn axis 1 : tensor<64xf32, #row> -> tensor<64x1xf32, #m>
    %mb = tile.broadcast %me : tensor<64x1xf32, #m> -> tensor<64x64xf32, #m>
    %d = arith.subf %s, %mb : tensor<64x64xf32, #m>
    %p = math.exp2 %d : tensor<64x64xf32, #m>
    %da = arith.subf %mi, %mn : tensor<64xf32, #row>
    %alpha = math.exp2 %da : tensor<64xf32, #row>
    %ae = tile.expand_dims %alpha axis 1 : tensor<64xf32, #row> -> tensor<64x1xf32, #m>
    %ab = tile.broadcast %ae : tensor<64x1xf32, #m> -> tensor<64x64xf32, #m>
    %sc = arith.mulf %acc, %ab : tensor<64x64xf32, #m>
    %pt = arith.truncf %p : tensor<64x64xf32, #m> to tensor<64x64xbf16, #m>
    %pa = tilegpu.convert_layout %pt : tensor<64x64xbf16, #m> -> tensor<64x64xbf16, #a>
    %v = tile.load %y[%i, %c0] in_bounds [true, true] : !g -> tensor<64x64xbf16, #b>
    %vs = tilegpu.local_alloc %v : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %vb = tilegpu.local_load %vs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #bb>
    %o = tile.dot %pa, %vb, %sc : tensor<64x64xbf16, #a>, tensor<64x64xbf16, #bb> -> tensor<64x64xf32, #m>
    scf.yield %o, %mn : tensor<64x64xf32, #m>, tensor<64xf32, #row>
  }
  %out = arith.truncf %r#0 : tensor<64x64xf32, #m> to tensor<64x64xbf16, #m>
  tile.store %out, %y[%c0, %c0] : tensor<64x64xbf16, #m>, !g
  tile.return
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#m = #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 64, 16]>
#a = #tilegpu.dot_op<opIdx = 0, parent = #m>
#bb = #tilegpu.dot_op<opIdx = 1, parent = #m>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
!g = memref<?x?xbf16, strided<[?, 1]>>

// The second product is read in the loop (its sum feeds the next block's
// first operand): a remark, and the loop keeps its form (both products
// waited for before their readers).
// CHECK-LABEL: tile.kernel @refused
// CHECK-NOT: recompute_descriptors
// CHECK: scf.for
// CHECK: %[[S:.*]] = tilegpu.dot_async
// CHECK-NEXT: tilegpu.dot_wait %[[S]] {pendings = 0 : i32}
// CHECK: %[[O:.*]] = tilegpu.dot_async
// CHECK-NEXT: tilegpu.dot_wait %[[O]] {pendings = 0 : i32}
tile.kernel @refused(%x: !g {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  %z = arith.constant dense<0.0> : tensor<64x64xf32, #m>
  %q = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
  %qs = tilegpu.local_alloc %q : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  // expected-remark @below {{products not overlapped: the second product is read in the loop}}
  %r = scf.for %i = %c0 to %c512 step %c64 iter_args(%acc = %z) -> (tensor<64x64xf32, #m>) {
    %k = tile.load %x[%i, %c0] : !g -> tensor<64x64xbf16, #b>
    %ks = tilegpu.local_alloc %k : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %qa = tilegpu.local_load %qs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #a>
    %kb = tilegpu.local_load %ks : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #bb>
    %s = tile.dot %qa, %kb, %z : tensor<64x64xbf16, #a>, tensor<64x64xbf16, #bb> -> tensor<64x64xf32, #m>
    %p = arith.truncf %s : tensor<64x64xf32, #m> to tensor<64x64xbf16, #m>
    %pa = tilegpu.convert_layout %p : tensor<64x64xbf16, #m> -> tensor<64x64xbf16, #a>
    %o = tile.dot %pa, %kb, %acc : tensor<64x64xbf16, #a>, tensor<64x64xbf16, #bb> -> tensor<64x64xf32, #m>
    %o2 = arith.addf %o, %acc : tensor<64x64xf32, #m>
    scf.yield %o2 : tensor<64x64xf32, #m>
  }
  tile.return
}
