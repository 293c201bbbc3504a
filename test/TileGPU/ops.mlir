// RUN: fa-opt %s -split-input-file | fa-opt | FileCheck %s
// Round trip of the tilegpu layouts, the shared buffer type and the ops.

#blocked = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#mma = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>
#dota = #tilegpu.dot_op<opIdx = 0, parent = #mma>
#row = #tilegpu.slice<dim = 1, parent = #mma>
#shared = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>

// CHECK-LABEL: tile.kernel @layouts
// CHECK: tilegpu.local_alloc %{{.*}} {offset = 0 : i64} : tensor<64x64xbf16, #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>> -> !tilegpu.smem<64x64xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>>
// CHECK: tilegpu.local_load %{{.*}} : !tilegpu.smem<64x64xbf16, {{.*}}> -> tensor<64x64xbf16, #tilegpu.dot_op<opIdx = 0, parent = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>>>
// CHECK: tilegpu.convert_layout %{{.*}} : tensor<64xf32, #tilegpu.slice<dim = 1, parent = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>>> -> tensor<64xf32, #tilegpu.blocked<sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]>>
tile.kernel @layouts(%x: memref<?x?xbf16, strided<[?, 1]>>) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %t = tile.load %x[%c0, %c0] : memref<?x?xbf16, strided<[?, 1]>> -> tensor<64x64xbf16, #blocked>
  %s = tilegpu.local_alloc %t {offset = 0 : i64} : tensor<64x64xbf16, #blocked> -> !tilegpu.smem<64x64xbf16, #shared>
  %a = tilegpu.local_load %s : !tilegpu.smem<64x64xbf16, #shared> -> tensor<64x64xbf16, #dota>
  %r = arith.constant dense<0.0> : tensor<64xf32, #row>
  %b = tilegpu.convert_layout %r : tensor<64xf32, #row> -> tensor<64xf32, #tilegpu.blocked<sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]>>
  tile.return
}

// -----

// A layout made of several: the linear-layout view makes any nesting legal.
// CHECK-LABEL: tile.kernel @nested
// CHECK: tensor<16xf32, #tilegpu.slice<dim = 0, parent = #tilegpu.dot_op<opIdx = 1, parent = #tilenv.mma<version = 2, warpsPerCTA = [2, 2]>>>>
tile.kernel @nested(%x: memref<?xf32, strided<[1]>>) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %z = arith.constant dense<0.0> : tensor<16xf32, #tilegpu.slice<dim = 0, parent = #tilegpu.dot_op<opIdx = 1, parent = #tilenv.mma<version = 2, warpsPerCTA = [2, 2]>>>>
  tile.return
}

// -----

// The module target, an explicit barrier, and a blocked layout for 64-lane
// warps (the lowering checks the lane count against the target's warp).
// CHECK: module attributes {tilegpu.target = #tilegpu.target<"sm_90a", warps = 8, threads_per_warp = 32>}
// CHECK-LABEL: tile.kernel @target_and_barrier
// CHECK: tilegpu.barrier
// CHECK: tensor<64x64xf32, #tilegpu.blocked<sizePerThread = [1, 4], threadsPerWarp = [4, 16], warpsPerCTA = [4, 1], order = [1, 0]>>
module attributes {tilegpu.target = #tilegpu.target<"sm_90a", warps = 8, threads_per_warp = 32>} {
tile.kernel @target_and_barrier(%x: memref<?x?xf32, strided<[?, 1]>>) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  tilegpu.barrier
  %z = arith.constant dense<0.0> : tensor<64x64xf32, #tilegpu.blocked<sizePerThread = [1, 4], threadsPerWarp = [4, 16], warpsPerCTA = [4, 1], order = [1, 0]>>
  tile.return
}
}

// -----

// A panelled layout (wgmma's B with rows over 128 bytes) prints its panel;
// the default panel 0 is not printed.
// CHECK-LABEL: func.func private @panel
// CHECK-SAME: !tilegpu.smem<2x64x128xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [2, 1, 0], panel = 64>>
// CHECK-SAME: !tilegpu.smem<64x64xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>>
func.func private @panel(!tilegpu.smem<2x64x128xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [2, 1, 0], panel = 64>>, !tilegpu.smem<64x64xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], panel = 0>>)

// -----

// Asynchronous matrix multiply and its wait.
// CHECK-LABEL: func.func @dot_async
// CHECK: %[[D:.*]] = tilegpu.dot_async %{{.*}}, %{{.*}}, %{{.*}} : tensor<64x16xbf16>, tensor<16x64xbf16> -> tensor<64x64xf32>
// CHECK-NEXT: %[[D2:.*]] = tilegpu.dot_async
// CHECK-NEXT: %{{.*}}:2 = tilegpu.dot_wait %[[D]], %[[D2]] {pendings = 1 : i32} : tensor<64x64xf32>, tensor<64x64xf32> -> tensor<64x64xf32>, tensor<64x64xf32>
func.func @dot_async(%a: tensor<64x16xbf16>, %b: tensor<16x64xbf16>, %c: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %d = tilegpu.dot_async %a, %b, %c : tensor<64x16xbf16>, tensor<16x64xbf16> -> tensor<64x64xf32>
  %d2 = tilegpu.dot_async %a, %b, %c : tensor<64x16xbf16>, tensor<16x64xbf16> -> tensor<64x64xf32>
  %e:2 = tilegpu.dot_wait %d, %d2 {pendings = 1 : i32} : tensor<64x64xf32>, tensor<64x64xf32> -> tensor<64x64xf32>, tensor<64x64xf32>
  return %e#0 : tensor<64x64xf32>
}
