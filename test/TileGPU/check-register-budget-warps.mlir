// RUN: fa-opt %s -split-input-file -tilegpu-check-register-budget="num-warps=1" -verify-diagnostics
// RUN: not fa-opt %s -split-input-file -tilegpu-check-register-budget="num-warps=1 threads-per-warp=64" 2>&1 | FileCheck %s --check-prefix=WAVE64
// The per-thread limit depends on the block's threads: warps times the
// target's threads per warp (the pipeline passes the target's warp size).
// WAVE64: tile 'tensor<256x512xbf16>' needs 1024 registers per thread with 1 warps

// On one warp, 128x256 bf16 is 512 registers per thread (accepted) ...
!g = memref<?x?xbf16, strided<[?, 1]>>
tile.kernel @one_warp_fits(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %t = tile.load %x[%c0, %c0] : !g -> tensor<128x256xbf16>
  tile.store %t, %x[%c0, %c0] : tensor<128x256xbf16>, !g
  tile.return
}

// -----

// ... and 256x512 bf16 is 2048 (refused), though it fits a block's file.
!g = memref<?x?xbf16, strided<[?, 1]>>
tile.kernel @one_warp_too_many(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{tile 'tensor<256x512xbf16>' needs 2048 registers per thread with 1 warps, more than 1020 (four times the 255 a thread can address); use smaller blocks or more warps}}
  %t = tile.load %x[%c0, %c0] : !g -> tensor<256x512xbf16>
  tile.store %t, %x[%c0, %c0] : tensor<256x512xbf16>, !g
  tile.return
}
