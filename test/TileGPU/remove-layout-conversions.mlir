// RUN: fa-opt %s -tilegpu-remove-layout-conversions | FileCheck %s

#b = #tilegpu.blocked<sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#b2 = #tilegpu.blocked<sizePerThread = [4, 1], threadsPerWarp = [8, 4], warpsPerCTA = [1, 4], order = [0, 1]>
#m = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>
#r = #tilegpu.slice<dim = 0, parent = #m>
!g = memref<?x?xf32, strided<[?, 1]>>

// CHECK-LABEL: tile.kernel @fold
// Constants are hoisted to the start by the rewrite driver.
// CHECK-DAG: %[[CST:.*]] = arith.constant dense<2.000000e+00> : tensor<16x32xf32, #tilenv.mma
tile.kernel @fold(%x: !g, %s: f32) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  // CHECK: %[[T:.*]] = load
  %t = tile.load %x[%c0, %c0] : !g -> tensor<16x32xf32, #b>
  // Identity conversions disappear; a chain becomes one conversion.
  // CHECK-NEXT: %[[C:.*]] = tilegpu.convert_layout %[[T]] : tensor<16x32xf32, #tilegpu.blocked<sizePerThread = [1, 4], {{.*}}> -> tensor<16x32xf32, #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>>
  // CHECK-NEXT: store %[[C]]
  %same = tilegpu.convert_layout %t : tensor<16x32xf32, #b> -> tensor<16x32xf32, #b>
  %c2 = tilegpu.convert_layout %same : tensor<16x32xf32, #b> -> tensor<16x32xf32, #b2>
  %c3 = tilegpu.convert_layout %c2 : tensor<16x32xf32, #b2> -> tensor<16x32xf32, #m>
  tile.store %c3, %x[%c0, %c0] : tensor<16x32xf32, #m>, !g
  // Splats, splat constants and iotas are made in the wanted layout.
  // CHECK-NEXT: %[[SP:.*]] = splat %{{.*}} : f32 -> tensor<16x32xf32, #tilenv.mma
  // CHECK-NEXT: store %[[SP]]
  %sp = tile.splat %s : f32 -> tensor<16x32xf32, #b>
  %spc = tilegpu.convert_layout %sp : tensor<16x32xf32, #b> -> tensor<16x32xf32, #m>
  tile.store %spc, %x[%c0, %c0] : tensor<16x32xf32, #m>, !g
  // CHECK-NEXT: store %[[CST]]
  %k = arith.constant dense<2.0> : tensor<16x32xf32, #b>
  %kc = tilegpu.convert_layout %k : tensor<16x32xf32, #b> -> tensor<16x32xf32, #m>
  tile.store %kc, %x[%c0, %c0] : tensor<16x32xf32, #m>, !g
  // CHECK-NEXT: iota : tensor<32xi32, #tilegpu.slice<dim = 0, parent = #tilenv.mma
  %i = tile.iota : tensor<32xi32, #tilegpu.slice<dim = 0, parent = #b>>
  %ic = tilegpu.convert_layout %i : tensor<32xi32, #tilegpu.slice<dim = 0, parent = #b>> -> tensor<32xi32, #r>
  %f = arith.sitofp %ic : tensor<32xi32, #r> to tensor<32xf32, #r>
  %fe = tile.expand_dims %f axis 0 : tensor<32xf32, #r> -> tensor<1x32xf32, #m>
  tile.store %fe, %x[%c0, %c0] : tensor<1x32xf32, #m>, !g
  // A broadcast between two conversions that cancel keeps the producer's layout.
  // CHECK: %[[ROW:.*]] = load {{.*}} -> tensor<1x32xf32, #tilenv.mma
  // CHECK-NEXT: %[[BC:.*]] = broadcast %[[ROW]] : tensor<1x32xf32, #tilenv.mma<{{.*}}>> -> tensor<16x32xf32, #tilenv.mma
  // CHECK-NEXT: store %[[BC]]
  %row = tile.load %x[%c0, %c0] : !g -> tensor<1x32xf32, #m>
  %rb = tilegpu.convert_layout %row : tensor<1x32xf32, #m> -> tensor<1x32xf32, #b>
  %bb = tile.broadcast %rb : tensor<1x32xf32, #b> -> tensor<16x32xf32, #b>
  %back = tilegpu.convert_layout %bb : tensor<16x32xf32, #b> -> tensor<16x32xf32, #m>
  tile.store %back, %x[%c0, %c0] : tensor<16x32xf32, #m>, !g
  tile.return
}

// A row vector broadcast in one layout and converted to another: only the
// vector moves (to the slice of the wanted layout); the tile is broadcast
// there (the backward's lse and delta rows).
#rb = #tilegpu.slice<dim = 1, parent = #b>
#rm = #tilegpu.slice<dim = 1, parent = #m>
#v = #tilegpu.blocked<sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]>
!g1 = memref<?xf32, strided<[1]>>
// CHECK-LABEL: tile.kernel @row_broadcast
// CHECK: %[[L:.*]] = load
// CHECK-NEXT: %[[C:.*]] = tilegpu.convert_layout %[[L]] : tensor<16xf32, #tilegpu.blocked<{{.*}}> -> tensor<16xf32, #tilegpu.slice<dim = 1, parent = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>>>
// CHECK-NEXT: %[[E:.*]] = expand_dims %[[C]] axis 1 : {{.*}} -> tensor<16x1xf32, #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>>
// CHECK-NEXT: %[[B:.*]] = broadcast %[[E]] : {{.*}} -> tensor<16x32xf32, #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>>
// CHECK-NEXT: store %[[B]]
// CHECK-NOT: convert_layout
tile.kernel @row_broadcast(%x: !g, %l: !g1) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %r = tile.load %l[%c0] : !g1 -> tensor<16xf32, #v>
  %rs = tilegpu.convert_layout %r : tensor<16xf32, #v> -> tensor<16xf32, #rb>
  %e = tile.expand_dims %rs axis 1 : tensor<16xf32, #rb> -> tensor<16x1xf32, #b>
  %bc = tile.broadcast %e : tensor<16x1xf32, #b> -> tensor<16x32xf32, #b>
  %c = tilegpu.convert_layout %bc : tensor<16x32xf32, #b> -> tensor<16x32xf32, #m>
  tile.store %c, %x[%c0, %c0] : tensor<16x32xf32, #m>, !g
  tile.return
}
