// RUN: fa-opt %s -fa-tile-to-tilegpu="target=sm_80 num-stages=2" -convert-tilegpu-to-llvm-nvidia="target=sm_80" | FileCheck %s
// RUN: fa-opt %s -fa-tile-to-tilegpu="target=sm_80 num-stages=2" -convert-tilegpu-to-llvm-nvidia="target=sm_80" -canonicalize | FileCheck %s --check-prefix=INB
// Pipelined loop loads lower to cp.async with zero-fill, commit and wait
// groups; the ring slot is picked from the iteration number.

!g = memref<?x?xbf16, strided<[?, 1]>>
!r = memref<?x?xf32, strided<[?, 1]>>

// CHECK-LABEL: llvm.func @stream
// Prologue copy of iteration 0: 16 bytes, or 0 (zero-fill) out of bounds.
// CHECK: %[[N:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : i32
// CHECK: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache = cg, %[[N]] : !llvm.ptr<3>, !llvm.ptr<1>, i32
// CHECK: nvvm.cp.async.commit.group
// CHECK: scf.for
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: nvvm.barrier0
// CHECK: nvvm.cp.async.shared.global
// CHECK: nvvm.cp.async.commit.group
// CHECK: ldmatrix.sync.aligned
// CHECK: nvvm.mma.sync
// CHECK: nvvm.cp.async.wait.group 0
tile.kernel @stream(%a: !g {tile.dims = ["M", 32]}, %b: !g {tile.dims = ["K", 64]}, %o: !r) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  %n = memref.dim %b, %c0 : !g
  %x = tile.load %a[%c0, %c0] : !g -> tensor<64x32xbf16>
  %z = arith.constant dense<0.0> : tensor<64x64xf32>
  %r = scf.for %k = %c0 to %n step %c32 iter_args(%acc = %z) -> (tensor<64x64xf32>) {
    %y = tile.load %b[%k, %c0] : !g -> tensor<32x64xbf16>
    %d = tile.dot %x, %y, %acc : tensor<64x32xbf16>, tensor<32x64xbf16> -> tensor<64x64xf32>
    scf.yield %d : tensor<64x64xf32>
  }
  tile.store %r, %o[%c0, %c0] : tensor<64x64xf32>, !r
  tile.return
}

// Copies of a load whose rows and columns are proven in bounds (in_bounds,
// from tile-bounds-elim) read all 16 bytes unconditionally; prefetches past
// the loop's end are skipped by a branch instead.
// INB-LABEL: llvm.func @inbounds
// INB: scf.if %{{.*}} {
// INB: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache =  cg, %c16_i32
// INB: nvvm.cp.async.commit.group
// INB: scf.for
// INB: scf.if
// INB: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache =  cg, %c16_i32
tile.kernel @inbounds(%a: !g {tile.dims = ["M", 32]}, %b: !g {tile.dims = ["K", 64]}, %o: !r) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  %n = memref.dim %b, %c0 : !g
  %x = tile.load %a[%c0, %c0] : !g -> tensor<64x32xbf16>
  %z = arith.constant dense<0.0> : tensor<64x64xf32>
  %r = scf.for %k = %c0 to %n step %c32 iter_args(%acc = %z) -> (tensor<64x64xf32>) {
    %y = tile.load %b[%k, %c0] in_bounds [true, true] : !g -> tensor<32x64xbf16>
    %d = tile.dot %x, %y, %acc : tensor<64x32xbf16>, tensor<32x64xbf16> -> tensor<64x64xf32>
    scf.yield %d : tensor<64x64xf32>
  }
  tile.store %r, %o[%c0, %c0] : tensor<64x64xf32>, !r
  tile.return
}
