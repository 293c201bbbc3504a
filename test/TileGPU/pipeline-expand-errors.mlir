// RUN: fa-opt %s -split-input-file -tilegpu-pipeline-expand -verify-diagnostics

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
!m = memref<?x?xf32, strided<[?, 1]>>

// Stages communicate through memory: a register value of stage 0 (another
// iteration's) used in the last stage cannot be rotated.
tile.kernel @crosses(%x: !m) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %c256 = arith.constant 256 : index
  scf.for %i = %c0 to %c256 step %c16 {
    %a = tile.load %x[%i, %c0] {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !m -> tensor<16x16xf32, #b>
    // expected-error @below {{value crosses pipeline stages (0 to 1)}}
    tile.store %a, %x[%i, %c0] {tilegpu.pipeline_cluster = 1 : i32, tilegpu.pipeline_stage = 1 : i32} : tensor<16x16xf32, #b>, !m
  } {tilegpu.num_stages = 2 : i32}
  tile.return
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
!m = memref<?x?xf32, strided<[?, 1]>>

tile.kernel @carried(%x: !m, %t: tensor<16x16xf32, #b>) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %c256 = arith.constant 256 : index
  // expected-error @below {{a loop-carried value comes from pipeline stage 0, not the last}}
  %r = scf.for %i = %c0 to %c256 step %c16 iter_args(%acc = %t) -> (tensor<16x16xf32, #b>) {
    %a = tile.load %x[%i, %c0] {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 0 : i32} : !m -> tensor<16x16xf32, #b>
    scf.yield %a : tensor<16x16xf32, #b>
  } {tilegpu.num_stages = 2 : i32}
  tile.return
}

// -----

!m = memref<?x?xf32, strided<[?, 1]>>

tile.kernel @stage_range(%x: !m) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %c256 = arith.constant 256 : index
  scf.for %i = %c0 to %c256 step %c16 {
    // expected-error @below {{pipeline stage 4 outside 0..1}}
    %j = arith.addi %i, %c16 {tilegpu.pipeline_cluster = 0 : i32, tilegpu.pipeline_stage = 4 : i32} : index
  } {tilegpu.num_stages = 2 : i32}
  tile.return
}
