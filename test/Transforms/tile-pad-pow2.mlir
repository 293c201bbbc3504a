// RUN: fa-opt %s -split-input-file -tile-pad-pow2 -verify-diagnostics | FileCheck %s
// tile-pad-pow2: tiles are retyped to powers of two; accesses mask the
// padding unless it lies past the tensor's end, and reductions and dots get
// neutral padding where it is not known already.

!g = memref<?x?xbf16, strided<[?, 1]>>
!f = memref<?x?xf32, strided<[?, 1]>>

// The whole head dimension (80 of a static 80): the padding is out of
// bounds, so the load stays unmasked (and loses its in_bounds flag along
// the head dimension); the dot's K padding holds the loads' zeros, and the
// store drops the padding through its bounds check.
// CHECK-LABEL: tile.kernel @head_dim
// CHECK: %[[Q:.*]] = {{(tile\.)?}}load %arg0[%{{.*}}, %{{.*}}] in_bounds [true, false] : {{.*}} -> tensor<64x128xbf16>
// CHECK: %[[K:.*]] = {{(tile\.)?}}load %arg1[%{{.*}}, %{{.*}}] : {{.*}} -> tensor<64x128xbf16>
// CHECK: %[[KT:.*]] = {{(tile\.)?}}trans %[[K]] : tensor<64x128xbf16> -> tensor<128x64xbf16>
// CHECK-NOT: arith.select
// CHECK: {{(tile\.)?}}dot %[[Q]], %[[KT]], %{{.*}} : tensor<64x128xbf16>, tensor<128x64xbf16> -> tensor<64x64xf32>
// CHECK: %[[V:.*]] = {{(tile\.)?}}load %arg2{{.*}} -> tensor<64x128xbf16>
// CHECK: %[[PV:.*]] = {{(tile\.)?}}dot %{{.*}}, %[[V]], %{{.*}} : tensor<64x64xbf16>, tensor<64x128xbf16> -> tensor<64x128xf32>
// CHECK: %[[O:.*]] = arith.truncf %[[PV]] : tensor<64x128xf32> to tensor<64x128xbf16>
// CHECK-NEXT: {{(tile\.)?}}store %[[O]], %arg3[%{{.*}}, %{{.*}}] : tensor<64x128xbf16>
tile.kernel @head_dim(%q: !g {tile.dims = ["N", 80]}, %k: !g {tile.dims = ["N", 80]},
                      %v: !g {tile.dims = ["N", 80]}, %o: !g {tile.dims = ["N", 80]}) grid {
  %c1 = arith.constant 1 : index
  yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %m0 = arith.constant 64 : index
  %qt = tile.load %q[%m0, %c0] in_bounds [true, true] : !g -> tensor<64x80xbf16>
  %kt = tile.load %k[%c0, %c0] : !g -> tensor<64x80xbf16>
  %ktt = tile.trans %kt : tensor<64x80xbf16> -> tensor<80x64xbf16>
  %z = arith.constant dense<0.0> : tensor<64x64xf32>
  %s = tile.dot %qt, %ktt, %z : tensor<64x80xbf16>, tensor<80x64xbf16> -> tensor<64x64xf32>
  %p = arith.truncf %s : tensor<64x64xf32> to tensor<64x64xbf16>
  %vt = tile.load %v[%c0, %c0] : !g -> tensor<64x80xbf16>
  %z2 = arith.constant dense<0.0> : tensor<64x80xf32>
  %pv = tile.dot %p, %vt, %z2 : tensor<64x64xbf16>, tensor<64x80xbf16> -> tensor<64x80xf32>
  %ot = arith.truncf %pv : tensor<64x80xf32> to tensor<64x80xbf16>
  tile.store %ot, %o[%m0, %c0] : tensor<64x80xbf16>, !g
  return
}

// -----

!g = memref<?x?xbf16, strided<[?, 1]>>

