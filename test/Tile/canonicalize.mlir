// RUN: fa-opt %s -canonicalize -split-input-file | FileCheck %s
// Folds and canonicalization patterns of the `tile` dialect.

!g = memref<?x?xf32, strided<[?, 1]>>

// CHECK-LABEL: tile.kernel @folds
tile.kernel @folds(%x: !g, %s: f32) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %t = tile.load %x[%c0, %c0] : !g -> tensor<4x8xf32>
  // trans(trans(x)) is x; broadcast to the same type is x.
  %tt = tile.trans %t : tensor<4x8xf32> -> tensor<8x4xf32>
  %t2 = tile.trans %tt : tensor<8x4xf32> -> tensor<4x8xf32>
  %same = tile.broadcast %t2 : tensor<4x8xf32> -> tensor<4x8xf32>
  // CHECK: %[[T:.*]] = load
  // CHECK-NOT: trans
  // CHECK: store %[[T]], %{{.*}}[%{{.*}}, %{{.*}}] : tensor<4x8xf32>
  tile.store %same, %x[%c0, %c0] : tensor<4x8xf32>, !g
  // broadcast(splat s) is splat s; broadcast(broadcast(y)) is one broadcast.
  %sp = tile.splat %s : f32 -> tensor<4x1xf32>
  %b = tile.broadcast %sp : tensor<4x1xf32> -> tensor<4x8xf32>
  // CHECK: %[[SP:.*]] = splat %{{.*}} : f32 -> tensor<4x8xf32>
  // CHECK-NEXT: store %[[SP]]
  tile.store %b, %x[%c0, %c0] : tensor<4x8xf32>, !g
  %col = tile.load %x[%c0, %c0] : !g -> tensor<1x1xf32>
  %b1 = tile.broadcast %col : tensor<1x1xf32> -> tensor<1x8xf32>
  %b2 = tile.broadcast %b1 : tensor<1x8xf32> -> tensor<4x8xf32>
  // CHECK: %[[COL:.*]] = load %{{.*}} -> tensor<1x1xf32>
  // CHECK-NEXT: %[[B:.*]] = broadcast %[[COL]] : tensor<1x1xf32> -> tensor<4x8xf32>
  // CHECK-NEXT: store %[[B]]
  tile.store %b2, %x[%c0, %c0] : tensor<4x8xf32>, !g
  // A trans with the identity order is its operand.
  %id = tile.trans %t order [0, 1] : tensor<4x8xf32> -> tensor<4x8xf32>
  // CHECK-NEXT: store %[[T]]
  tile.store %id, %x[%c0, %c0] : tensor<4x8xf32>, !g
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>

// Constant splats fold through splat, broadcast, expand_dims, trans and max/min.
// CHECK-LABEL: tile.kernel @constants
tile.kernel @constants(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %ninf = arith.constant 0xFF800000 : f32
  %s = tile.splat %ninf : f32 -> tensor<4xf32>
  %e = tile.expand_dims %s axis 1 : tensor<4xf32> -> tensor<4x1xf32>
  %b = tile.broadcast %e : tensor<4x1xf32> -> tensor<4x8xf32>
  %t = tile.trans %b : tensor<4x8xf32> -> tensor<8x4xf32>
  %m = tile.reduce max %t axis 0 : tensor<8x4xf32> -> tensor<4xf32>
  %e2 = tile.expand_dims %m axis 0 : tensor<4xf32> -> tensor<1x4xf32>
  // CHECK-DAG: %[[Z:.*]] = arith.constant dense<0.000000e+00> : tensor<1x1xf32>
  // CHECK-DAG: %[[C:.*]] = arith.constant dense<0xFF800000> : tensor<1x4xf32>
  // CHECK: store %[[C]]
  tile.store %e2, %x[%c0, %c0] : tensor<1x4xf32>, !g
  // A sum of a constant splat is not folded (it depends on the length).
  %one = arith.constant dense<1.0> : tensor<4x8xf32>
  %sum = tile.reduce sum %one axis 1 : tensor<4x8xf32> -> tensor<4xf32>
  %sume = tile.expand_dims %sum axis 0 : tensor<4xf32> -> tensor<1x4xf32>
  // CHECK: %[[SUM:.*]] = reduce sum
  // CHECK: expand_dims %[[SUM]]
  tile.store %sume, %x[%c0, %c0] : tensor<1x4xf32>, !g
  // iota of one element is the constant 0.
  %i = tile.iota : tensor<1xi32>
  %f = arith.sitofp %i : tensor<1xi32> to tensor<1xf32>
  %fe = tile.expand_dims %f axis 0 : tensor<1xf32> -> tensor<1x1xf32>
  // CHECK: store %[[Z]]
  tile.store %fe, %x[%c0, %c0] : tensor<1x1xf32>, !g
  // A longer iota stays.
  // CHECK: iota : tensor<4xi32>
  %i4 = tile.iota : tensor<4xi32>
  %f4 = arith.sitofp %i4 : tensor<4xi32> to tensor<4xf32>
  %f4e = tile.expand_dims %f4 axis 0 : tensor<4xf32> -> tensor<1x4xf32>
  tile.store %f4e, %x[%c0, %c0] : tensor<1x4xf32>, !g
  tile.return
}
