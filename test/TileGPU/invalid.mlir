// RUN: fa-opt %s -split-input-file -verify-diagnostics
// Verifier errors of the tilegpu layouts, buffer type and ops.

// expected-error @+1 {{threadsPerWarp must multiply to a warp size (32 or 64), got 16}}
#b = #tilegpu.blocked<sizePerThread = [1, 1], threadsPerWarp = [4, 4], warpsPerCTA = [4, 1], order = [1, 0]>
func.func private @f(tensor<4x4xf32, #b>)

// -----

// expected-error @+1 {{blocked layout order must be a permutation}}
#b = #tilegpu.blocked<sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 1]>
func.func private @f(tensor<4x4xf32, #b>)

// -----

// expected-error @+1 {{blocked layout sizes must be powers of two}}
#b = #tilegpu.blocked<sizePerThread = [3, 1], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
func.func private @f(tensor<4x4xf32, #b>)

// -----

// expected-error @+1 {{mma version must be 2 (mma.sync m16n8k16) or 3 (wgmma m64nNk16)}}
#m = #tilenv.mma<version = 4, warpsPerCTA = [4, 1]>
func.func private @f(tensor<4x4xf32, #m>)

// -----

// expected-error @+1 {{dot operand parent must be an mma layout}}
#d = #tilegpu.dot_op<opIdx = 0, parent = #tilegpu.blocked<sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>>
func.func private @f(tensor<4x4xf32, #d>)

// -----

// expected-error @+1 {{dot operand index must be 0 (A) or 1 (B)}}
#d = #tilegpu.dot_op<opIdx = 2, parent = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>>
func.func private @f(tensor<4x4xf32, #d>)

// -----

// expected-error @+1 {{shared layout order has rank 1, buffer has rank 2}}
func.func private @f(!tilegpu.smem<4x4xf32, #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [0]>>)

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
func.func @f(%t: tensor<4x4xf32, #b>) {
  // expected-error @+1 {{buffer shape and element type must match the tile}}
  %s = tilegpu.local_alloc %t : tensor<4x4xf32, #b> -> !tilegpu.smem<4x8xf32, #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]>>
  return
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
func.func @f(%s: !tilegpu.smem<4x4xf32, #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]>>) {
  // expected-error @+1 {{result shape and element type must match the buffer}}
  %t = tilegpu.local_load %s : !tilegpu.smem<4x4xf32, #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]>> -> tensor<4x4xf16, #b>
  return
}

// -----

// expected-error @+1 {{slice parent must be a register layout}}
#s = #tilegpu.slice<dim = 0, parent = #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]>>
func.func private @f(tensor<4xf32, #s>)

// -----

// The module target: 32 or 64 threads per warp, on a module only.
// expected-error @+1 {{threads_per_warp must be 32 or 64, got 48}}
module attributes {tilegpu.target = #tilegpu.target<"sm_80", warps = 4, threads_per_warp = 48>} {
}

// -----

// expected-error @+1 {{'tilegpu.target' must be a #tilegpu.target on a module}}
func.func private @f() attributes {tilegpu.target = "sm_80"}

// -----

// expected-error @+1 {{'tilegpu.target' must be a #tilegpu.target on a module}}
module attributes {tilegpu.target = "sm_80"} {
}

// -----

// expected-error @+2 {{failed to parse TileGPU_SharedBuffer parameter 'encoding'}}
// expected-error @+1 {{shared layout panel must be 0 or a power of two multiple of vec, got 12}}
func.func private @f(!tilegpu.smem<64x96xbf16, #tilegpu.shared<vec = 4, perPhase = 1, maxPhase = 8, order = [1, 0], panel = 12>>)

// -----

// expected-error @+2 {{failed to parse TileGPU_SharedBuffer parameter 'encoding'}}
// expected-error @+1 {{shared layout panel must be 0 or a power of two multiple of vec, got 4}}
func.func private @f(!tilegpu.smem<64x128xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], panel = 4>>)

// -----

// expected-error @+1 {{shared layout panel of 64 columns must divide the rows of a buffer of rank 2 or more}}
func.func private @f(!tilegpu.smem<64x96xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], panel = 64>>)

// -----

// An unfinished product is read only through tilegpu.dot_wait.
func.func @dot_async_reader(%a: tensor<64x16xbf16>, %b: tensor<16x64xbf16>, %c: tensor<64x64xf32>) -> tensor<64x64xf32> {
  // expected-error @+1 {{result may only be read by tilegpu.dot_wait, not 'arith.addf'}}
  %d = tilegpu.dot_async %a, %b, %c : tensor<64x16xbf16>, tensor<16x64xbf16> -> tensor<64x64xf32>
  %e = arith.addf %d, %d : tensor<64x64xf32>
  return %e : tensor<64x64xf32>
}

// -----

func.func @dot_async_shapes(%a: tensor<64x32xbf16>, %b: tensor<16x64xbf16>, %c: tensor<64x64xf32>) {
  // expected-error @+1 {{operands must be 2-D tiles M x K, K x N and M x N}}
  %d = tilegpu.dot_async %a, %b, %c : tensor<64x32xbf16>, tensor<16x64xbf16> -> tensor<64x64xf32>
  return
}

// -----

func.func @dot_wait_operand(%c: tensor<64x64xf32>) {
  // expected-error @+1 {{operands must be results of tilegpu.dot_async}}
  %d = tilegpu.dot_wait %c {pendings = 0 : i32} : tensor<64x64xf32> -> tensor<64x64xf32>
  return
}

// -----

func.func @dot_wait_depth(%a: tensor<64x16xbf16>, %b: tensor<16x64xbf16>, %c: tensor<64x64xf32>) {
  %d = tilegpu.dot_async %a, %b, %c : tensor<64x16xbf16>, tensor<16x64xbf16> -> tensor<64x64xf32>
  // expected-error @+1 {{pendings must be non-negative}}
  %e = tilegpu.dot_wait %d {pendings = -1 : i32} : tensor<64x64xf32> -> tensor<64x64xf32>
  return
}

// -----

#r = #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]>
#s = #tilegpu.shared<vec = 4, perPhase = 1, maxPhase = 8, order = [1, 0]>
!g = memref<?x?x64xf32, strided<[?, 64, 1]>>

func.func @reduce_swizzled(%buf: !tilegpu.smem<32x64xf32, #s>, %x: !g, %i: index) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{source rows must be stored contiguously (order [1, 0], no swizzle, no panels; padding allowed)}}
  tilegpu.reduce_async %buf into %x[%i, %i, %c0] : !tilegpu.smem<32x64xf32, #s>, !g
  return
}

// -----

#r = #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]>
!g = memref<?x?x64xf32, strided<[?, 64, 1]>>

func.func @reduce_inner_offset(%buf: !tilegpu.smem<32x64xf32, #r>, %x: !g, %i: index) {
  // expected-error @+1 {{rows must start at offset 0 of the innermost dimension}}
  tilegpu.reduce_async %buf into %x[%i, %i, %i] : !tilegpu.smem<32x64xf32, #r>, !g
  return
}

// -----

#r = #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]>
!g = memref<?x?x64xf32, strided<[?, 64, 1]>>

func.func @reduce_dims(%buf: !tilegpu.smem<32x64xf32, #r>, %x: !g, %i: index) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{dims must be a dimension of the tensor, then its innermost one}}
  tilegpu.reduce_async %buf into %x[%i, %i, %c0] dims [0, 1] : !tilegpu.smem<32x64xf32, #r>, !g
  return
}

// -----

#r = #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]>
!g = memref<?x?x128xf32, strided<[?, 128, 1]>>

func.func @reduce_part_of_row(%buf: !tilegpu.smem<32x64xf32, #r>, %x: !g, %i: index) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{rows must span the tensor's innermost dimension}}
  tilegpu.reduce_async %buf into %x[%i, %i, %c0] : !tilegpu.smem<32x64xf32, #r>, !g
  return
}

// -----

#r = #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]>
!g = memref<?x?x64xbf16, strided<[?, 64, 1]>>

func.func @reduce_types(%buf: !tilegpu.smem<32x64xf32, #r>, %x: !g, %i: index) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{element types of the buffer and the tensor differ}}
  tilegpu.reduce_async %buf into %x[%i, %i, %c0] : !tilegpu.smem<32x64xf32, #r>, !g
  return
}

// -----

#r = #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]>

func.func @reduce_wait_depth(%buf: !tilegpu.smem<32x64xf32, #r>) {
  // expected-error @+1 {{pendings must be non-negative}}
  tilegpu.reduce_wait %buf {pendings = -1 : i32} : !tilegpu.smem<32x64xf32, #r>
  return
}

// -----

// expected-error @+1 {{shared layout pad needs unswizzled rows without panels (maxPhase 1, panel 0)}}
#s = #tilegpu.shared<vec = 4, perPhase = 1, maxPhase = 8, order = [1, 0], pad = 4>
func.func private @f(!tilegpu.smem<32x64xf32, #s>)
