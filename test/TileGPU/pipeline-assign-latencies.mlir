// RUN: fa-opt %s -tilegpu-pipeline-assign-latencies="num-stages=3" | FileCheck %s
// RUN: fa-opt %s -tilegpu-pipeline-assign-latencies="num-stages=1" | FileCheck %s --check-prefix=OFF

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#bt = #tilegpu.blocked<sizePerThread = [8, 1], threadsPerWarp = [8, 4], warpsPerCTA = [1, 4], order = [0, 1]>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
#st = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]>
!g = memref<?x?xbf16, strided<[?, 1]>>

// Loads at the induction variable (or loop-invariant offsets) whose every
// use fills a shared buffer, directly, through a transpose, or several
// buffers at once, are issued num-stages - 1 iterations ahead. Whether the
// target can copy them (row width, padding) is not decided here.
// CHECK-LABEL: tile.kernel @latencies
// CHECK: scf.for
// CHECK: tile.load {{.*}} {tilegpu.latency = 2 : i32}
// CHECK: tile.load {{.*}} {tilegpu.latency = 2 : i32}
// CHECK: tile.load {{.*}} {tilegpu.latency = 2 : i32}
// CHECK: tile.load {{.*}} padding {{.*}} {tilegpu.latency = 2 : i32}
// An offset computed from the induction variable by pure arithmetic (the
// next block) is an address like the induction variable.
// CHECK: arith.addi
// CHECK-NEXT: tile.load {{.*}} {tilegpu.latency = 2 : i32}
// A use in registers: not prefetched.
// CHECK: tile.load
// CHECK-NOT: latency
// CHECK: tile.load
// CHECK-NOT: latency
// CHECK: return
// The loop itself is left to the scheduler.
// CHECK-NOT: num_stages
// OFF-NOT: latency
tile.kernel @latencies(%x: !g {tile.dims = ["N", 64]}) grid {
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
    // Read as a buffer and as a transposed buffer (two dots): one load.
    %q = tile.load %x[%i, %c0] : !g -> tensor<64x64xbf16, #b>
    %qs = tilegpu.local_alloc %q : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %qt = tile.trans %q : tensor<64x64xbf16, #b> -> tensor<64x64xbf16, #bt>
    %qts = tilegpu.local_alloc %qt : tensor<64x64xbf16, #bt> -> !tilegpu.smem<64x64xbf16, #st>
    %p = tile.load %x[%i, %c0] padding 1.0 : bf16 : !g -> tensor<64x64xbf16, #b>
    %ps = tilegpu.local_alloc %p : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %j = arith.addi %i, %c1 : index
    %w = tile.load %x[%j, %c0] : !g -> tensor<64x64xbf16, #b>
    %ws = tilegpu.local_alloc %w : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    // Feeds registers, not a buffer: not prefetched.
    %u = tile.load %x[%i, %c0] : !g -> tensor<64x64xbf16, #b>
    tile.store %u, %x[%i, %c0] : tensor<64x64xbf16, #b>, !g
    // Feeds a buffer and registers: the register use would need the load.
    %r = tile.load %x[%i, %c0] : !g -> tensor<64x64xbf16, #b>
    %rs = tilegpu.local_alloc %r : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    tile.store %r, %x[%i, %c0] : tensor<64x64xbf16, #b>, !g
  }
  tile.return
}
