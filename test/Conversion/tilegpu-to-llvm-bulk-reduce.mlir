// RUN: fa-opt %s -split-input-file -tilegpu-allocate-shared-memory -convert-tilegpu-to-llvm-nvidia | FileCheck %s

// A 64 x 128 product on two warpgroups (8 warps): the warpgroups split N,
// each issuing m64n64k16 on its 64 columns, and its dQ-like f32 result
// added into global memory through shared memory by bulk reductions.

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [2, 16], warpsPerCTA = [8, 1], order = [1, 0]>
#m = #tilenv.mma<version = 3, warpsPerCTA = [4, 2], instrShape = [64, 64, 16]>
#a = #tilegpu.dot_op<opIdx = 0, parent = #m>
#bb = #tilegpu.dot_op<opIdx = 1, parent = #m>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
#st = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]>
#sp = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], panel = 64>
#rows = #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0], pad = 4>
#ring = #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [2, 1, 0], pad = 4>
!g = memref<?x?xbf16, strided<[?, 1]>>
!f = memref<?x128xf32, strided<[128, 1]>>

// The warpgroup's first column (warp bit 2, 64 columns) selects its 64-column
// panel of the N-major B: (col >> 6) * K * 128 bytes added to each B
// descriptor. Four K steps of 32 registers (64 columns), A M-major
// (trans-a 1), B N-major (trans-b 1).
// CHECK-LABEL: llvm.func @split_n
// CHECK-NOT: ldmatrix
// CHECK-NOT: mma.sync
// CHECK: wgmma.fence.sync.aligned;
// CHECK-COUNT-8: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {$0, {{.*}}, $31}, $64, $65, p, 1, 1, 1, 1;
// CHECK: wgmma.commit_group.sync.aligned;
// CHECK: wgmma.wait_group.sync.aligned 0;
// Before the store into the staging buffer: the last reduction has read
// it (wait_group.read), then a barrier; 64-bit stores (rows 528 bytes apart:
// 4 elements of padding); after them the proxy fence and a barrier; then
// threads 0-63 take a row each (rows past N skipped), 512 bytes per row,
// and every thread commits its group; the kernel ends waiting for the
// additions.
// CHECK: nvvm.cp.async.bulk.wait_group 0 {read}
// CHECK-NEXT: nvvm.barrier0
// CHECK: arith.constant 132 : i32
// CHECK: llvm.store {{.*}} : vector<2xf32>, !llvm.ptr<3>
// CHECK: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: nvvm.barrier0
// CHECK: scf.if
// CHECK-NEXT: arith.muli
// CHECK: llvm.inline_asm has_side_effects "cp.reduce.async.bulk.global.shared::cta.bulk_group.add.f32 [$0], [$1], 512;", "l,r,~{memory}"
// CHECK-NOT: cp.reduce.async.bulk
// CHECK: nvvm.cp.async.bulk.commit.group
// CHECK-NEXT: nvvm.cp.async.bulk.wait_group 0
// CHECK-NEXT: llvm.return
module attributes {tilegpu.target = #tilegpu.target<"sm_90a", warps = 8, threads_per_warp = 32>} {
tile.kernel @split_n(%x: !g {tile.dims = ["N", 128]}, %y: !f) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c128 = arith.constant 128 : index
  %t = tile.load %x[%c0, %c0] : !g -> tensor<128x64xbf16, #b>
  %ts = tilegpu.local_alloc %t : tensor<128x64xbf16, #b> -> !tilegpu.smem<128x64xbf16, #s>
  %tv = tilegpu.trans_view %ts : !tilegpu.smem<128x64xbf16, #s> -> !tilegpu.smem<64x128xbf16, #st>
  %k = tile.load %x[%c128, %c0] : !g -> tensor<128x128xbf16, #b>
  %ks = tilegpu.local_alloc %k : tensor<128x128xbf16, #b> -> !tilegpu.smem<128x128xbf16, #sp>
  tilegpu.fence_async_shared
  tilegpu.barrier
  %ta = tilegpu.local_load %tv : !tilegpu.smem<64x128xbf16, #st> -> tensor<64x128xbf16, #a>
  %kb = tilegpu.local_load %ks : !tilegpu.smem<128x128xbf16, #sp> -> tensor<128x128xbf16, #bb>
  %z = arith.constant dense<0.0> : tensor<64x128xf32, #m>
  %o = tile.dot %ta, %kb, %z : tensor<64x128xbf16, #a>, tensor<128x128xbf16, #bb> -> tensor<64x128xf32, #m>
  %ring = tilegpu.alloc_ring : !tilegpu.smem<1x64x128xf32, #ring>
  %slot = tilegpu.ring_slot %ring[%c0] : !tilegpu.smem<1x64x128xf32, #ring> -> !tilegpu.smem<64x128xf32, #rows>
  tilegpu.reduce_wait %ring {pendings = 0 : i32, read} : !tilegpu.smem<1x64x128xf32, #ring>
  tilegpu.barrier
  tilegpu.local_store %o, %slot : tensor<64x128xf32, #m> -> !tilegpu.smem<64x128xf32, #rows>
  tilegpu.fence_async_shared
  tilegpu.barrier
  tilegpu.reduce_async %slot into %y[%c0, %c0] : !tilegpu.smem<64x128xf32, #rows>, !f
  tilegpu.reduce_wait %ring {pendings = 0 : i32} : !tilegpu.smem<1x64x128xf32, #ring>
  tile.return
}
}

