// RUN: fa-opt %s | FileCheck %s
// RUN: fa-opt %s | fa-opt | FileCheck %s
// RUN: fa-opt %s --mlir-print-op-generic | fa-opt | FileCheck %s
// Round-trip of every `tile` op.

!g4 = memref<?x?x?x?xbf16, strided<[?, ?, ?, 1]>>
!g3 = memref<?x?x?xf32, strided<[?, ?, 1]>>

// CHECK-LABEL: tile.kernel @all_ops
// CHECK-SAME: (%[[Q:.*]]: memref<?x?x?x?xbf16, strided<[?, ?, ?, 1]>> {tile.name = "q"}, %[[L:.*]]: memref<?x?x?xf32, strided<[?, ?, 1]>>, %[[S:.*]]: f32)
// CHECK-SAME: grid {
// CHECK: %[[N:.*]] = memref.dim %[[Q]]
// CHECK: yield %[[N]], %{{.*}}, %{{.*}} : index, index, index
// CHECK: } params {BLOCK = 64 : i64, CAUSAL = false, T = bf16} attributes {note = "x"} {
tile.kernel @all_ops(%q: !g4 {tile.name = "q"}, %lse: !g3, %scale: f32) grid {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %n = memref.dim %q, %c2 : !g4
  tile.yield %n, %c1, %c1 : index, index, index
} params {BLOCK = 64 : i64, CAUSAL = false, T = bf16} attributes {note = "x"} {
  %c0 = arith.constant 0 : index
  // CHECK: program_id 0 : i32
  %pid = tile.program_id 0 : i32
  // CHECK: num_programs 2 : i32
  %np = tile.num_programs 2 : i32
  // CHECK: %[[T:.*]] = load %[[Q]][%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] dims [2, 3] : memref<?x?x?x?xbf16, strided<[?, ?, ?, 1]>> -> tensor<64x32xbf16>
  %t = tile.load %q[%c0, %c0, %c0, %c0] dims [2, 3] : !g4 -> tensor<64x32xbf16>
  // CHECK: load %[[L]][%{{.*}}, %{{.*}}, %{{.*}}] padding -1.000000e+00 : f32 : memref<?x?x?xf32, strided<[?, ?, 1]>> -> tensor<1x2x64xf32>
  %p = tile.load %lse[%c0, %c0, %c0] padding -1.0 : f32 : !g3 -> tensor<1x2x64xf32>
  // CHECK: %[[TT:.*]] = trans %[[T]] : tensor<64x32xbf16> -> tensor<32x64xbf16>
  %tt = tile.trans %t : tensor<64x32xbf16> -> tensor<32x64xbf16>
  // CHECK: trans %{{.*}} order [2, 0, 1] : tensor<1x2x64xf32> -> tensor<64x1x2xf32>
  %pt = tile.trans %p order [2, 0, 1] : tensor<1x2x64xf32> -> tensor<64x1x2xf32>
  // CHECK: %[[Z:.*]] = splat %[[S]] : f32 -> tensor<64x64xf32>
  %z = tile.splat %scale : f32 -> tensor<64x64xf32>
  // CHECK: %[[D:.*]] = dot %[[T]], %[[TT]], %[[Z]] : tensor<64x32xbf16>, tensor<32x64xbf16> -> tensor<64x64xf32>
  %d = tile.dot %t, %tt, %z : tensor<64x32xbf16>, tensor<32x64xbf16> -> tensor<64x64xf32>
  // CHECK: reduce max %[[D]] axis 1 : tensor<64x64xf32> -> tensor<64xf32>
  %m = tile.reduce max %d axis 1 : tensor<64x64xf32> -> tensor<64xf32>
  // CHECK: reduce min %[[D]] axis 0 : tensor<64x64xf32> -> tensor<64xf32>
  %mn = tile.reduce min %d axis 0 : tensor<64x64xf32> -> tensor<64xf32>
  // CHECK: reduce sum %{{.*}} axis 0 : tensor<64xf32> -> tensor<f32>
  %sum = tile.reduce sum %m axis 0 : tensor<64xf32> -> tensor<f32>
  // CHECK: expand_dims %{{.*}} axis 1 : tensor<64xf32> -> tensor<64x1xf32>
  %e = tile.expand_dims %m axis 1 : tensor<64xf32> -> tensor<64x1xf32>
  // CHECK: broadcast %{{.*}} : tensor<64x1xf32> -> tensor<64x64xf32>
  %b = tile.broadcast %e : tensor<64x1xf32> -> tensor<64x64xf32>
  // CHECK: iota : tensor<64xi32>
  %r = tile.iota : tensor<64xi32>
  %o = arith.truncf %b : tensor<64x64xf32> to tensor<64x64xbf16>
  // CHECK: store %{{.*}}, %[[Q]][%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] dims [2, 3] : tensor<64x64xbf16>, memref<?x?x?x?xbf16, strided<[?, ?, ?, 1]>>
  tile.store %o, %q[%c0, %c0, %c0, %c0] dims [2, 3] : tensor<64x64xbf16>, !g4
  // CHECK: atomic_add %{{.*}}, %[[L]][%{{.*}}, %{{.*}}, %{{.*}}] dims [2] : tensor<64xf32>, memref<?x?x?xf32, strided<[?, ?, 1]>>
  tile.atomic_add %m, %lse[%c0, %c0, %c0] dims [2] : tensor<64xf32>, !g3
  // CHECK: return
  tile.return
}

// A kernel with no parameters and an fp16/f32 mix.
// CHECK-LABEL: tile.kernel @small
// CHECK-NOT: params
tile.kernel @small(%x: memref<?xf16, strided<[1]>>) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %t = tile.load %x[%c0] : memref<?xf16, strided<[1]>> -> tensor<16xf16>
  tile.store %t, %x[%c0] : tensor<16xf16>, memref<?xf16, strided<[1]>>
  tile.return
}
