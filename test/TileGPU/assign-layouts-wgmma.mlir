// RUN: fa-opt %s -split-input-file -tilegpu-assign-layouts="target=sm_90a mma=wgmma" | FileCheck %s
// RUN: fa-opt %s -split-input-file -tilegpu-assign-layouts="target=sm_90a num-warps=8 mma=wgmma" | FileCheck %s --check-prefix=W8
// RUN: fa-opt %s -split-input-file -tilegpu-assign-layouts="target=sm_90a" | FileCheck %s --check-prefix=AUTO
// RUN: not fa-opt %s -split-input-file -tilegpu-assign-layouts="target=sm_80 mma=wgmma" 2>&1 | FileCheck %s --check-prefix=SM80

!g = memref<?x?xbf16, strided<[?, 1]>>
!r = memref<?xf32, strided<[1]>>

// mma=wgmma: a dot whose 64 rows fill a warpgroup (4 warps) gets the wgmma
// accumulator, its A operand the matching register layout and the row
// maximum a slice of it. With 8 warps the 64 rows cannot fill two
// warpgroups: mma.sync stays. The default (auto) takes wgmma on sm_90a
// wherever it fits, as mma=wgmma does.
// CHECK-LABEL: tile.kernel @dot_rowmax
// CHECK: tilegpu.convert_layout {{.*}} -> tensor<64x64xbf16, #tilegpu.dot_op<opIdx = 0, parent = #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 64, 16]>>>
// CHECK: tilegpu.convert_layout {{.*}} -> tensor<64x64xbf16, #tilegpu.dot_op<opIdx = 1, parent = #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 64, 16]>>>
// CHECK: dot {{.*}} -> tensor<64x64xf32, #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 64, 16]>>
// CHECK: reduce max {{.*}} -> tensor<64xf32, #tilegpu.slice<dim = 1, parent = #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 64, 16]>>>
// W8: dot {{.*}} -> tensor<64x64xf32, #tilenv.mma<version = 2, warpsPerCTA = [4, 2]>>
// AUTO: dot {{.*}} -> tensor<64x64xf32, #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 64, 16]>>
// SM80: error: mma=wgmma is not a matrix-instruction family of sm_80
tile.kernel @dot_rowmax(%a: !g, %b: !g, %out: !r) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %x = tile.load %a[%c0, %c0] : !g -> tensor<64x64xbf16>
  %y = tile.load %b[%c0, %c0] : !g -> tensor<64x64xbf16>
  %z = arith.constant dense<0.0> : tensor<64x64xf32>
  %d = tile.dot %x, %y, %z : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
  %m = tile.reduce max %d axis 1 : tensor<64x64xf32> -> tensor<64xf32>
  tile.store %m, %out[%c0] : tensor<64xf32>, !r
  tile.return
}
