// RUN: fa-opt %s -split-input-file -convert-tilegpu-to-llvm-nvidia | FileCheck %s
// A vendor lowering overrides a generic one where it applies and leaves the
// op to the generic lowering otherwise: a 16-bit MMA operand is read from
// shared memory with ldmatrix (NVIDIA), a 32-bit one with plain loads.

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#m = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>
#a = #tilegpu.dot_op<opIdx = 0, parent = #m>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
!g = memref<?x?xbf16, strided<[?, 1]>>

// CHECK-LABEL: llvm.func @bf16_operand
// CHECK: llvm.inline_asm has_side_effects "ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-NOT: llvm.load %{{.*}} : !llvm.ptr<3>
// CHECK: llvm.return
module attributes {tilegpu.target = #tilegpu.target<"sm_80", warps = 4, threads_per_warp = 32>} {
tile.kernel @bf16_operand(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %t = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
  %buf = tilegpu.local_alloc %t {offset = 0 : i64} : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  %r = tilegpu.local_load %buf : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #a>
  tile.store %r, %x[%c0, %c0] : tensor<64x64xbf16, #a>, !g
  tile.return
}
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#m = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>
#a = #tilegpu.dot_op<opIdx = 0, parent = #m>
#s = #tilegpu.shared<vec = 4, perPhase = 1, maxPhase = 8, order = [1, 0]>
!g = memref<?x?xf32, strided<[?, 1]>>

// CHECK-LABEL: llvm.func @f32_operand
// CHECK-NOT: ldmatrix
// CHECK: llvm.load %{{.*}} {alignment = 8 : i64} : !llvm.ptr<3> -> vector<2xf32>
module attributes {tilegpu.target = #tilegpu.target<"sm_80", warps = 4, threads_per_warp = 32>} {
tile.kernel @f32_operand(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %t = tile.load %x[%c0, %c0] : !g -> tensor<64x64xf32, #b>
  %buf = tilegpu.local_alloc %t {offset = 0 : i64} : tensor<64x64xf32, #b> -> !tilegpu.smem<64x64xf32, #s>
  %r = tilegpu.local_load %buf : !tilegpu.smem<64x64xf32, #s> -> tensor<64x64xf32, #a>
  tile.store %r, %x[%c0, %c0] : tensor<64x64xf32, #a>, !g
  tile.return
}
}
