// RUN: fa-opt %s -tilegpu-pipeline-schedule="num-stages=3" | FileCheck %s
// RUN: fa-opt %s -tilegpu-pipeline-schedule="num-stages=1" | FileCheck %s --check-prefix=OFF

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#bt = #tilegpu.blocked<sizePerThread = [8, 1], threadsPerWarp = [8, 4], warpsPerCTA = [1, 4], order = [0, 1]>
#b4 = #tilegpu.blocked<sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#m = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>
#a = #tilegpu.dot_op<opIdx = 0, parent = #m>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
#st = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]>
!g = memref<?x?xbf16, strided<[?, 1]>>

// Loads that only fill a buffer (directly or through a transpose), at the
// induction variable, with 16-byte rows of known width, go to stage 0.
// CHECK-LABEL: tile.kernel @schedule
// CHECK: scf.for
// CHECK: tile.load {{.*}} {tilegpu.pipeline_stage = 0 : i32}
// CHECK: tile.load {{.*}} {tilegpu.pipeline_stage = 0 : i32}
// An offset computed in the loop: not prefetched.
// CHECK: tile.load
// CHECK-NOT: pipeline_stage
// CHECK: tile.load
// CHECK-NOT: pipeline_stage
// CHECK: } {tilegpu.num_stages = 3 : i32}
// OFF-NOT: pipeline_stage
// OFF-NOT: num_stages
tile.kernel @schedule(%x: !g {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  scf.for %i = %c0 to %c512 step %c64 {
    %k = tile.load %x[%i, %c0] : !g -> tensor<64x64xbf16, #b>
    %kt = tile.trans %k : tensor<64x64xbf16, #b> -> tensor<64x64xbf16, #bt>
    %ks = tilegpu.local_alloc %kt : tensor<64x64xbf16, #bt> -> !tilegpu.smem<64x64xbf16, #st>
    %v = tile.load %x[%i, %c0] : !g -> tensor<64x64xbf16, #b>
    %vs = tilegpu.local_alloc %v : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %j = arith.addi %i, %c1 : index
    %w = tile.load %x[%j, %c0] : !g -> tensor<64x64xbf16, #b>
    %ws = tilegpu.local_alloc %w : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    // Feeds registers, not a buffer: not prefetched.
    %u = tile.load %x[%i, %c0] : !g -> tensor<64x64xbf16, #b>
    tile.store %u, %x[%i, %c0] : tensor<64x64xbf16, #b>, !g
  }
  tile.return
}
