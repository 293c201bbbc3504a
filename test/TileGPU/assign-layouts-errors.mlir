// RUN: fa-opt %s -split-input-file -tilegpu-assign-layouts="target=sm_80" -verify-diagnostics
// Ops the target cannot execute are rejected with their location, before
// any lowering.

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @f32_dot(%a: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %x = tile.load %a[%c0, %c0] : !g -> tensor<64x32xf32>
  %y = tile.load %a[%c0, %c0] : !g -> tensor<32x64xf32>
  %z = arith.constant dense<0.0> : tensor<64x64xf32>
  // expected-error @+1 {{mma.sync on sm_80 supports f16 and bf16 operands, not 'f32'}}
  %d = tile.dot %x, %y, %z : tensor<64x32xf32>, tensor<32x64xf32> -> tensor<64x64xf32>
  tile.return
}

// -----

!g = memref<?x?xf8E4M3FN, strided<[?, 1]>>
tile.kernel @fp8_dot(%a: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %x = tile.load %a[%c0, %c0] : !g -> tensor<64x32xf8E4M3FN>
  %y = tile.load %a[%c0, %c0] : !g -> tensor<32x64xf8E4M3FN>
  %z = arith.constant dense<0.0> : tensor<64x64xf32>
  // expected-error @+1 {{mma.sync on sm_80 supports f16 and bf16 operands, not 'f8E4M3FN'}}
  %d = tile.dot %x, %y, %z : tensor<64x32xf8E4M3FN>, tensor<32x64xf8E4M3FN> -> tensor<64x64xf32>
  tile.return
}

// -----

!g = memref<?x?xbf16, strided<[?, 1]>>
tile.kernel @small_dot(%a: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %x = tile.load %a[%c0, %c0] : !g -> tensor<8x32xbf16>
  %y = tile.load %a[%c0, %c0] : !g -> tensor<32x64xbf16>
  %z = arith.constant dense<0.0> : tensor<8x64xf32>
  // expected-error @+1 {{mma.sync needs M a multiple of 16, N of 8 and K of 16, got 8x64x32}}
  %d = tile.dot %x, %y, %z : tensor<8x32xbf16>, tensor<32x64xbf16> -> tensor<8x64xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @sine(%a: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %x = tile.load %a[%c0, %c0] : !g -> tensor<16x16xf32>
  // expected-error @+1 {{'math.sin' has no lowering for sm_80}}
  %y = math.sin %x : tensor<16x16xf32>
  tile.store %y, %a[%c0, %c0] : tensor<16x16xf32>, !g
  tile.return
}

// -----

!g = memref<?x?xf16, strided<[?, 1]>>
tile.kernel @exp_f16(%a: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %x = tile.load %a[%c0, %c0] : !g -> tensor<16x16xf16>
  // expected-error @+1 {{'math.exp2' on sm_80 is supported for f32 only, not 'f16'}}
  %y = math.exp2 %x : tensor<16x16xf16>
  tile.store %y, %a[%c0, %c0] : tensor<16x16xf16>, !g
  tile.return
}
