// RUN: not fa-opt %s --fa-tile-to-llvm-gpu 2>&1 | FileCheck %s
// A constant memref.dim index beyond the rank used to crash the GPU lowering
// (SIGSEGV); the tile.kernel verifier refuses it at the op.

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c5 = arith.constant 5 : index
  // CHECK: bad-dim-index.mlir:[[@LINE+1]]:8: error: 'memref.dim' op index 5 is out of range for a rank-2 memref
  %n = memref.dim %x, %c5 : !g
  %i = arith.index_cast %n : index to i32
  %t = tile.splat %i : i32 -> tensor<16xi32>
  tile.return
}
