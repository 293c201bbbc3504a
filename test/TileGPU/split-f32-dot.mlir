// RUN: fa-opt %s -tilegpu-split-f32-dot | FileCheck %s
// RUN: fa-opt %s -tilegpu-split-f32-dot=exact=true | FileCheck %s --check-prefix=EXACT

!g = memref<?x?xf32, strided<[?, 1]>>

// An f32 dot becomes bf16 dots of the operands' parts, accumulated in f32,
// the smallest products first: a0 b1, a1 b0, then a0 b0.
// CHECK-LABEL: tile.kernel @f32dot
// CHECK: %[[A:.*]] = load %arg0
// CHECK: %[[B:.*]] = load %arg0
// CHECK: %[[A0:.*]] = arith.truncf %[[A]] : tensor<16x32xf32> to tensor<16x32xbf16>
// CHECK: %[[A0W:.*]] = arith.extf %[[A0]]
// CHECK: %[[AR:.*]] = arith.subf %[[A]], %[[A0W]]
// CHECK: %[[A1:.*]] = arith.truncf %[[AR]]
// CHECK: %[[B0:.*]] = arith.truncf %[[B]] : tensor<32x8xf32> to tensor<32x8xbf16>
// CHECK: %[[B1:.*]] = arith.truncf
// CHECK: %[[D1:.*]] = dot %[[A1]], %[[B0]], %{{.*}} : tensor<16x32xbf16>, tensor<32x8xbf16> -> tensor<16x8xf32>
// CHECK: %[[D2:.*]] = dot %[[A0]], %[[B1]], %[[D1]]
// CHECK: %[[D3:.*]] = dot %[[A0]], %[[B0]], %[[D2]]
// CHECK: store %[[D3]]
// EXACT-LABEL: tile.kernel @f32dot
// EXACT-COUNT-6: dot {{.*}} : tensor<16x32xbf16>, tensor<32x8xbf16> -> tensor<16x8xf32>
// EXACT-NOT: dot {{.*}}xf32>, tensor<32x8xf32>
// EXACT: store
tile.kernel @f32dot(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %a = tile.load %x[%c0, %c0] : !g -> tensor<16x32xf32>
  %b = tile.load %x[%c0, %c0] : !g -> tensor<32x8xf32>
  %zero = arith.constant dense<0.0> : tensor<16x8xf32>
  %d = tile.dot %a, %b, %zero : tensor<16x32xf32>, tensor<32x8xf32> -> tensor<16x8xf32>
  tile.store %d, %x[%c0, %c0] : tensor<16x8xf32>, !g
  tile.return
}

// 16-bit dots are left alone.
// CHECK-LABEL: tile.kernel @bf16dot
// CHECK: dot %{{.*}}, %{{.*}}, %{{.*}} : tensor<16x16xbf16>
// CHECK-NOT: arith.truncf
tile.kernel @bf16dot(%x: memref<?x?xbf16, strided<[?, 1]>>) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %a = tile.load %x[%c0, %c0] : memref<?x?xbf16, strided<[?, 1]>> -> tensor<16x16xbf16>
  %zero = arith.constant dense<0.0> : tensor<16x16xf32>
  %d = tile.dot %a, %a, %zero : tensor<16x16xbf16>, tensor<16x16xbf16> -> tensor<16x16xf32>
  tile.return
}
