// RUN: fa-opt %s -split-input-file -allow-unregistered-dialect -convert-tile-to-linalg | FileCheck %s

!g4 = memref<?x?x?x?xbf16, strided<[?, ?, ?, 1]>>

// A load fills a fresh buffer with the padding, then copies the in-bounds
// window [lo, hi) of each tile dimension, lo = clamp(-off, 0, S) and
// hi = clamp(dim - off, lo, S); squeezed dimensions guard the copy.
// CHECK-LABEL: func.func @load
// CHECK-SAME: (%[[Q:.*]]: memref<?x?x?x?xbf16, strided<[?, ?, ?, 1]>>, %[[B:.*]]: index, %[[H:.*]]: index, %[[M:.*]]: index)
// CHECK: %[[DB:.*]] = memref.dim %[[Q]], %{{.*}}
// CHECK: %[[GEB:.*]] = arith.cmpi sge, %[[B]], %[[C0:[a-z0-9_]+]]
// CHECK: %[[LTB:.*]] = arith.cmpi slt, %[[B]], %[[DB]]
// CHECK: %[[INB:.*]] = arith.andi %[[GEB]], %[[LTB]]
// CHECK: %[[INH:.*]] = arith.andi
// CHECK: %[[INBOUNDS:.*]] = arith.andi %[[INB]], %[[INH]]
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK: %[[DN:.*]] = memref.dim %[[Q]], %{{.*}}
// CHECK: %[[NEG:.*]] = arith.subi %[[C0]], %[[M]]
// CHECK: %[[LO0:.*]] = arith.maxsi %[[NEG]], %[[C0]]
// CHECK: %[[LO:.*]] = arith.minsi %[[LO0]], %[[C64]]
// CHECK: %[[AV:.*]] = arith.subi %[[DN]], %[[M]]
// CHECK: %[[HI0:.*]] = arith.minsi %[[AV]], %[[C64]]
// CHECK: %[[HI:.*]] = arith.maxsi %[[HI0]], %[[LO]]
// CHECK: %[[LEN:.*]] = arith.subi %[[HI]], %[[LO]]
// CHECK: %[[ST0:.*]] = arith.addi %[[M]], %[[LO]]
// CHECK: %[[ST:.*]] = arith.minsi %[[ST0]], %[[DN]]
// CHECK: %[[BUF:.*]] = memref.alloc() : memref<64x32xbf16>
// CHECK: %[[PAD:.*]] = arith.constant 1.000000e+00 : bf16
// CHECK: linalg.fill ins(%[[PAD]] : bf16) outs(%[[BUF]] : memref<64x32xbf16>)
// CHECK: scf.if %[[INBOUNDS]] {
// CHECK: %[[WIN:.*]] = memref.subview %[[Q]][%[[B]], %[[H]], %[[ST]], %{{.*}}] [1, 1, %[[LEN]], %{{.*}}] [1, 1, 1, 1] : memref<?x?x?x?xbf16, strided<[?, ?, ?, 1]>> to memref<?x?xbf16, strided<[?, 1], offset: ?>>
// CHECK: %[[DST:.*]] = memref.subview %[[BUF]][%[[LO]], %{{.*}}] [%[[LEN]], %{{.*}}] [1, 1]
// CHECK: linalg.copy ins(%[[WIN]] : {{.*}}) outs(%[[DST]] : {{.*}})
// CHECK: }
// CHECK: %[[T:.*]] = bufferization.to_tensor %[[BUF]] restrict writable : memref<64x32xbf16> to tensor<64x32xbf16>
// CHECK: return %[[T]]
func.func @load(%q: !g4, %b: index, %h: index, %m: index) -> tensor<64x32xbf16> {
  %c0 = arith.constant 0 : index
  %t = tile.load %q[%b, %h, %m, %c0] dims [2, 3] padding 1.0 : bf16 : !g4 -> tensor<64x32xbf16>
  return %t : tensor<64x32xbf16>
}

// -----

// Without squeezed dimensions there is no guard; the default padding is 0.
// CHECK-LABEL: func.func @load1d
// CHECK: %[[BUF:.*]] = memref.alloc() : memref<16xf32>
// CHECK: %[[PAD:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: linalg.fill ins(%[[PAD]] : f32) outs(%[[BUF]] : memref<16xf32>)
// CHECK-NOT: scf.if
// CHECK: linalg.copy
func.func @load1d(%x: memref<?xf32, strided<[1]>>, %o: index) -> tensor<16xf32> {
  %t = tile.load %x[%o] : memref<?xf32, strided<[1]>> -> tensor<16xf32>
  return %t : tensor<16xf32>
}

// -----

!g4 = memref<?x?x?x?xbf16, strided<[?, ?, ?, 1]>>

