// RUN: fa-opt %s -split-input-file -fa-tile-to-tilegpu="target=sm_80" -convert-tilegpu-to-llvm-nvidia="target=sm_80" | FileCheck %s
// The tilegpu -> LLVM + NVVM lowering, on kernels laid out by the
// tile -> tilegpu pipeline.

!g = memref<?x?xbf16, strided<[?, 1]>>
!r = memref<?xf32, strided<[1]>>

// CHECK: llvm.mlir.global external @fa_smem() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
// CHECK-LABEL: llvm.func @dot_softmax
// CHECK-SAME: (%{{.*}}: !llvm.ptr<1>, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: !llvm.ptr<1>, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: !llvm.ptr<1>, %{{.*}}: i64, %{{.*}}: f32)
// CHECK-SAME: nvvm.kernel, nvvm.reqntid = array<i32: 128, 1, 1>
// Global loads: 16-byte vectors, out-of-bounds lanes read a safe address
// and get the padding value.
// CHECK: %[[PTR:.*]] = llvm.select %{{.*}}, %{{.*}}, %{{.*}} : i1, !llvm.ptr<1>
// CHECK: llvm.load %[[PTR]] {alignment = 16 : i64} : !llvm.ptr<1> -> vector<8xbf16>
// Registers to swizzled shared memory between two barriers, then ldmatrix
// (plain for A, transposed for the row-major B) and mma.sync m16n8k16.
// CHECK: nvvm.barrier0
// CHECK: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<8xbf16>, !llvm.ptr<3>
// CHECK: nvvm.barrier0
// ldmatrix is inline PTX whose constant offset is an immediate; the address
// is a 32-bit shared-window address.
// CHECK: llvm.inline_asm has_side_effects "ldmatrix.sync.aligned.m8n8.x4.shared.b16 {$0, $1, $2, $3}, [$4+{{[0-9]+}}];", "=r,=r,=r,=r,r" %{{.*}} : (i32) -> !llvm.struct<(i32, i32, i32, i32)>
// CHECK: llvm.inline_asm has_side_effects "ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {$0, $1, $2, $3}, [$4+{{[0-9]+}}];"
// CHECK: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// Row maximum: in registers, then across the 4 lanes of a quad.
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK: nvvm.shfl.sync  bfly %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : i32 -> i32
// CHECK: nvvm.shfl.sync  bfly
// exp2 is the fast hardware instruction, flushing denormal results.
// CHECK: llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"(%{{.*}}) : (f32) -> f32
// Stores of a replicated row statistic happen once per row: only the
// first lane of each quad stores, under a branch.
// CHECK: scf.if
// CHECK: llvm.store %{{.*}}, %{{.*}} {alignment = 4 : i64} : f32, !llvm.ptr<1>
tile.kernel @dot_softmax(%a: !g {tile.dims = ["M", 32]}, %b: !g {tile.dims = ["K", 64]}, %out: !r, %scale: f32) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %x = tile.load %a[%c0, %c0] : !g -> tensor<64x32xbf16>
  %y = tile.load %b[%c0, %c0] : !g -> tensor<32x64xbf16>
  %z = arith.constant dense<0.0> : tensor<64x64xf32>
  %d = tile.dot %x, %y, %z : tensor<64x32xbf16>, tensor<32x64xbf16> -> tensor<64x64xf32>
  %m = tile.reduce max %d axis 1 : tensor<64x64xf32> -> tensor<64xf32>
  %e = math.exp2 %m : tensor<64xf32>
  tile.store %e, %out[%c0] : tensor<64xf32>, !r
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>

// Atomic adds are element-wise, relaxed, and predicated on the bounds.
// CHECK-LABEL: llvm.func @accumulate
// CHECK: scf.if
// CHECK: llvm.atomicrmw fadd %{{.*}}, %{{.*}} monotonic : !llvm.ptr<1>, f32
tile.kernel @accumulate(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %one = arith.constant dense<1.0> : tensor<16x16xf32>
  tile.atomic_add %one, %x[%c0, %c0] : tensor<16x16xf32>, !g
  tile.return
}

// -----

!g = memref<?x?x?xf16, strided<[?, ?, 1]>>

// Program ids, squeezed dimensions and f16 MMA operands.
// CHECK-LABEL: llvm.func @f16_dot
// CHECK: nvvm.read.ptx.sreg.ctaid.y
// CHECK: nvvm.mma.sync {{.*}} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
tile.kernel @f16_dot(%a: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %p = tile.program_id 1 : i32
  %h = arith.index_cast %p : i32 to index
  %x = tile.load %a[%h, %c0, %c0] dims [1, 2] : !g -> tensor<16x16xf16>
  %z = arith.constant dense<0.0> : tensor<16x16xf32>
  %d = tile.dot %x, %x, %z : tensor<16x16xf16>, tensor<16x16xf16> -> tensor<16x16xf32>
  %t = arith.truncf %d : tensor<16x16xf32> to tensor<16x16xf16>
  tile.store %t, %a[%h, %c0, %c0] dims [1, 2] : tensor<16x16xf16>, !g
  tile.return
}
