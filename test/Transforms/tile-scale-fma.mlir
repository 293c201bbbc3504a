// RUN: fa-opt %s -split-input-file -tile-scale-fma | FileCheck %s

// The online softmax of a kernel that reduces its unscaled scores, after
// tile-exp2-fold: s = x * k' only feeds the exp2's subtraction, which
// becomes fma(x, k', -m) with m negated as a row vector. The natural
// broadcast of m is gone.
// CHECK-LABEL: tile.kernel @runtime_scale
// CHECK-SAME: %[[K:[a-z0-9]+]]: f32
// CHECK: %[[X:.*]] = {{(tile\.)?}}dot
// CHECK-NOT: arith.mulf %[[X]]
// CHECK: %[[RM:.*]] = {{(tile\.)?}}reduce max %[[X]] axis 1
// CHECK: %[[KR:.*]] = {{(tile\.)?}}splat %[[K]] : f32 -> tensor<16xf32>
// CHECK: %[[RMK:.*]] = arith.mulf %[[RM]], %[[KR]]
// CHECK: %[[M:.*]] = arith.maximumf %{{.*}}, %[[RMK]]
// CHECK: %[[KS:.*]] = {{(tile\.)?}}splat %[[K]] : f32 -> tensor<16x8xf32>
// CHECK-NOT: arith.subf
// CHECK: %[[NEG:.*]] = arith.negf %[[M]] : tensor<16xf32>
// CHECK-NEXT: %[[NE:.*]] = {{(tile\.)?}}expand_dims %[[NEG]] axis 1
// CHECK-NEXT: %[[NB:.*]] = {{(tile\.)?}}broadcast %[[NE]] : tensor<16x1xf32> -> tensor<16x8xf32>
// CHECK-NEXT: %[[F:.*]] = math.fma %[[X]], %[[KS]], %[[NB]] : tensor<16x8xf32>
// CHECK-NEXT: math.exp2 %[[F]]
// CHECK-NOT: broadcast
tile.kernel @runtime_scale(%x: memref<?x?xf32, strided<[?, 1]>>, %k: f32) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %a = tile.load %x[%c0, %c0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x4xf32>
  %bt = tile.load %x[%c0, %c0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<4x8xf32>
  %m0 = tile.load %x[%c0, %c0] dims [1] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16xf32>
  %z = arith.constant dense<0.0> : tensor<16x8xf32>
  %d = tile.dot %a, %bt, %z : tensor<16x4xf32>, tensor<4x8xf32> -> tensor<16x8xf32>
  %rm = tile.reduce max %d axis 1 : tensor<16x8xf32> -> tensor<16xf32>
  %kr = tile.splat %k : f32 -> tensor<16xf32>
  %rmk = arith.mulf %rm, %kr : tensor<16xf32>
  %m = arith.maximumf %m0, %rmk : tensor<16xf32>
  %ks = tile.splat %k : f32 -> tensor<16x8xf32>
  %s = arith.mulf %d, %ks : tensor<16x8xf32>
  %e = tile.expand_dims %m axis 1 : tensor<16xf32> -> tensor<16x1xf32>
  %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
  %diff = arith.subf %s, %b : tensor<16x8xf32>
  %p = math.exp2 %diff : tensor<16x8xf32>
  tile.store %p, %x[%c0, %c0] : tensor<16x8xf32>, memref<?x?xf32, strided<[?, 1]>>
  tile.store %m, %x[%c0, %c0] dims [1] : tensor<16xf32>, memref<?x?xf32, strided<[?, 1]>>
  tile.return
}

// -----

// A negative constant scale: the row min of x, scaled at compile time; a
// row min of s becomes a row max of x. No branch.
// CHECK-LABEL: tile.kernel @negative_constant
// CHECK-NOT: scf.if
// CHECK: %[[X:.*]] = {{(tile\.)?}}dot
// CHECK-DAG: %[[MIN:.*]] = {{(tile\.)?}}reduce min %[[X]] axis 1
// CHECK-DAG: %[[MAX:.*]] = {{(tile\.)?}}reduce max %[[X]] axis 1
// CHECK-DAG: %[[C:.*]] = arith.constant dense<-2.500000e-01> : tensor<16xf32>
// CHECK-DAG: arith.mulf %[[MIN]], %[[C]]
// CHECK-DAG: arith.mulf %[[MAX]], %{{.*}} : tensor<16xf32>
// CHECK: math.fma %[[X]], %{{.*}}, %{{.*}} : tensor<16x8xf32>
// CHECK-NOT: scf.if
tile.kernel @negative_constant(%x: memref<?x?xf32, strided<[?, 1]>>) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %a = tile.load %x[%c0, %c0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x4xf32>
  %bt = tile.load %x[%c0, %c0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<4x8xf32>
  %z = arith.constant dense<0.0> : tensor<16x8xf32>
  %d = tile.dot %a, %bt, %z : tensor<16x4xf32>, tensor<4x8xf32> -> tensor<16x8xf32>
  %ks = arith.constant dense<-0.25> : tensor<16x8xf32>
  %s = arith.mulf %ks, %d : tensor<16x8xf32>
  %rmax = tile.reduce max %s axis 1 : tensor<16x8xf32> -> tensor<16xf32>
  %rmin = tile.reduce min %s axis 1 : tensor<16x8xf32> -> tensor<16xf32>
  %m = arith.addf %rmax, %rmin : tensor<16xf32>
  %e = tile.expand_dims %m axis 1 : tensor<16xf32> -> tensor<16x1xf32>
  %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
  %diff = arith.subf %s, %b : tensor<16x8xf32>
  tile.store %diff, %x[%c0, %c0] : tensor<16x8xf32>, memref<?x?xf32, strided<[?, 1]>>
  tile.return
}

// -----

// Left alone: the scaled tile has another user (it is stored), a sum
// reduces it, it is the subtrahend, only reductions read it, or a row max
// reads it under a runtime scale (its sign is unknown).
// CHECK-LABEL: tile.kernel @left_alone
// CHECK-NOT: math.fma
// CHECK-NOT: scf.if
// CHECK: %[[S1:.*]] = arith.mulf %{{.*}}, %{{.*}} : tensor<16x8xf32>
// CHECK: {{(tile\.)?}}reduce max %[[S1]] axis 1
// CHECK: %[[S2:.*]] = arith.mulf %{{.*}}, %{{.*}} : tensor<16x8xf32>
// CHECK: {{(tile\.)?}}reduce sum %[[S2]] axis 1
// CHECK: %[[S3:.*]] = arith.mulf %{{.*}}, %{{.*}} : tensor<16x8xf32>
// CHECK: arith.subf %{{.*}}, %[[S3]]
// CHECK: %[[S4:.*]] = arith.mulf %{{.*}}, %{{.*}} : tensor<16x8xf32>
// CHECK: {{(tile\.)?}}reduce max %[[S4]] axis 1
// CHECK-NOT: math.fma
tile.kernel @left_alone(%x: memref<?x?xf32, strided<[?, 1]>>, %k: f32) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %d = tile.load %x[%c0, %c0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
  %ks = tile.splat %k : f32 -> tensor<16x8xf32>
  %s1 = arith.mulf %d, %ks : tensor<16x8xf32>
  %r1 = tile.reduce max %s1 axis 1 : tensor<16x8xf32> -> tensor<16xf32>
  %e1 = tile.expand_dims %r1 axis 1 : tensor<16xf32> -> tensor<16x1xf32>
  %b1 = tile.broadcast %e1 : tensor<16x1xf32> -> tensor<16x8xf32>
  %d1 = arith.subf %s1, %b1 : tensor<16x8xf32>
  tile.store %s1, %x[%c0, %c0] : tensor<16x8xf32>, memref<?x?xf32, strided<[?, 1]>>
  tile.store %d1, %x[%c0, %c0] : tensor<16x8xf32>, memref<?x?xf32, strided<[?, 1]>>
  %s2 = arith.mulf %d, %ks : tensor<16x8xf32>
  %r2 = tile.reduce sum %s2 axis 1 : tensor<16x8xf32> -> tensor<16xf32>
  %e2 = tile.expand_dims %r2 axis 1 : tensor<16xf32> -> tensor<16x1xf32>
  %b2 = tile.broadcast %e2 : tensor<16x1xf32> -> tensor<16x8xf32>
  %d2 = arith.subf %s2, %b2 : tensor<16x8xf32>
  tile.store %d2, %x[%c0, %c0] : tensor<16x8xf32>, memref<?x?xf32, strided<[?, 1]>>
  %s3 = arith.mulf %d, %ks : tensor<16x8xf32>
  %d3 = arith.subf %d, %s3 : tensor<16x8xf32>
  tile.store %d3, %x[%c0, %c0] : tensor<16x8xf32>, memref<?x?xf32, strided<[?, 1]>>
  %s4 = arith.mulf %d, %ks : tensor<16x8xf32>
  %r4 = tile.reduce max %s4 axis 1 : tensor<16x8xf32> -> tensor<16xf32>
  tile.store %r4, %x[%c0, %c0] dims [1] : tensor<16xf32>, memref<?x?xf32, strided<[?, 1]>>
  %s5 = arith.mulf %d, %ks : tensor<16x8xf32>
  %r5 = tile.reduce max %s5 axis 1 : tensor<16x8xf32> -> tensor<16xf32>
  %e5 = tile.expand_dims %r5 axis 1 : tensor<16xf32> -> tensor<16x1xf32>
  %b5 = tile.broadcast %e5 : tensor<16x1xf32> -> tensor<16x8xf32>
  %d5 = arith.subf %s5, %b5 : tensor<16x8xf32>
  tile.store %d5, %x[%c0, %c0] : tensor<16x8xf32>, memref<?x?xf32, strided<[?, 1]>>
  tile.return
}
