// RUN: fa-opt %s -split-input-file -tilegpu-decompose-conversions | FileCheck %s
// RUN: fa-opt %s -split-input-file -tilegpu-decompose-conversions | fa-opt -split-input-file | FileCheck %s
// The MFMA layouts of #tileamd.mfma as linear layouts, seen through the
// conversions they allow: a conversion whose layouts place every element
// in the same lane and warp is a register renaming (kept as is, lowered
// without shared memory); any other goes through a shared buffer. The
// accumulator is C^T's placement (a lane holds a row), so a dot result is
// the A operand of the next dot by renaming, on 32x32x8 and 16x16x16, and
// not the B operand.

#m32 = #tileamd.mfma<warpsPerCTA = [4, 1], instrShape = [32, 32, 8]>
#a32 = #tilegpu.dot_op<opIdx = 0, parent = #m32>
#b32 = #tilegpu.dot_op<opIdx = 1, parent = #m32>
!g = memref<?x?xbf16, strided<[?, 1]>>

module attributes {tilegpu.target = #tilegpu.target<"gfx942", warps = 4, threads_per_warp = 64>} {
// CHECK-LABEL: tile.kernel @acc_to_a_32
// CHECK-NOT: tilegpu.local_alloc
// CHECK: tilegpu.convert_layout %{{.*}} : tensor<128x64xbf16, #tileamd.mfma<warpsPerCTA = [4, 1], instrShape = [32, 32, 8]>> -> tensor<128x64xbf16, #tilegpu.dot_op<opIdx = 0, parent = #tileamd.mfma<warpsPerCTA = [4, 1], instrShape = [32, 32, 8]>>>
// CHECK: tilegpu.local_alloc
// CHECK-NEXT: tilegpu.local_load {{.*}} -> tensor<128x64xbf16, #tilegpu.dot_op<opIdx = 1
tile.kernel @acc_to_a_32(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %p = arith.constant dense<1.0> : tensor<128x64xbf16, #m32>
  %pa = tilegpu.convert_layout %p : tensor<128x64xbf16, #m32> -> tensor<128x64xbf16, #a32>
  %pb = tilegpu.convert_layout %p : tensor<128x64xbf16, #m32> -> tensor<128x64xbf16, #b32>
  tile.store %pa, %x[%c0, %c0] : tensor<128x64xbf16, #a32>, !g
  tile.store %pb, %x[%c0, %c0] : tensor<128x64xbf16, #b32>, !g
  tile.return
}
}

// -----

#m16 = #tileamd.mfma<warpsPerCTA = [2, 2], instrShape = [16, 16, 16]>
#a16 = #tilegpu.dot_op<opIdx = 0, parent = #m16>
!g = memref<?x?xbf16, strided<[?, 1]>>

module attributes {tilegpu.target = #tilegpu.target<"gfx90a", warps = 4, threads_per_warp = 64>} {
// With warps along N too, the A operand is replicated across them where
// the accumulator is not: a conversion through shared memory.
// CHECK-LABEL: tile.kernel @acc_to_a_16
// CHECK: tilegpu.local_alloc
// CHECK-NEXT: tilegpu.local_load {{.*}} -> tensor<64x64xbf16, #tilegpu.dot_op<opIdx = 0, parent = #tileamd.mfma<warpsPerCTA = [2, 2], instrShape = [16, 16, 16]>>>
tile.kernel @acc_to_a_16(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %p = arith.constant dense<1.0> : tensor<64x64xbf16, #m16>
  %pa = tilegpu.convert_layout %p : tensor<64x64xbf16, #m16> -> tensor<64x64xbf16, #a16>
  tile.store %pa, %x[%c0, %c0] : tensor<64x64xbf16, #a16>, !g
  tile.return
}
}

// -----

#m16 = #tileamd.mfma<warpsPerCTA = [4, 1], instrShape = [16, 16, 16]>
#a16 = #tilegpu.dot_op<opIdx = 0, parent = #m16>
!g = memref<?x?xbf16, strided<[?, 1]>>

module attributes {tilegpu.target = #tilegpu.target<"gfx90a", warps = 4, threads_per_warp = 64>} {
// CHECK-LABEL: tile.kernel @acc_to_a_16_rows
// CHECK-NOT: tilegpu.local_alloc
// CHECK: tilegpu.convert_layout
tile.kernel @acc_to_a_16_rows(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %p = arith.constant dense<1.0> : tensor<64x32xbf16, #m16>
  %pa = tilegpu.convert_layout %p : tensor<64x32xbf16, #m16> -> tensor<64x32xbf16, #a16>
  tile.store %pa, %x[%c0, %c0] : tensor<64x32xbf16, #a16>, !g
  tile.return
}
}
