// RUN: fa-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// tilegpu.local_store writes a tile into an existing buffer (a ring slot
// of the Direct copies); it needs the buffer's shape and element type.

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [8, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>

// CHECK-LABEL: func.func @store
// CHECK: tilegpu.local_store %{{.*}}, %{{.*}} : tensor<64x64xbf16, #tilegpu.blocked<{{.*}}>> -> !tilegpu.smem<64x64xbf16, #tilegpu.shared<{{.*}}>>
func.func @store(%t: tensor<64x64xbf16, #b>, %buf: !tilegpu.smem<64x64xbf16, #s>) {
  tilegpu.local_store %t, %buf : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  return
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [8, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>

func.func @mismatch(%t: tensor<64x64xbf16, #b>, %buf: !tilegpu.smem<64x32xbf16, #s>) {
  // expected-error @below {{buffer shape and element type must match the tile}}
  tilegpu.local_store %t, %buf : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x32xbf16, #s>
  return
}
