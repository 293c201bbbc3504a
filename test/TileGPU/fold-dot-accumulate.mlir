// RUN: fa-opt %s -tilegpu-fold-dot-accumulate | FileCheck %s

!g = memref<?x?xbf16, strided<[?, 1]>>

// CHECK-LABEL: tile.kernel @fold
tile.kernel @fold(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %a = tile.load %x[%c0, %c0] : !g -> tensor<16x16xbf16>
  %zero = arith.constant dense<0.0> : tensor<16x16xf32>
  %one = arith.constant dense<1.0> : tensor<16x16xf32>
  // x + dot(a, b, 0) and dot(a, b, 0) + x accumulate into the dot.
  // CHECK: %[[ONE:.*]] = arith.constant dense<1.0{{.*}}>
  // CHECK: %[[D1:.*]] = dot %{{.*}}, %{{.*}}, %[[ONE]] :
  // CHECK-NOT: arith.addf
  // CHECK: %[[D2:.*]] = dot %{{.*}}, %{{.*}}, %[[D1]] :
  %d1 = tile.dot %a, %a, %zero : tensor<16x16xbf16>, tensor<16x16xbf16> -> tensor<16x16xf32>
  %s1 = arith.addf %one, %d1 : tensor<16x16xf32>
  %d2 = tile.dot %a, %a, %zero : tensor<16x16xbf16>, tensor<16x16xbf16> -> tensor<16x16xf32>
  %s2 = arith.addf %d2, %s1 : tensor<16x16xf32>
  // A dot with a non-zero accumulator, or used twice, stays apart.
  // CHECK: %[[D3:.*]] = dot %{{.*}}, %{{.*}}, %[[ONE]] :
  // CHECK: arith.addf %[[D2]], %[[D3]]
  %d3 = tile.dot %a, %a, %one : tensor<16x16xbf16>, tensor<16x16xbf16> -> tensor<16x16xf32>
  %s3 = arith.addf %s2, %d3 : tensor<16x16xf32>
  // CHECK: %[[D4:.*]] = dot %{{.*}}, %{{.*}}, %{{.*}} :
  // CHECK: arith.addf %{{.*}}, %[[D4]]
  // CHECK: arith.mulf %[[D4]]
  %d4 = tile.dot %a, %a, %zero : tensor<16x16xbf16>, tensor<16x16xbf16> -> tensor<16x16xf32>
  %s4 = arith.addf %s3, %d4 : tensor<16x16xf32>
  %m4 = arith.mulf %d4, %s4 : tensor<16x16xf32>
  %t = arith.truncf %m4 : tensor<16x16xf32> to tensor<16x16xbf16>
  tile.store %t, %x[%c0, %c0] : tensor<16x16xbf16>, !g
  tile.return
}
