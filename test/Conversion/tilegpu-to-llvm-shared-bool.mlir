// RUN: fa-opt %s -convert-tilegpu-to-llvm-nvidia | FileCheck %s
// Regression (kernels/varlen_fwd.tile was wrong on the GPU): a bool tile
// goes through shared memory a byte per element. Stored as vectors of i1,
// LLVM packed them into bits: a thread wrote two mask bits into one byte and
// the reader took eight bits of one byte, six of them never written.

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#m = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>
#s = #tilegpu.shared<vec = 16, perPhase = 2, maxPhase = 4, order = [1, 0]>
!g = memref<?x?xbf16, strided<[?, 1]>>

// CHECK-LABEL: llvm.func @bool_mask
// CHECK-NOT: xi1>
// The MMA layout's two adjacent columns: two bytes.
// CHECK: llvm.zext %{{.*}} : i1 to i8
// CHECK: llvm.zext %{{.*}} : i1 to i8
// CHECK: llvm.store %{{.*}}, %{{.*}} {alignment = 2 : i64} : vector<2xi8>, !llvm.ptr<3>
// CHECK-NOT: xi1>
// The blocked layout's eight columns: eight bytes, each back to a bool.
// CHECK: llvm.load %{{.*}} {alignment = 8 : i64} : !llvm.ptr<3> -> vector<8xi8>
// CHECK-COUNT-8: llvm.trunc %{{.*}} : i8 to i1
// CHECK-NOT: xi1>
// CHECK: llvm.return
module attributes {tilegpu.target = #tilegpu.target<"sm_80", warps = 4, threads_per_warp = 32>} {
tile.kernel @bool_mask(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %z = arith.constant dense<0.0> : tensor<64x64xbf16, #m>
  %t = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #m>
  %ok = arith.cmpf ogt, %t, %z : tensor<64x64xbf16, #m>
  %buf = tilegpu.local_alloc %ok {offset = 0 : i64} : tensor<64x64xi1, #m> -> !tilegpu.smem<64x64xi1, #s>
  %okb = tilegpu.local_load %buf : !tilegpu.smem<64x64xi1, #s> -> tensor<64x64xi1, #b>
  %u = tile.load %x[%c0, %c0] mask %okb : tensor<64x64xi1, #b> : !g -> tensor<64x64xbf16, #b>
  tile.store %u, %x[%c0, %c0] : tensor<64x64xbf16, #b>, !g
  tile.return
}
}