// A block of 48 columns at offset 16 of 96 (or at a run-time offset) ends
// inside the tensor: the load and the store mask columns >= 48; the
// existing mask is kept and combined.
// CHECK-LABEL: tile.kernel @inner_block
// CHECK: %[[IOTA:.*]] = {{(tile\.)?}}iota : tensor<64xi32>
// CHECK: %[[C48:.*]] = arith.constant 48 : i32
// CHECK: %[[B:.*]] = {{(tile\.)?}}splat %[[C48]] : i32 -> tensor<64xi32>
// CHECK: %[[LT:.*]] = arith.cmpi slt, %[[IOTA]], %[[B]] : tensor<64xi32>
// CHECK: %[[E:.*]] = {{(tile\.)?}}expand_dims %[[LT]] axis 0 : tensor<64xi1> -> tensor<1x64xi1>
// CHECK: %[[M:.*]] = {{(tile\.)?}}broadcast %[[E]] : tensor<1x64xi1> -> tensor<32x64xi1>
// CHECK: %[[X:.*]] = {{(tile\.)?}}load %arg0[%{{.*}}, %{{.*}}] mask %[[M]] : tensor<32x64xi1> : {{.*}} -> tensor<32x64xbf16>
// CHECK: %[[M2:.*]] = {{(tile\.)?}}broadcast %{{.*}} : tensor<1x64xi1> -> tensor<32x64xi1>
// CHECK: %[[AND:.*]] = arith.andi %{{.*}}, %[[M2]] : tensor<32x64xi1>
// CHECK: {{(tile\.)?}}store %[[X]], %arg1[%{{.*}}, %{{.*}}] mask %[[AND]] : tensor<32x64xi1> : tensor<32x64xbf16>
tile.kernel @inner_block(%x: !g {tile.dims = ["N", 96]}, %y: !g {tile.dims = ["N", "D"]}, %off: index) grid {
  %c1 = arith.constant 1 : index
  yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %xt = tile.load %x[%c0, %c16] : !g -> tensor<32x48xbf16>
  %i = tile.iota : tensor<32xi32>
  %c7 = arith.constant 7 : i32
  %s7 = tile.splat %c7 : i32 -> tensor<32xi32>
  %r = arith.cmpi slt, %i, %s7 : tensor<32xi32>
  %re = tile.expand_dims %r axis 1 : tensor<32xi1> -> tensor<32x1xi1>
  %rows = tile.broadcast %re : tensor<32x1xi1> -> tensor<32x48xi1>
  tile.store %xt, %y[%c0, %off] mask %rows : tensor<32x48xi1> : tensor<32x48xbf16>, !g
  return
}

// -----

!f = memref<?x?xf32, strided<[?, 1]>>

// Reductions along padded dimensions. A loaded tile's padding holds 0:
// a row sum needs nothing, a row max gets -inf. exp of a load has padding
// exp(0) = 1 (folded), so its sum gets 0; x * x keeps 0 and needs nothing.
// A reduction along an unpadded dimension needs nothing either.
// CHECK-LABEL: tile.kernel @reductions
// CHECK: %[[X:.*]] = {{(tile\.)?}}load {{.*}} -> tensor<16x128xf32>
// CHECK-NEXT: {{(tile\.)?}}reduce sum %[[X]] axis 1
// CHECK: %[[MASK:.*]] = {{(tile\.)?}}broadcast %{{.*}} : tensor<1x128xi1> -> tensor<16x128xi1>
// CHECK: %[[NINF:.*]] = arith.constant dense<0xFF800000> : tensor<16x128xf32>
// CHECK: %[[SEL:.*]] = arith.select %[[MASK]], %[[X]], %[[NINF]]
// CHECK: {{(tile\.)?}}reduce max %[[SEL]] axis 1
// CHECK: %[[E:.*]] = math.exp %[[X]] : tensor<16x128xf32>
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<16x128xf32>
// CHECK: %[[SEL2:.*]] = arith.select %{{.*}}, %[[E]], %[[ZERO]]
// CHECK: {{(tile\.)?}}reduce sum %[[SEL2]] axis 1
// CHECK: %[[SQ:.*]] = arith.mulf %[[X]], %[[X]]
// CHECK-NEXT: {{(tile\.)?}}reduce sum %[[SQ]] axis 1
// CHECK-NEXT: {{(tile\.)?}}reduce min %[[X]] axis 0 : tensor<16x128xf32> -> tensor<128xf32>
tile.kernel @reductions(%x: !f {tile.dims = ["N", 100]}, %out: !f {tile.dims = ["N", 100]}) grid {
  %c1 = arith.constant 1 : index
  yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %xt = tile.load %x[%c0, %c0] : !f -> tensor<16x100xf32>
  %a = tile.reduce sum %xt axis 1 : tensor<16x100xf32> -> tensor<16xf32>
  %b = tile.reduce max %xt axis 1 : tensor<16x100xf32> -> tensor<16xf32>
  %e = math.exp %xt : tensor<16x100xf32>
  %c = tile.reduce sum %e axis 1 : tensor<16x100xf32> -> tensor<16xf32>
  %sq = arith.mulf %xt, %xt : tensor<16x100xf32>
  %d = tile.reduce sum %sq axis 1 : tensor<16x100xf32> -> tensor<16xf32>
  %col = tile.reduce min %xt axis 0 : tensor<16x100xf32> -> tensor<100xf32>
  %s1 = arith.addf %a, %b : tensor<16xf32>
  %s2 = arith.addf %c, %d : tensor<16xf32>
  %s3 = arith.addf %s1, %s2 : tensor<16xf32>
  %e1 = tile.expand_dims %s3 axis 1 : tensor<16xf32> -> tensor<16x1xf32>
  %b1 = tile.broadcast %e1 : tensor<16x1xf32> -> tensor<16x100xf32>
  %e0 = tile.expand_dims %col axis 0 : tensor<100xf32> -> tensor<1x100xf32>
  %b0 = tile.broadcast %e0 : tensor<1x100xf32> -> tensor<16x100xf32>
  %t = arith.addf %b1, %b0 : tensor<16x100xf32>
  tile.store %t, %out[%c0, %c0] : tensor<16x100xf32>, !f
  return
}

