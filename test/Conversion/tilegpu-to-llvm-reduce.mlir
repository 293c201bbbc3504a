// RUN: fa-opt %s -tilegpu-allocate-shared-memory -convert-tilegpu-to-llvm-nvidia | FileCheck %s
// A reduction whose dimension spans warps: shuffles inside each warp, then
// the partial results of the 4 warps meet in a scratch buffer that the
// allocator placed after the live tile buffer.

#b = #tilegpu.blocked<sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [1, 4], order = [1, 0]>
#s = #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]>
!g = memref<?x?xf32, strided<[?, 1]>>
!r = memref<?xf32, strided<[1]>>

// CHECK-LABEL: llvm.func @row_sum
// CHECK: nvvm.shfl.sync  bfly
// CHECK: nvvm.shfl.sync  bfly
// CHECK: nvvm.shfl.sync  bfly
// CHECK: %[[SCRATCH:.*]] = llvm.getelementptr %{{.*}}[2048] : (!llvm.ptr<3>) -> !llvm.ptr<3>, i8
// CHECK: nvvm.barrier0
// CHECK: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr<3>
// CHECK: nvvm.barrier0
// Each thread combines the 4 warps' partials of its rows.
// CHECK-COUNT-4: llvm.load %{{.*}} : !llvm.ptr<3> -> f32
tile.kernel @row_sum(%x: !g, %y: !r) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %t = tile.load %x[%c0, %c0] : !g -> tensor<16x128xf32, #b>
  %u = tile.load %x[%c0, %c0] : !g -> tensor<4x128xf32, #b>
  %keep = tilegpu.local_alloc %u : tensor<4x128xf32, #b> -> !tilegpu.smem<4x128xf32, #s>
  %r = tile.reduce sum %t axis 1 : tensor<16x128xf32, #b> -> tensor<16xf32, #tilegpu.slice<dim = 1, parent = #b>>
  %back = tilegpu.local_load %keep : !tilegpu.smem<4x128xf32, #s> -> tensor<4x128xf32, #b>
  tile.store %r, %y[%c0] : tensor<16xf32, #tilegpu.slice<dim = 1, parent = #b>>, !r
  tile.return
}