// A store writes only the in-bounds part of the tile.
// CHECK-LABEL: func.func @store
// CHECK-SAME: (%[[T:.*]]: tensor<64x32xbf16>, %[[Q:.*]]: memref<?x?x?x?xbf16, strided<[?, ?, ?, 1]>>
// CHECK: scf.if %{{.*}} {
// CHECK: %[[PART:.*]] = tensor.extract_slice %[[T]][%{{.*}}, %{{.*}}] [%{{.*}}, %{{.*}}] [1, 1] : tensor<64x32xbf16> to tensor<?x?xbf16>
// CHECK: %[[WIN:.*]] = memref.subview %[[Q]]
// CHECK: bufferization.materialize_in_destination %[[PART]] in restrict writable %[[WIN]]
func.func @store(%t: tensor<64x32xbf16>, %q: !g4, %b: index, %h: index, %m: index) {
  %c0 = arith.constant 0 : index
  tile.store %t, %q[%b, %h, %m, %c0] dims [2, 3] : tensor<64x32xbf16>, !g4
  return
}

// -----

// atomic_add: one atomic read-modify-write per in-bounds element.
// CHECK-LABEL: func.func @atomic
// CHECK-SAME: (%[[V:.*]]: tensor<8xf32>, %[[X:.*]]: memref<?x?xf32, strided<[?, 1]>>, %[[R:.*]]: index, %[[C:.*]]: index)
// CHECK: scf.if
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %[[LEN:.*]] step
// CHECK: %[[TI:.*]] = arith.addi %[[LO:.*]], %[[I]]
// CHECK: %[[GI:.*]] = arith.addi %[[ST:.*]], %[[I]]
// CHECK: %[[E:.*]] = tensor.extract %[[V]][%[[TI]]]
// CHECK: memref.atomic_rmw addf %[[E]], %[[X]][%[[R]], %[[GI]]]
func.func @atomic(%v: tensor<8xf32>, %x: memref<?x?xf32, strided<[?, 1]>>, %r: index, %c: index) {
  tile.atomic_add %v, %x[%r, %c] dims [1] : tensor<8xf32>, memref<?x?xf32, strided<[?, 1]>>
  return
}

// -----

// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @compute
// CHECK-SAME: (%[[A0:.*]]: tensor<16x8xbf16>, %[[B0:.*]]: tensor<8x4xbf16>, %[[ACC:.*]]: tensor<16x4xf32>, %[[S:.*]]: f32, %[[I:.*]]: tensor<4x8xi32>)

// dot: loops (i, k, j), products of the f32-extended inputs added in f32.
// CHECK: %[[D:.*]] = linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[C]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[A0]], %[[B0]] : tensor<16x8xbf16>, tensor<8x4xbf16>) outs(%[[ACC]] : tensor<16x4xf32>)
// CHECK: ^bb0(%[[X:.*]]: bf16, %[[Y:.*]]: bf16, %[[O:.*]]: f32):
// CHECK: %[[XF:.*]] = arith.extf %[[X]] : bf16 to f32
// CHECK: %[[YF:.*]] = arith.extf %[[Y]] : bf16 to f32
// CHECK: %[[P:.*]] = arith.mulf %[[XF]], %[[YF]] : f32
// CHECK: %[[SUM:.*]] = arith.addf %[[O]], %[[P]] : f32
// CHECK: linalg.yield %[[SUM]]

// reduce: linalg.reduce from the combiner's identity.
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[I1:.*]] = linalg.fill ins(%[[NINF]] : f32) outs(%{{.*}} : tensor<16xf32>)
// CHECK: %[[MX:.*]] = linalg.reduce ins(%[[D]] : tensor<16x4xf32>) outs(%[[I1]] : tensor<16xf32>) dimensions = [1]
// CHECK: arith.maximumf
// CHECK: %[[PINF:.*]] = arith.constant 0x7F800000 : f32
// CHECK: linalg.fill ins(%[[PINF]] : f32)
// CHECK: %[[MN:.*]] = linalg.reduce ins(%[[D]] : tensor<16x4xf32>) outs(%{{.*}} : tensor<4xf32>) dimensions = [0]
// CHECK: arith.minimumf
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<f32>)
// CHECK: %[[SM:.*]] = linalg.reduce ins(%[[MX]] : tensor<16xf32>) outs(%{{.*}} : tensor<f32>) dimensions = [0]
// CHECK: arith.addf
// CHECK: %[[IMIN:.*]] = arith.constant -2147483648 : i32
// CHECK: linalg.fill ins(%[[IMIN]] : i32)
// CHECK: %[[IM:.*]] = linalg.reduce ins(%[[I]] : tensor<4x8xi32>)
// CHECK: arith.maxsi