// -----

// Packed rows (no padding): when the tensor's row stride is the row length
// (checked at run time) thread 0 adds the block's in-bounds rows, min(N - m0,
// 64) of them, with one reduction of that many 256-byte rows; otherwise one
// row per thread.
#m = #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 64, 16]>
#rows = #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]>
#ring = #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [2, 1, 0]>
!f = memref<?x?x64xf32, strided<[?, ?, 1]>>

// CHECK-LABEL: llvm.func @packed
// CHECK: %[[PACKED:.*]] = arith.cmpi eq, %{{.*}}, %{{.*}} : i32
// CHECK: scf.if %[[PACKED]]
// CHECK: arith.minsi
// CHECK: scf.if
// CHECK: llvm.inline_asm has_side_effects "cp.reduce.async.bulk.global.shared::cta.bulk_group.add.f32 [$0], [$1], $2;", "l,r,r,~{memory}"
// CHECK: } else {
// CHECK: llvm.inline_asm has_side_effects "cp.reduce.async.bulk.global.shared::cta.bulk_group.add.f32 [$0], [$1], 256;", "l,r,~{memory}"
// CHECK: nvvm.cp.async.bulk.commit.group
module attributes {tilegpu.target = #tilegpu.target<"sm_90a", warps = 4, threads_per_warp = 32>} {
tile.kernel @packed(%y: !f) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %p = tile.program_id 0 : i32
  %m0 = arith.index_cast %p : i32 to index
  %o = arith.constant dense<1.0> : tensor<64x64xf32, #m>
  %ring = tilegpu.alloc_ring : !tilegpu.smem<1x64x64xf32, #ring>
  %slot = tilegpu.ring_slot %ring[%c0] : !tilegpu.smem<1x64x64xf32, #ring> -> !tilegpu.smem<64x64xf32, #rows>
  tilegpu.local_store %o, %slot : tensor<64x64xf32, #m> -> !tilegpu.smem<64x64xf32, #rows>
  tilegpu.fence_async_shared
  tilegpu.barrier
  tilegpu.reduce_async %slot into %y[%c0, %m0, %c0] dims [1, 2] : !tilegpu.smem<64x64xf32, #rows>, !f
  tilegpu.reduce_wait %ring {pendings = 0 : i32} : !tilegpu.smem<1x64x64xf32, #ring>
  tile.return
}
}
