// RUN: fa-opt %s -split-input-file -convert-tilegpu-to-llvm-nvidia -verify-diagnostics
// IR the lowering cannot handle is rejected with a located error.

#b = #tilegpu.blocked<sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#m = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>
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

// -----

// An op no lowering (generic or vendor) takes: a located error naming the op
// and the target, not a crash.
#b = #tilegpu.blocked<sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @no_lowering(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'memref.load' has no lowering for target 'sm_80'}}
  %v = memref.load %x[%c0, %c0] : !g
  tile.return
}

// -----

// A layout for 64-lane warps on a 32-lane target.
#b = #tilegpu.blocked<sizePerThread = [1, 4], threadsPerWarp = [8, 8], warpsPerCTA = [4, 1], order = [1, 0]>
!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @wave64_layout(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{spreads over 64 lanes, but a warp of sm_80 has 32}}
  %t = tile.load %x[%c0, %c0] : !g -> tensor<32x32xf32, #b>
  tile.return
}

// -----

// The module's target decides; an unknown one lists the registered targets.
// expected-error @+1 {{unknown GPU target 'sm_75' (registered targets: gfx90a, gfx942, sm_80, sm_90a)}}
module attributes {tilegpu.target = #tilegpu.target<"sm_75", warps = 4, threads_per_warp = 32>} {
tile.kernel @unknown_target() grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  tile.return
}
}

// -----

// expected-error @+1 {{module target has 64 threads per warp, but a warp of sm_90a has 32}}
module attributes {tilegpu.target = #tilegpu.target<"sm_90a", warps = 4, threads_per_warp = 64>} {
tile.kernel @wrong_warp() grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  tile.return
}
}

// -----

// Layouts must spread over the warps the module's target runs.
#b = #tilegpu.blocked<sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [8, 1], order = [1, 0]>
!g = memref<?x?xf32, strided<[?, 1]>>
module attributes {tilegpu.target = #tilegpu.target<"sm_80", warps = 4, threads_per_warp = 32>} {
tile.kernel @wrong_warps(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{spreads over 8 warps, but the kernel runs 4 (the module's #tilegpu.target)}}
  %t = tile.load %x[%c0, %c0] : !g -> tensor<64x32xf32, #b>
  tile.return
}
}
