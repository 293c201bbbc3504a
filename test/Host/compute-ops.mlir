// RUN: fa-opt %s -tile-to-host --mlir-very-unsafe-disable-verifier-on-parsing | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s
//
// Compute ops run on the host: dot of bf16 and f16 tiles with f32
// accumulation, trans, reductions (max, min, sum; float and integer),
// expand_dims + broadcast, and iota. With a[i][j] = 10 i + j (4x8), the Gram
// matrix G = a a^T has G[i][k] = 800 i k + 280 (i + k) + 140, exact in every
// precision used here.

!g = memref<?x?xf32, strided<[?, 1]>>

tile.kernel @ops(%a: !g, %gram: !g, %gram16: !g, %red: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %zero = arith.constant 0.0 : f32
  %t = tile.load %a[%c0, %c0] : !g -> tensor<4x8xf32>
  %acc = tile.splat %zero : f32 -> tensor<4x4xf32>
  // bf16: G = a . trans(a)
  %tb = arith.truncf %t : tensor<4x8xf32> to tensor<4x8xbf16>
  %tbt = tile.trans %tb : tensor<4x8xbf16> -> tensor<8x4xbf16>
  %g = tile.dot %tb, %tbt, %acc : tensor<4x8xbf16>, tensor<8x4xbf16> -> tensor<4x4xf32>
  tile.store %g, %gram[%c0, %c0] : tensor<4x4xf32>, !g
  // f16, plus 1 broadcast from a row vector: G16 = a . trans(a) + [0, 1, 2, 3]
  %th = arith.truncf %t : tensor<4x8xf32> to tensor<4x8xf16>
  %tht = tile.trans %th : tensor<4x8xf16> -> tensor<8x4xf16>
  %iota4 = tile.iota : tensor<4xi32>
  %iota4f = arith.sitofp %iota4 : tensor<4xi32> to tensor<4xf32>
  %row = tile.expand_dims %iota4f axis 0 : tensor<4xf32> -> tensor<1x4xf32>
  %rows = tile.broadcast %row : tensor<1x4xf32> -> tensor<4x4xf32>
  %g16 = tile.dot %th, %tht, %rows : tensor<4x8xf16>, tensor<8x4xf16> -> tensor<4x4xf32>
  tile.store %g16, %gram16[%c0, %c0] : tensor<4x4xf32>, !g
  // Reductions of G.
  %rmax = tile.reduce max %g axis 1 : tensor<4x4xf32> -> tensor<4xf32>
  tile.store %rmax, %red[%c0, %c0] dims [1] : tensor<4xf32>, !g
  %cmin = tile.reduce min %g axis 0 : tensor<4x4xf32> -> tensor<4xf32>
  tile.store %cmin, %red[%c1, %c0] dims [1] : tensor<4xf32>, !g
  %rsum = tile.reduce sum %g axis 1 : tensor<4x4xf32> -> tensor<4xf32>
  %all = tile.reduce sum %rsum axis 0 : tensor<4xf32> -> tensor<f32>
  %all1 = tile.expand_dims %all axis 0 : tensor<f32> -> tensor<1xf32>
  tile.store %all1, %red[%c2, %c0] dims [1] : tensor<1xf32>, !g
  // Integer reductions of iota(8): sum 28, max 7, min 0.
  %i8 = tile.iota : tensor<8xi32>
  %isum = tile.reduce sum %i8 axis 0 : tensor<8xi32> -> tensor<i32>
  %imax = tile.reduce max %i8 axis 0 : tensor<8xi32> -> tensor<i32>
  %imin = tile.reduce min %i8 axis 0 : tensor<8xi32> -> tensor<i32>
  %isum1 = tile.expand_dims %isum axis 0 : tensor<i32> -> tensor<1xi32>
  %imax1 = tile.expand_dims %imax axis 0 : tensor<i32> -> tensor<1xi32>
  %imin1 = tile.expand_dims %imin axis 0 : tensor<i32> -> tensor<1xi32>
  %fs = arith.sitofp %isum1 : tensor<1xi32> to tensor<1xf32>
  %fx = arith.sitofp %imax1 : tensor<1xi32> to tensor<1xf32>
  %fn = arith.sitofp %imin1 : tensor<1xi32> to tensor<1xf32>
  tile.store %fs, %red[%c3, %c0] dims [1] : tensor<1xf32>, !g
  tile.store %fx, %red[%c3, %c1] dims [1] : tensor<1xf32>, !g
  tile.store %fn, %red[%c3, %c2] dims [1] : tensor<1xf32>, !g
  tile.return
}

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %ten = arith.constant 10.0 : f32
  %m1 = arith.constant -1.0 : f32
  %a = memref.alloc(%c4, %c8) : memref<?x?xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %ii = arith.index_cast %i : index to i32
      %jj = arith.index_cast %j : index to i32
      %fi = arith.sitofp %ii : i32 to f32
      %fj = arith.sitofp %jj : i32 to f32
      %x = arith.mulf %fi, %ten : f32
      %v = arith.addf %x, %fj : f32
      memref.store %v, %a[%i, %j] : memref<?x?xf32>
    }
  }
  %g = memref.alloc(%c4, %c4) : memref<?x?xf32>
  %g16 = memref.alloc(%c4, %c4) : memref<?x?xf32>
  %r = memref.alloc(%c4, %c4) : memref<?x?xf32>
  linalg.fill ins(%m1 : f32) outs(%r : memref<?x?xf32>)
  %ag = memref.cast %a : memref<?x?xf32> to !g
  %gg = memref.cast %g : memref<?x?xf32> to !g
  %g16g = memref.cast %g16 : memref<?x?xf32> to !g
  %rg = memref.cast %r : memref<?x?xf32> to !g
  func.call @ops(%ag, %gg, %g16g, %rg) : (!g, !g, !g, !g) -> ()
  // CHECK: sizes = [4, 4]
  // CHECK-NEXT: [140, 420, 700, 980]
  // CHECK-NEXT: [420, 1500, 2580, 3660]
  // CHECK-NEXT: [700, 2580, 4460, 6340]
  // CHECK-NEXT: [980, 3660, 6340, 9020]
  %gu = memref.cast %g : memref<?x?xf32> to memref<*xf32>
  func.call @printMemrefF32(%gu) : (memref<*xf32>) -> ()
  // CHECK: sizes = [4, 4]
  // CHECK-NEXT: [140, 421, 702, 983]
  // CHECK-NEXT: [420, 1501, 2582, 3663]
  // CHECK-NEXT: [700, 2581, 4462, 6343]
  // CHECK-NEXT: [980, 3661, 6342, 9023]
  %g16u = memref.cast %g16 : memref<?x?xf32> to memref<*xf32>
  func.call @printMemrefF32(%g16u) : (memref<*xf32>) -> ()
  // CHECK: sizes = [4, 4]
  // CHECK-NEXT: [980, 3660, 6340, 9020]
  // CHECK-NEXT: [140, 420, 700, 980]
  // CHECK-NEXT: [44480, -1, -1, -1]
  // CHECK-NEXT: [28, 7, 0, -1]
  %ru = memref.cast %r : memref<?x?xf32> to memref<*xf32>
  func.call @printMemrefF32(%ru) : (memref<*xf32>) -> ()
  return
}