// -----

!g = memref<?x?xbf16, strided<[?, 1]>>
!f = memref<?x?xf32, strided<[?, 1]>>

// A dot whose padded K comes from a loop-carried tile (padding unknown)
// gets zeros in that operand's K padding; the other operand (w + w of a
// load: 0 + 0 folded) needs none. A broadcast into a padded
// dimension copies valid elements there, so the scaled accumulator's padding
// is unknown too. The loop carries the padded types.
// CHECK-LABEL: tile.kernel @carried
// CHECK: scf.for {{.*}} iter_args(%[[A:.*]] = %{{.*}}) -> (tensor<32x256xbf16>)
// CHECK: %[[SA:.*]] = arith.select %{{.*}}, %[[A]], %{{.*}} : tensor<32x256xi1>, tensor<32x256xbf16>
// CHECK-NEXT: {{(tile\.)?}}dot %[[SA]], %[[WB:.*]], %{{.*}} : tensor<32x256xbf16>, tensor<256x32xbf16> -> tensor<32x32xf32>
// CHECK: scf.yield %{{.*}} : tensor<32x256xbf16>
// CHECK: %[[SR:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<32x256xi1>, tensor<32x256xbf16>
// CHECK-NEXT: {{(tile\.)?}}dot %[[SR]], %[[WB]]
tile.kernel @carried(%x: !g {tile.dims = ["N", 192]}, %w: !g {tile.dims = [192, "M"]},
                     %out: !f {tile.dims = ["N", "M"]}, %n: index) grid {
  %c1 = arith.constant 1 : index
  yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a0 = tile.load %x[%c0, %c0] : !g -> tensor<32x192xbf16>
  %wt = tile.load %w[%c0, %c0] : !g -> tensor<192x32xbf16>
  %wb = arith.addf %wt, %wt : tensor<192x32xbf16>
  %two = arith.constant 2.0 : bf16
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%a = %a0) -> (tensor<32x192xbf16>) {
    %z = arith.constant dense<0.0> : tensor<32x32xf32>
    %s = tile.dot %a, %wb, %z : tensor<32x192xbf16>, tensor<192x32xbf16> -> tensor<32x32xf32>
    %red = tile.reduce sum %s axis 1 : tensor<32x32xf32> -> tensor<32xf32>
    %rt = arith.truncf %red : tensor<32xf32> to tensor<32xbf16>
    %re = tile.expand_dims %rt axis 1 : tensor<32xbf16> -> tensor<32x1xbf16>
    %rb = tile.broadcast %re : tensor<32x1xbf16> -> tensor<32x192xbf16>
    %next = arith.mulf %a, %rb : tensor<32x192xbf16>
    scf.yield %next : tensor<32x192xbf16>
  }
  %z = arith.constant dense<0.0> : tensor<32x32xf32>
  %s = tile.dot %r, %wb, %z : tensor<32x192xbf16>, tensor<192x32xbf16> -> tensor<32x32xf32>
  tile.store %s, %out[%c0, %c0] : tensor<32x32xf32>, !f
  return
}

// -----

!f = memref<?xf32, strided<[1]>>

tile.kernel @non_splat(%x: !f {tile.dims = ["N"]}) grid {
  %c1 = arith.constant 1 : index
  yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{must be a splat to be padded to powers of two}}
  %t = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  tile.store %t, %x[%c0] : tensor<3xf32>, !f
  return
}
