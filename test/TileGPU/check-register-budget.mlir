// RUN: fa-opt %s -split-input-file -tilegpu-check-register-budget -verify-diagnostics
// Every tile is held in registers, spread over the block's threads: a tile
// larger than a thread block's register file (64K x 32 bit), or needing more
// than 1020 registers per thread, is refused at its location before any
// lowering (a 1024x1024 f32 tile used to make LLVM run out of memory).

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @fits(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  // 256x256 f32 is the whole register file of a block: accepted (ptxas
  // will spill it on 4 warps, and says so).
  %t = tile.load %x[%c0, %c0] : !g -> tensor<256x256xf32>
  %s = arith.addf %t, %t : tensor<256x256xf32>
  tile.store %s, %x[%c0, %c0] : tensor<256x256xf32>, !g
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @too_big_for_a_block(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{tile 'tensor<256x512xf32>' needs 524288 bytes of registers, more than the 262144 (65536 32-bit registers) a thread block has; use smaller blocks}}
  %t = tile.load %x[%c0, %c0] : !g -> tensor<256x512xf32>
  tile.store %t, %x[%c0, %c0] : tensor<256x512xf32>, !g
  tile.return
}

// -----

// A loop-carried tile made by a constant.
!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @loop_carried(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // expected-error @+1 {{tile 'tensor<1024x1024xf32>' needs 4194304 bytes of registers}}
  %z = arith.constant dense<0.0> : tensor<1024x1024xf32>
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %z) -> tensor<1024x1024xf32> {
    scf.yield %acc : tensor<1024x1024xf32>
  }
  tile.store %r, %x[%c0, %c0] : tensor<1024x1024xf32>, !g
  tile.return
}

// -----

// Masks (i1) count a byte per element.
!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @mask(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  // expected-error @+1 {{tile 'tensor<512x1024xi1>' needs 524288 bytes of registers}}
  %m = arith.constant dense<true> : tensor<512x1024xi1>
  tile.return
}
