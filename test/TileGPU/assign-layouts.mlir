// RUN: fa-opt %s -split-input-file -tilegpu-assign-layouts="target=sm_80" | FileCheck %s
// RUN: fa-opt %s -split-input-file -tilegpu-assign-layouts="num-warps=8 target=sm_90a" | FileCheck %s --check-prefix=W8

!g = memref<?x?xbf16, strided<[?, 1]>>
!r = memref<?xf32, strided<[1]>>

// Loads are blocked with 16-byte vectors, the dot's result is an MMA
// accumulator, its operands are converted to MMA operand layouts, and the
// row maximum is a slice of the accumulator layout.
// The target, warps and threads per warp go to one module attribute.
// CHECK: module attributes {tilegpu.target = #tilegpu.target<"sm_80", warps = 4, threads_per_warp = 32>}
// CHECK-LABEL: tile.kernel @dot_rowmax
// CHECK: %[[A:.*]] = load {{.*}} -> tensor<64x32xbf16, #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [8, 4], warpsPerCTA = [4, 1], order = [1, 0]>>
// CHECK: %[[B:.*]] = load {{.*}} -> tensor<32x64xbf16, #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>>
// CHECK: %[[CA:.*]] = tilegpu.convert_layout %[[A]] : {{.*}} -> tensor<64x32xbf16, #tilegpu.dot_op<opIdx = 0, parent = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>>>
// CHECK: %[[CB:.*]] = tilegpu.convert_layout %[[B]] : {{.*}} -> tensor<32x64xbf16, #tilegpu.dot_op<opIdx = 1, parent = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>>>
// CHECK: %[[D:.*]] = dot %[[CA]], %[[CB]], %{{.*}} : {{.*}} -> tensor<64x64xf32, #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>>
// CHECK: reduce max %[[D]] axis 1 : {{.*}} -> tensor<64xf32, #tilegpu.slice<dim = 1, parent = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>>>
// W8: module attributes {tilegpu.target = #tilegpu.target<"sm_90a", warps = 8, threads_per_warp = 32>}
// W8-LABEL: tile.kernel @dot_rowmax
// W8: dot {{.*}} -> tensor<64x64xf32, #tilenv.mma<version = 2, warpsPerCTA = [4, 2]>>
tile.kernel @dot_rowmax(%a: !g, %b: !g, %out: !r) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %x = tile.load %a[%c0, %c0] : !g -> tensor<64x32xbf16>
  %y = tile.load %b[%c0, %c0] : !g -> tensor<32x64xbf16>
  %z = arith.constant dense<0.0> : tensor<64x64xf32>
  %d = tile.dot %x, %y, %z : tensor<64x32xbf16>, tensor<32x64xbf16> -> tensor<64x64xf32>
  %m = tile.reduce max %d axis 1 : tensor<64x64xf32> -> tensor<64xf32>
  tile.store %m, %out[%c0] : tensor<64xf32>, !r
  tile.return
}

// -----

!r = memref<?xf32, strided<[1]>>
!g2 = memref<?x?xf32, strided<[?, 1]>>

// Splats, constants and iotas take the layout their user needs: the column
// mask built from an iota ends up a slice of the layout it masks, and a loop
// argument takes the layout of what the loop yields.
// CHECK-LABEL: tile.kernel @flexible
// CHECK: %[[I:.*]] = iota : tensor<32xi32, #tilegpu.slice<dim = 0, parent = #[[L:.*]]>>
// CHECK: scf.for {{.*}} -> (tensor<16x32xf32, #[[L]]>)
// CHECK: %[[E:.*]] = tile.expand_dims {{.*}} -> tensor<1x32xi1, #[[L]]>
// CHECK-NOT: convert_layout
// CHECK: return
tile.kernel @flexible(%x: !g2, %n: i32) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %cols = tile.iota : tensor<32xi32>
  %ns = tile.splat %n : i32 -> tensor<32xi32>
  %zero = arith.constant dense<0.0> : tensor<16x32xf32>
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (tensor<16x32xf32>) {
    %t = tile.load %x[%i, %c0] : !g2 -> tensor<16x32xf32>
    %ok = arith.cmpi slt, %cols, %ns : tensor<32xi32>
    %ok2 = tile.expand_dims %ok axis 0 : tensor<32xi1> -> tensor<1x32xi1>
    %okb = tile.broadcast %ok2 : tensor<1x32xi1> -> tensor<16x32xi1>
    %m = arith.select %okb, %t, %zero : tensor<16x32xi1>, tensor<16x32xf32>
    %s = arith.addf %acc, %m : tensor<16x32xf32>
    scf.yield %s : tensor<16x32xf32>
  }
  tile.store %r, %x[%c0, %c0] : tensor<16x32xf32>, !g2
  tile.return
}
