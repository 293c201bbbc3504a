// RUN: fa-opt %s -split-input-file -tile-bounds-elim | FileCheck %s
// tile-bounds-elim: loads whose offset is a loop's induction variable are in
// bounds along that dimension when the loop stops T - 1 before the size
// (the unmasked loop of tile-causal-split); constant offsets into static
// sizes are in bounds when they fit.

!g = memref<?x?xbf16, strided<[?, 1]>>

// The unmasked loop's bound min(max(NK - 63, 0), NK) with 64-row tiles; v's
// rows are bounded through the shared name NK. The head dimension (static
// 64 in tile.dims) is in bounds at offset 0.
// CHECK-LABEL: tile.kernel @unmasked
// CHECK: scf.for
// CHECK: tile.load %arg0[%{{.*}}, %{{.*}}] in_bounds [true, true]
// CHECK: tile.load %arg1[%{{.*}}, %{{.*}}] in_bounds [true, true]
// A tile taller than the loop's margin (65 > 64 rows): only the column.
// CHECK: tile.load %arg0[%{{.*}}, %{{.*}}] in_bounds [false, true]
// A column offset of 8 with 64 columns overruns the static 64: rows only.
// CHECK: tile.load %arg0[%{{.*}}, %{{.*}}] in_bounds [true, false]
tile.kernel @unmasked(%k: !g {tile.dims = ["NK", 64]}, %v: !g {tile.dims = ["NK", 64]},
                      %out: !g {tile.dims = ["M", 64]}) grid {
  %c1 = arith.constant 1 : index
  yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %cm63 = arith.constant -63 : index
  %nk = memref.dim %k, %c0 : !g
  %a = arith.addi %nk, %cm63 : index
  %b = arith.maxsi %a, %c0 : index
  %ub = arith.minsi %b, %nk : index
  %init = arith.constant dense<0.0> : tensor<64x64xbf16>
  %r = scf.for %i = %c0 to %ub step %c64 iter_args(%acc = %init) -> (tensor<64x64xbf16>) {
    %kt = tile.load %k[%i, %c0] : !g -> tensor<64x64xbf16>
    %vt = tile.load %v[%i, %c0] : !g -> tensor<64x64xbf16>
    %big = tile.load %k[%i, %c0] : !g -> tensor<65x64xbf16>
    %off = tile.load %k[%i, %c8] : !g -> tensor<64x64xbf16>
    %s = arith.addf %kt, %vt : tensor<64x64xbf16>
    %s2 = arith.addf %s, %off : tensor<64x64xbf16>
    scf.yield %s2 : tensor<64x64xbf16>
  }
  tile.store %r, %out[%c0, %c0] : tensor<64x64xbf16>, !g
  return
}

// -----

!g = memref<?x?xbf16, strided<[?, 1]>>

// A loop up to the size itself (the masked loop's shape): the last block may
// overrun, so nothing is marked; neither is a tensor with a different size
// name, nor a loop with a non-constant lower bound.
// CHECK-LABEL: tile.kernel @unproven
// CHECK-NOT: in_bounds [true
tile.kernel @unproven(%k: !g {tile.dims = ["NK", "D"]}, %q: !g {tile.dims = ["N", "D"]},
                      %out: !g {tile.dims = ["M", "D"]}, %lo: index) grid {
  %c1 = arith.constant 1 : index
  yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %cm63 = arith.constant -63 : index
  %nk = memref.dim %k, %c0 : !g
  %a = arith.addi %nk, %cm63 : index
  %init = arith.constant dense<0.0> : tensor<64x64xbf16>
  %r = scf.for %i = %c0 to %nk step %c64 iter_args(%acc = %init) -> (tensor<64x64xbf16>) {
    %kt = tile.load %k[%i, %c0] : !g -> tensor<64x64xbf16>
    scf.yield %kt : tensor<64x64xbf16>
  }
  %r2 = scf.for %i = %c0 to %a step %c64 iter_args(%acc = %r) -> (tensor<64x64xbf16>) {
    %qt = tile.load %q[%i, %c0] : !g -> tensor<64x64xbf16>
    scf.yield %qt : tensor<64x64xbf16>
  }
  %r3 = scf.for %i = %lo to %a step %c64 iter_args(%acc = %r2) -> (tensor<64x64xbf16>) {
    %kt = tile.load %k[%i, %c0] : !g -> tensor<64x64xbf16>
    scf.yield %kt : tensor<64x64xbf16>
  }
  tile.store %r3, %out[%c0, %c0] : tensor<64x64xbf16>, !g
  return
}
