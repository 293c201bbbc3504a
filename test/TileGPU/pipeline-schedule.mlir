// RUN: fa-opt %s -tilegpu-pipeline-schedule | FileCheck %s

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#bt = #tilegpu.blocked<sizePerThread = [8, 1], threadsPerWarp = [8, 4], warpsPerCTA = [1, 4], order = [0, 1]>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
#st = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]>
!g = memref<?x?xbf16, strided<[?, 1]>>

// Loads with a latency go to stage num_stages - 1 - latency, cluster 0;
// everything else to the last stage, cluster 1. num_stages is one more
// than the largest latency.
// CHECK-LABEL: tile.kernel @schedule
// CHECK: scf.for
// CHECK-NEXT: tile.load {{.*}} {tilegpu.latency = 2 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32}
// CHECK-NEXT: tile.trans {{.*}} {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32}
// CHECK-NEXT: tilegpu.local_alloc {{.*}} {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32}
// CHECK-NEXT: tile.load {{.*}} {tilegpu.latency = 1 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 1 : i32}
// CHECK-NEXT: tilegpu.local_alloc {{.*}} {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32}
// Address arithmetic on the induction variable read only by prefetched
// loads (the next block's load of tilegpu-schedule-async-dots) runs in the
// load's stage, cluster 0.
// CHECK-NEXT: arith.addi {{.*}} {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32}
// CHECK-NEXT: tile.load {{.*}} {tilegpu.latency = 2 : i32, tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32}
// CHECK-NEXT: tilegpu.local_alloc
// An address other ops of the last stage read too would cross stages: the
// load is left unscheduled (last stage), its latency dropped.
// CHECK-NEXT: arith.addi {{.*}} {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32}
// CHECK-NEXT: tile.load {{.*}} {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32}
// CHECK-NEXT: tilegpu.local_alloc
// CHECK-NEXT: tile.load {{.*}} {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 2 : i32}
// CHECK-NEXT: tilegpu.local_alloc
// CHECK-NEXT: } {tilegpu.num_stages = 3 : i32}
// A loop without latencies keeps no schedule.
// CHECK: scf.for
// CHECK-NOT: pipeline
// CHECK-NOT: num_stages
// CHECK: return
tile.kernel @schedule(%x: !g {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  scf.for %i = %c0 to %c512 step %c64 {
    %k = tile.load %x[%i, %c0] {tilegpu.latency = 2 : i32} : !g -> tensor<64x64xbf16, #b>
    %kt = tile.trans %k : tensor<64x64xbf16, #b> -> tensor<64x64xbf16, #bt>
    %ks = tilegpu.local_alloc %kt : tensor<64x64xbf16, #bt> -> !tilegpu.smem<64x64xbf16, #st>
    %v = tile.load %x[%i, %c0] {tilegpu.latency = 1 : i32} : !g -> tensor<64x64xbf16, #b>
    %vs = tilegpu.local_alloc %v : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %j = arith.addi %i, %c1 : index
    %w = tile.load %x[%j, %c0] {tilegpu.latency = 2 : i32} : !g -> tensor<64x64xbf16, #b>
    %ws = tilegpu.local_alloc %w : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %j2 = arith.addi %i, %c64 : index
    %w2 = tile.load %x[%j2, %c0] {tilegpu.latency = 2 : i32} : !g -> tensor<64x64xbf16, #b>
    %ws2 = tilegpu.local_alloc %w2 : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %u = tile.load %x[%j2, %c64] : !g -> tensor<64x64xbf16, #b>
    %us = tilegpu.local_alloc %u : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  }
  scf.for %i = %c0 to %c512 step %c64 {
    %v = tile.load %x[%i, %c0] : !g -> tensor<64x64xbf16, #b>
    %vs = tilegpu.local_alloc %v : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  }
  tile.return
}