// expand_dims: expand_shape with the unit dimension grouped with a neighbour.
// CHECK: %[[E1:.*]] = tensor.expand_shape %[[MX]] {{\[\[}}0, 1]] output_shape [16, 1] : tensor<16xf32> into tensor<16x1xf32>
// CHECK: %[[E0:.*]] = tensor.expand_shape %[[MN]] {{\[\[}}0, 1]] output_shape [1, 4] : tensor<4xf32> into tensor<1x4xf32>
// CHECK: %[[E2:.*]] = tensor.expand_shape %[[SM]] [] output_shape [1] : tensor<f32> into tensor<1xf32>

// broadcast: drop the grown unit dimensions, then linalg.broadcast.
// CHECK: %[[C1:.*]] = tensor.collapse_shape %[[E1]] {{\[\[}}0, 1]] : tensor<16x1xf32> into tensor<16xf32>
// CHECK: %[[BC1:.*]] = linalg.broadcast ins(%[[C1]] : tensor<16xf32>) outs(%{{.*}} : tensor<16x4xf32>) dimensions = [1]
// CHECK: %[[C0:.*]] = tensor.collapse_shape %[[E0]] {{\[\[}}0, 1]] : tensor<1x4xf32> into tensor<4xf32>
// CHECK: %[[BC0:.*]] = linalg.broadcast ins(%[[C0]] : tensor<4xf32>) outs(%{{.*}} : tensor<16x4xf32>) dimensions = [0]

// trans, splat, iota.
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[A0]] : tensor<16x8xbf16>) outs(%{{.*}} : tensor<8x16xbf16>) permutation = [1, 0]
// CHECK: %[[SP:.*]] = linalg.fill ins(%[[S]] : f32) outs(%{{.*}} : tensor<16x4xf32>)
// CHECK: %[[IO:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<32xi32>)
// CHECK: %[[IDX:.*]] = linalg.index 0 : index
// CHECK: %[[IDXI:.*]] = arith.index_cast %[[IDX]] : index to i32
// CHECK: linalg.yield %[[IDXI]] : i32
// CHECK: "test.use"(%[[BC1]], %[[BC0]], %[[T]], %[[SP]], %[[IO]], %[[IM]], %[[E2]])
// CHECK-NOT: tile.
func.func @compute(%a: tensor<16x8xbf16>, %b: tensor<8x4xbf16>, %acc: tensor<16x4xf32>, %s: f32, %i: tensor<4x8xi32>) {
  %d = tile.dot %a, %b, %acc : tensor<16x8xbf16>, tensor<8x4xbf16> -> tensor<16x4xf32>
  %mx = tile.reduce max %d axis 1 : tensor<16x4xf32> -> tensor<16xf32>
  %mn = tile.reduce min %d axis 0 : tensor<16x4xf32> -> tensor<4xf32>
  %sm = tile.reduce sum %mx axis 0 : tensor<16xf32> -> tensor<f32>
  %im = tile.reduce max %i axis 1 : tensor<4x8xi32> -> tensor<4xi32>
  %e = tile.expand_dims %mx axis 1 : tensor<16xf32> -> tensor<16x1xf32>
  %e0 = tile.expand_dims %mn axis 0 : tensor<4xf32> -> tensor<1x4xf32>
  %e2 = tile.expand_dims %sm axis 0 : tensor<f32> -> tensor<1xf32>
  %bc = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x4xf32>
  %bc0 = tile.broadcast %e0 : tensor<1x4xf32> -> tensor<16x4xf32>
  %t = tile.trans %a : tensor<16x8xbf16> -> tensor<8x16xbf16>
  %sp = tile.splat %s : f32 -> tensor<16x4xf32>
  %io = tile.iota : tensor<32xi32>
  "test.use"(%bc, %bc0, %t, %sp, %io, %im, %e2) : (tensor<16x4xf32>, tensor<16x4xf32>, tensor<8x16xbf16>, tensor<16x4xf32>, tensor<32xi32>, tensor<4xi32>, tensor<1xf32>) -> ()
  return
}

// -----

// A broadcast that grows no dimension folds away; a 3-D trans keeps its order.
// CHECK-LABEL: func.func @noop_and_order
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[X]] : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<4x2x3xf32>) permutation = [2, 0, 1]
// CHECK: "test.use"(%[[X]], %[[T]])
func.func @noop_and_order(%x: tensor<2x3x4xf32>) {
  %b = tile.broadcast %x : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  %t = tile.trans %x order [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  "test.use"(%b, %t) : (tensor<2x3x4xf32>, tensor<4x2x3xf32>) -> ()
  return
}
