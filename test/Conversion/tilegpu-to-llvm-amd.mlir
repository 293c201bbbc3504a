// RUN: fa-opt %s -split-input-file -fa-tile-to-tilegpu="target=gfx942" -convert-tilegpu-to-llvm-amd | FileCheck %s
// The tilegpu -> LLVM + ROCDL lowering (convert-tilegpu-to-llvm-amd), on
// kernels laid out for gfx942 by the tile -> tilegpu pipeline.

!g = memref<?x?xbf16, strided<[?, 1]>>
!r = memref<?xf32, strided<[1]>>

// The CTA's LDS is one static global of the allocated size.
// CHECK: llvm.mlir.global internal @fa_smem() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<{{[1-9][0-9]*}} x i8>
// CHECK-LABEL: llvm.func @dot_softmax
// CHECK-SAME: rocdl.flat_work_group_size = "256,256", rocdl.kernel, rocdl.reqd_work_group_size = array<i32: 256, 1, 1>, rocdl.waves_per_eu = 1 : i32
// Lanes and warps of 64 threads.
// CHECK: %[[TID:.*]] = rocdl.workitem.id.x : i32
// CHECK: arith.remui %[[TID]], %{{.*}} : i32
// Operands go through LDS between barriers (fences at work-group scope
// around s_barrier), then 32x32x8 MFMA (64x64 on 4 warps: 2 x 2 warps of
// 32x32, 4 K steps) with B as the instruction's first operand: <4 x i16>
// for bf16, 16 accumulators.
// CHECK: llvm.fence syncscope("workgroup") release
// CHECK-NEXT: rocdl.s.barrier
// CHECK-NEXT: llvm.fence syncscope("workgroup") acquire
// CHECK: llvm.store %{{.*}}, %{{.*}} : vector<8xbf16>, !llvm.ptr<3>
// CHECK: %[[B:.*]] = llvm.bitcast %{{.*}} : vector<4xbf16> to vector<4xi16>
// CHECK: %[[A:.*]] = llvm.bitcast %{{.*}} : vector<4xbf16> to vector<4xi16>
// CHECK: rocdl.mfma.f32.32x32x8bf16.1k %[[B]], %[[A]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (vector<4xi16>, vector<4xi16>, vector<16xf32>, i32, i32, i32) -> vector<16xf32>
// CHECK-COUNT-3: rocdl.mfma.f32.32x32x8bf16.1k
// CHECK-NOT: rocdl.mfma
// Row maximum: in registers, then across the two 32-lane halves (a lane
// holds a row's columns 4 (lane / 32) + ...) with one ds_bpermute from
// lane ^ 32 (byte address (lane ^ 32) * 4), then across the two warps
// along N through LDS.
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK: %[[LO:.*]] = rocdl.mbcnt.lo %{{.*}}, %{{.*}} : (i32, i32) -> i32
// CHECK: %[[LANE:.*]] = rocdl.mbcnt.hi %{{.*}}, %[[LO]] : (i32, i32) -> i32
// CHECK: %[[X:.*]] = llvm.xor %[[LANE]], %{{.*}} : i32
// CHECK: %[[ADDR:.*]] = llvm.shl %[[X]], %{{.*}} : i32
// CHECK: rocdl.ds_bpermute %[[ADDR]], %{{.*}} : (i32, i32) -> i32
// CHECK-NOT: rocdl.ds_bpermute
// CHECK: rocdl.s.barrier
// exp2 is the hardware instruction (no device library).
// CHECK: rocdl.exp2 %{{.*}} f32 -> f32
// Stores of a replicated row statistic happen once per row, under a branch.
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

!g = memref<?x?x?xf16, strided<[?, ?, 1]>>

// Program ids, f16 MFMA 32x32x8 (<4 x half> operands, 16 accumulators);
// the LDS global is sized for this module's buffers (A 16 KiB, B 8 KiB,
// side by side: the allocator keeps an MMA operand's buffer until its dot,
// which the NVIDIA lowering needs; AMD reads it at the local_load and could
// share, a saving left for later).
// CHECK: llvm.mlir.global internal @fa_smem() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<24576 x i8>
// CHECK-LABEL: llvm.func @f16_dot
// CHECK: rocdl.workgroup.id.y
// CHECK: rocdl.mfma.f32.32x32x8f16 {{.*}} : (vector<4xf16>, vector<4xf16>, vector<16xf32>, i32, i32, i32) -> vector<16xf32>
tile.kernel @f16_dot(%a: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %p = tile.program_id 1 : i32
  %h = arith.index_cast %p : i32 to index
  %x = tile.load %a[%h, %c0, %c0] dims [1, 2] : !g -> tensor<128x64xf16>
  %y = tile.load %a[%h, %c0, %c0] dims [1, 2] : !g -> tensor<64x64xf16>
  %z = arith.constant dense<0.0> : tensor<128x64xf32>
  %d = tile.dot %x, %y, %z : tensor<128x64xf16>, tensor<64x64xf16> -> tensor<128x64xf32>
  %c = arith.truncf %d : tensor<128x64xf32> to tensor<128x64xf16>
  tile.store %c, %a[%h, %c0, %c0] dims [1, 2] : tensor<128x64xf16>, !g
  tile.return
}
