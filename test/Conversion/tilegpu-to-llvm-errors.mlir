// RUN: fa-opt %s -split-input-file -convert-tilegpu-to-llvm -verify-diagnostics
// IR the lowering cannot handle is rejected with a located error.

#b = #tilegpu.blocked<sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#m = #tilegpu.mma<version = 2, warpsPerCTA = [4, 1]>
!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @moves_data(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %t = tile.load %x[%c0, %c0] : !g -> tensor<16x32xf32, #b>
  // expected-error @+1 {{layout conversion moves data between threads; run tilegpu-decompose-conversions first}}
  %c = tilegpu.convert_layout %t : tensor<16x32xf32, #b> -> tensor<16x32xf32, #m>
  tile.return
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#s = #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]>
!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @no_offset(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %t = tile.load %x[%c0, %c0] : !g -> tensor<16x32xf32, #b>
  // expected-error @+1 {{buffer has no offset; run tilegpu-allocate-shared-memory first}}
  %s = tilegpu.local_alloc %t : tensor<16x32xf32, #b> -> !tilegpu.smem<16x32xf32, #s>
  tile.return
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [1, 4], order = [1, 0]>
!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @across_warps_unallocated(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %t = tile.load %x[%c0, %c0] : !g -> tensor<16x128xf32, #b>
  // expected-error @+1 {{reduction across warps needs scratch memory; run tilegpu-allocate-shared-memory first}}
  %r = tile.reduce sum %t axis 1 : tensor<16x128xf32, #b> -> tensor<16xf32, #tilegpu.slice<dim = 1, parent = #b>>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @no_layout(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{tile 'tensor<16x32xf32>' has no GPU layout; run tilegpu-assign-layouts first}}
  %t = tile.load %x[%c0, %c0] : !g -> tensor<16x32xf32>
  tile.return
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @odd_shape(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{tile dimensions must be powers of two on the GPU}}
  %t = tile.load %x[%c0, %c0] : !g -> tensor<16x24xf32, #b>
  tile.return
}
