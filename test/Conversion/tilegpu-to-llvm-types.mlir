// RUN: fa-opt %s -split-input-file -fa-tile-to-llvm-gpu="target=sm_80" -verify-diagnostics | FileCheck %s
// Element types: conversions and math that lower, and fp8 memory access,
// which is refused with a located error rather than reaching LLVM.

!g = memref<?x?xf32, strided<[?, 1]>>
!h = memref<?x?xbf16, strided<[?, 1]>>
// CHECK-LABEL: llvm.func @convert
// CHECK: llvm.fpext %{{.*}} : bf16 to f32
// CHECK: llvm.intr.sqrt(%{{.*}}) : (f32) -> f32
// CHECK: llvm.intr.fabs(%{{.*}}) : (f32) -> f32
// CHECK: llvm.fptrunc %{{.*}} : f32 to bf16
tile.kernel @convert(%x: !h, %y: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %a = tile.load %x[%c0, %c0] : !h -> tensor<16x16xbf16>
  %b = arith.extf %a : tensor<16x16xbf16> to tensor<16x16xf32>
  %s = math.sqrt %b : tensor<16x16xf32>
  %t = math.absf %s : tensor<16x16xf32>
  tile.store %t, %y[%c0, %c0] : tensor<16x16xf32>, !g
  %r = arith.truncf %t : tensor<16x16xf32> to tensor<16x16xbf16>
  tile.store %r, %x[%c0, %c0] : tensor<16x16xbf16>, !h
  tile.return
}

// -----

!g = memref<?x?xf8E4M3FN, strided<[?, 1]>>
tile.kernel @fp8(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{tiles of 'f8E4M3FN' cannot be accessed in global memory on sm_80}}
  %a = tile.load %x[%c0, %c0] : !g -> tensor<16x16xf8E4M3FN>
  tile.store %a, %x[%c0, %c0] : tensor<16x16xf8E4M3FN>, !g
  tile.return
}
