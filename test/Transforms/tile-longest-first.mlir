// RUN: fa-opt %s -split-input-file -tile-longest-first | FileCheck %s
// tile-longest-first: an axis whose program index makes loops longer is
// renumbered (num_programs - 1 - program_id) so that the longest programs
// start first; nothing else is touched.

!g = memref<?x?xf32, strided<[?, 1]>>

// The causal forward's shape: query block i visits min(NK, 64 i + 64) keys.
// CHECK-LABEL: tile.kernel @grows
// CHECK: %[[PID:.*]] = program_id 0 : i32
// CHECK-NEXT: %[[NP:.*]] = num_programs 0 : i32
// CHECK-NEXT: %[[C1:.*]] = arith.constant 1 : i32
// CHECK-NEXT: %[[LAST:.*]] = arith.subi %[[NP]], %[[C1]] : i32
// CHECK-NEXT: %[[REV:.*]] = arith.subi %[[LAST]], %[[PID]] : i32
// CHECK-NEXT: arith.muli %[[REV]], %{{.*}} : i32
// Axis 1 does not change any trip count: it keeps its numbering.
// CHECK: program_id 1 : i32
// CHECK-NOT: num_programs
// CHECK: scf.for
tile.kernel @grows(%k: !g {tile.dims = ["NK", 64]}, %out: !g {tile.dims = ["M", 64]}) grid {
  %c1 = arith.constant 1 : index
  yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %c64i = arith.constant 64 : i32
  %pid = program_id 0 : i32
  %m0 = arith.muli %pid, %c64i : i32
  %h = program_id 1 : i32
  %hi = arith.index_cast %h : i32 to index
  %m0i = arith.index_cast %m0 : i32 to index
  %end = arith.addi %m0i, %c64 : index
  %nk = memref.dim %k, %c0 : !g
  %ub = arith.minsi %nk, %end : index
  %init = arith.constant dense<0.0> : tensor<64x64xf32>
  %r = scf.for %i = %c0 to %ub step %c64 iter_args(%acc = %init) -> (tensor<64x64xf32>) {
    %kt = tile.load %k[%i, %hi] : !g -> tensor<64x64xf32>
    %s = arith.addf %acc, %kt : tensor<64x64xf32>
    scf.yield %s : tensor<64x64xf32>
  }
  tile.store %r, %out[%m0i, %c0] : tensor<64x64xf32>, !g
  return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>

// The backward's shape: key block j starts its query loop at 64 j, so its
// trip count shrinks with j: the heaviest programs already come first.
// CHECK-LABEL: tile.kernel @shrinks
// CHECK-NOT: num_programs
// CHECK: return
tile.kernel @shrinks(%q: !g {tile.dims = ["N", 64]}, %out: !g {tile.dims = ["NK", 64]}) grid {
  %c1 = arith.constant 1 : index
  yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %pid = program_id 0 : i32
  %p = arith.index_cast %pid : i32 to index
  %n0 = arith.muli %p, %c64 : index
  %n = memref.dim %q, %c0 : !g
  %init = arith.constant dense<0.0> : tensor<64x64xf32>
  %r = scf.for %i = %n0 to %n step %c64 iter_args(%acc = %init) -> (tensor<64x64xf32>) {
    %qt = tile.load %q[%i, %c0] : !g -> tensor<64x64xf32>
    %s = arith.addf %acc, %qt : tensor<64x64xf32>
    scf.yield %s : tensor<64x64xf32>
  }
  tile.store %r, %out[%n0, %c0] : tensor<64x64xf32>, !g
  return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>

// Two loops, one growing and one shrinking with the index, or a bound the
// analysis cannot order (a product of two indices): no renumbering.
// CHECK-LABEL: tile.kernel @mixed
// CHECK-NOT: num_programs
// CHECK: return
tile.kernel @mixed(%k: !g {tile.dims = ["NK", 64]}, %out: !g {tile.dims = ["M", 64]}) grid {
  %c1 = arith.constant 1 : index
  yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %pid = program_id 0 : i32
  %p = arith.index_cast %pid : i32 to index
  %m0 = arith.muli %p, %c64 : index
  %nk = memref.dim %k, %c0 : !g
  %init = arith.constant dense<0.0> : tensor<64x64xf32>
  %r = scf.for %i = %c0 to %m0 step %c64 iter_args(%acc = %init) -> (tensor<64x64xf32>) {
    %kt = tile.load %k[%i, %c0] : !g -> tensor<64x64xf32>
    %s = arith.addf %acc, %kt : tensor<64x64xf32>
    scf.yield %s : tensor<64x64xf32>
  }
  %r2 = scf.for %i = %m0 to %nk step %c64 iter_args(%acc = %r) -> (tensor<64x64xf32>) {
    %kt = tile.load %k[%i, %c0] : !g -> tensor<64x64xf32>
    %s = arith.addf %acc, %kt : tensor<64x64xf32>
    scf.yield %s : tensor<64x64xf32>
  }
  tile.store %r2, %out[%m0, %c0] : tensor<64x64xf32>, !g
  return
}

// CHECK-LABEL: tile.kernel @square
// CHECK-NOT: num_programs
// CHECK: return
tile.kernel @square(%k: !g {tile.dims = ["NK", 64]}, %out: !g {tile.dims = ["M", 64]}) grid {
  %c1 = arith.constant 1 : index
  yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %pid = program_id 0 : i32
  %p = arith.index_cast %pid : i32 to index
  %ub = arith.muli %p, %p : index
  %init = arith.constant dense<0.0> : tensor<64x64xf32>
  %r = scf.for %i = %c0 to %ub step %c64 iter_args(%acc = %init) -> (tensor<64x64xf32>) {
    %kt = tile.load %k[%i, %c0] : !g -> tensor<64x64xf32>
    %s = arith.addf %acc, %kt : tensor<64x64xf32>
    scf.yield %s : tensor<64x64xf32>
  }
  tile.store %r, %out[%c0, %c0] : tensor<64x64xf32>, !g
  return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>

// A growing loop in a kernel with atomics: programs may wait on each other's
// updates, so their order is kept.
// CHECK-LABEL: tile.kernel @atomics
// CHECK-NOT: num_programs
// CHECK: return
tile.kernel @atomics(%k: !g {tile.dims = ["NK", 64]}, %out: !g {tile.dims = ["M", 64]}) grid {
  %c1 = arith.constant 1 : index
  yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %pid = program_id 0 : i32
  %p = arith.index_cast %pid : i32 to index
  %m0 = arith.muli %p, %c64 : index
  %init = arith.constant dense<0.0> : tensor<64x64xf32>
  %r = scf.for %i = %c0 to %m0 step %c64 iter_args(%acc = %init) -> (tensor<64x64xf32>) {
    %kt = tile.load %k[%i, %c0] : !g -> tensor<64x64xf32>
    %s = arith.addf %acc, %kt : tensor<64x64xf32>
    scf.yield %s : tensor<64x64xf32>
  }
  tile.atomic_add %r, %out[%c0, %c0] : tensor<64x64xf32>, !g
  return
}
