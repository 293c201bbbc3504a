// RUN: fa-opt %s -fa-tile-to-tilegpu="target=sm_80" -convert-tilegpu-to-llvm-nvidia="target=sm_80" | FileCheck %s
// A loop-carried tile of 16-bit elements goes around the loop as 32-bit
// pairs (the assembler would give each 16-bit loop value its own
// register): the registers are packed before the loop and at the yield,
// unpacked at the top of the body and after the loop. 32-bit tiles are
// carried as they are.

!g = memref<?x?xbf16, strided<[?, 1]>>
!f = memref<?x?xf32, strided<[?, 1]>>

// CHECK-LABEL: llvm.func @carry
// CHECK: llvm.insertelement %{{.*}} : vector<2xbf16>
// CHECK: llvm.bitcast %{{.*}} : vector<2xbf16> to i32
// CHECK: scf.for {{.*}} -> (i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32) {
// CHECK-NOT: bf16, bf16
// CHECK: llvm.bitcast %{{.*}} : i32 to vector<2xbf16>
// CHECK: llvm.extractelement
// CHECK: llvm.bitcast %{{.*}} : vector<2xbf16> to i32
// CHECK: scf.yield
// CHECK: llvm.bitcast %{{.*}} : i32 to vector<2xbf16>
tile.kernel @carry(%x: !g {tile.dims = ["N", 64]}, %o: !g {tile.dims = ["N", 64]}, %of: !f {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %n = memref.dim %x, %c0 : !g
  %z = arith.constant dense<0.0> : tensor<64x64xbf16>
  %zf = arith.constant dense<0.0> : tensor<64x64xf32>
  %r:2 = scf.for %i = %c0 to %n step %c64 iter_args(%a = %z, %af = %zf) -> (tensor<64x64xbf16>, tensor<64x64xf32>) {
    %y = tile.load %x[%i, %c0] : !g -> tensor<64x64xbf16>
    %s = arith.addf %a, %y : tensor<64x64xbf16>
    %yf = arith.extf %y : tensor<64x64xbf16> to tensor<64x64xf32>
    %sf = arith.addf %af, %yf : tensor<64x64xf32>
    scf.yield %s, %sf : tensor<64x64xbf16>, tensor<64x64xf32>
  }
  tile.store %r#0, %o[%c0, %c0] : tensor<64x64xbf16>, !g
  tile.store %r#1, %of[%c0, %c0] : tensor<64x64xf32>, !f
  tile.return
}
