// RUN: fa-opt %s -split-input-file -tilegpu-allocate-shared-memory -convert-tilegpu-to-llvm-nvidia | FileCheck %s

// wgmma on sm_90a: A read from its K-major swizzled buffer through a
// descriptor (SS) when the buffer is read by the dot alone; A from
// registers (RS) otherwise. tilegpu.dot_async issues and commits without
// waiting; tilegpu.dot_wait waits with its depth and ties the registers.

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#bt = #tilegpu.blocked<sizePerThread = [8, 1], threadsPerWarp = [8, 4], warpsPerCTA = [1, 4], order = [0, 1]>
#m = #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 64, 16]>
#a = #tilegpu.dot_op<opIdx = 0, parent = #m>
#bb = #tilegpu.dot_op<opIdx = 1, parent = #m>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
#st = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]>
!g = memref<?x?xbf16, strided<[?, 1]>>
!f = memref<?x?xf32, strided<[?, 1]>>

// Two SS products issued back to back: one wgmma m64n64k16 per K step
// (4), each with an A and a B descriptor (trans-a 0, trans-b 0: both
// K-major), one commit each; the first is waited with depth 1, the second
// with 0, after a CTA fence (tilegpu.ordered_wait: ptxas moves no wait
// across it). Then P V in the RS form (trans-b 1: V is N-major), waited
// with 0.
// The proxy fence tilegpu-insert-async-fences places after the buffers
// (tilegpu.fence_async_shared) replaces the local_alloc's trailing barrier
// by the one after it; the wgmma itself neither fences the proxy nor
// synchronizes the CTA.
// CHECK-LABEL: llvm.func @wgmma
// CHECK-NOT: ldmatrix
// CHECK: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: nvvm.barrier0
// CHECK-NOT: nvvm.barrier0
// CHECK-NOT: fence.proxy
// CHECK: llvm.inline_asm has_side_effects "wgmma.fence.sync.aligned;"
// CHECK-COUNT-4: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {$0, {{.*}}, $31}, $64, $65, p, 1, 1, 0, 0;\0A}", "=f,{{.*}},31,l,l,r"
// CHECK-NEXT: llvm.extractvalue
// CHECK: wgmma.commit_group.sync.aligned;
// CHECK-NOT: wgmma.wait_group
// CHECK: wgmma.fence.sync.aligned;
// CHECK-COUNT-4: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {$0, {{.*}}, $31}, $64, $65, p, 1, 1, 0, 0;
// CHECK: wgmma.commit_group.sync.aligned;
// CHECK-NEXT: llvm.inline_asm has_side_effects "wgmma.wait_group.sync.aligned 1;", "=f,{{.*}},=f,0,1,2,{{.*}},31"
// CHECK: llvm.inline_asm has_side_effects "fence.acq_rel.cta;\0Awgmma.wait_group.sync.aligned 0;"
// CHECK: wgmma.fence.sync.aligned;
// CHECK-COUNT-4: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {$0, {{.*}}, $31}, {$64, $65, $66, $67}, $68, p, 1, 1, 1;
// CHECK: wgmma.commit_group.sync.aligned;
// CHECK-NEXT: llvm.inline_asm has_side_effects "wgmma.wait_group.sync.aligned 0;"
module attributes {tilegpu.target = #tilegpu.target<"sm_90a", warps = 4, threads_per_warp = 32>} {
tile.kernel @wgmma(%x: !g {tile.dims = ["N", 64]}, %y: !f {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %z = arith.constant dense<0.0> : tensor<64x64xf32, #m>
  %q = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
  %qs = tilegpu.local_alloc %q : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  %k = tile.load %x[%c64, %c0] : !g -> tensor<64x64xbf16, #b>
  %kt = tile.trans %k : tensor<64x64xbf16, #b> -> tensor<64x64xbf16, #bt>
  %ks = tilegpu.local_alloc %kt : tensor<64x64xbf16, #bt> -> !tilegpu.smem<64x64xbf16, #st>
  tilegpu.fence_async_shared
  tilegpu.barrier
  %qa = tilegpu.local_load %qs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #a>
  %kb = tilegpu.local_load %ks : !tilegpu.smem<64x64xbf16, #st> -> tensor<64x64xbf16, #bb>
  %s1 = tilegpu.dot_async %qa, %kb, %z : tensor<64x64xbf16, #a>, tensor<64x64xbf16, #bb> -> tensor<64x64xf32, #m>
  %qa2 = tilegpu.local_load %qs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #a>
  %kb2 = tilegpu.local_load %ks : !tilegpu.smem<64x64xbf16, #st> -> tensor<64x64xbf16, #bb>
  %s2 = tilegpu.dot_async %qa2, %kb2, %z : tensor<64x64xbf16, #a>, tensor<64x64xbf16, #bb> -> tensor<64x64xf32, #m>
  %w1 = tilegpu.dot_wait %s1 {pendings = 1 : i32} : tensor<64x64xf32, #m> -> tensor<64x64xf32, #m>
  %w2 = tilegpu.dot_wait %s2 {pendings = 0 : i32, tilegpu.ordered_wait} : tensor<64x64xf32, #m> -> tensor<64x64xf32, #m>
  %sum = arith.addf %w1, %w2 : tensor<64x64xf32, #m>
  %p = arith.truncf %sum : tensor<64x64xf32, #m> to tensor<64x64xbf16, #m>
  %pa = tilegpu.convert_layout %p : tensor<64x64xbf16, #m> -> tensor<64x64xbf16, #a>
  %vs = tilegpu.local_alloc %k : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  %vb = tilegpu.local_load %vs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #bb>
  %o = tile.dot %pa, %vb, %z : tensor<64x64xbf16, #a>, tensor<64x64xbf16, #bb> -> tensor<64x64xf32, #m>
  tile.store %o, %y[%c0, %c0] : tensor<64x64xf32, #m>, !f
  tile.return
}
// An M-major A operand (the transposed view of a stored tile: dSᵀ of the
// backward) is read through a descriptor too, with trans-a 1: a K step is
// 16 rows of 128 bytes (start + k0 * 128; LBO the panel stride K * 128 =
// 8192 bytes, 512 encoded; SBO 1024, 64 encoded). The f32 atomic add of the
// result is one vector reduction per two consecutive columns on sm_90a.
// B is N-major here too (trans-b 1, the same descriptor fields).
// Each buffer's start field is computed once, where the buffer is
// defined: (address & 0x3ffff) >> 4 as an i32, made uniform by lane 0's
// shuffle. A descriptor is a pair of 32-bit words: the start field plus a
// constant (k0 * 128 >> 4, and LBO 8192 >> 4 << 16 = 33554432) and the
// constant high word (SBO 1024 >> 4 = 64, the swizzle bit 1 << 30).
// CHECK-LABEL: llvm.func @wgmma_mn_major_a
// CHECK-NOT: ldmatrix
// CHECK: %[[AADDR:.*]] = llvm.ptrtoint %{{.*}} : !llvm.ptr<3> to i32
// CHECK-NEXT: %[[AMASK:c262143_i32[_0-9]*]] = arith.constant 262143 : i32
// CHECK-NEXT: %[[AF:.*]] = arith.andi %[[AADDR]], %[[AMASK]] : i32
// CHECK-NEXT: %[[A4:.*]] = arith.constant 4 : i32
// CHECK-NEXT: %[[AS:.*]] = arith.shrui %[[AF]], %[[A4]] : i32
// CHECK: %[[A:.*]] = nvvm.shfl.sync  idx %{{.*}}, %[[AS]], %{{.*}}, %{{.*}} : i32 -> i32
// CHECK: %[[BADDR:.*]] = llvm.ptrtoint %{{.*}} : !llvm.ptr<3> to i32
// CHECK: %[[B:.*]] = nvvm.shfl.sync  idx
// CHECK-NOT: nvvm.shfl.sync
// CHECK: %[[BLO0:.*]] = arith.addi %[[B]], %c33554432_i32{{[_0-9]*}} : i32
// CHECK-NEXT: %[[U0:.*]] = llvm.mlir.undef : vector<2xi32>
// CHECK-NEXT: %[[I0:.*]] = arith.constant 0 : i32
// CHECK-NEXT: %[[V0:.*]] = llvm.insertelement %[[BLO0]], %[[U0]][%[[I0]] : i32] : vector<2xi32>
// CHECK-NEXT: %[[HI0:.*]] = arith.constant 1073741888 : i32
// CHECK-NEXT: %[[I1:.*]] = arith.constant 1 : i32
// CHECK-NEXT: %[[V1:.*]] = llvm.insertelement %[[HI0]], %[[V0]][%[[I1]] : i32] : vector<2xi32>
// CHECK-NEXT: %[[BD0:.*]] = llvm.bitcast %[[V1]] : vector<2xi32> to i64
// CHECK: %[[ALO0:.*]] = arith.addi %[[A]], %c33554432_i32{{[_0-9]*}} : i32
// CHECK: %[[AD0:.*]] = llvm.bitcast %{{.*}} : vector<2xi32> to i64
// CHECK: arith.addi %[[B]], %c33554560_i32{{[_0-9]*}} : i32
// CHECK: arith.addi %[[A]], %c33554560_i32{{[_0-9]*}} : i32
// CHECK: arith.addi %[[B]], %c33554688_i32{{[_0-9]*}} : i32
// CHECK: arith.addi %[[A]], %c33554688_i32{{[_0-9]*}} : i32
// CHECK: arith.addi %[[B]], %c33554816_i32{{[_0-9]*}} : i32
// CHECK: arith.addi %[[A]], %c33554816_i32{{[_0-9]*}} : i32
// CHECK-NOT: arith.{{.*}} : i64
// CHECK: wgmma.fence.sync.aligned;
// CHECK-COUNT-4: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {$0, {{.*}}, $31}, $64, $65, p, 1, 1, 1, 1;
// CHECK: wgmma.wait_group.sync.aligned 0;
// CHECK-COUNT-16: llvm.inline_asm has_side_effects "red.global.add.v2.f32 [$0], {$1, $2};", "l,f,f"
// CHECK-NOT: llvm.atomicrmw
tile.kernel @wgmma_mn_major_a(%x: !g {tile.dims = ["N", 64]}, %y: !f {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %t = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
  %ts = tilegpu.local_alloc %t : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  %tv = tilegpu.trans_view %ts : !tilegpu.smem<64x64xbf16, #s> -> !tilegpu.smem<64x64xbf16, #st>
  %ta = tilegpu.local_load %tv : !tilegpu.smem<64x64xbf16, #st> -> tensor<64x64xbf16, #a>
  %k = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
  %ks = tilegpu.local_alloc %k : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  %kb = tilegpu.local_load %ks : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #bb>
  %z = arith.constant dense<0.0> : tensor<64x64xf32, #m>
  %o = tile.dot %ta, %kb, %z : tensor<64x64xbf16, #a>, tensor<64x64xbf16, #bb> -> tensor<64x64xf32, #m>
  tile.atomic_add %o, %y[%c0, %c0] : tensor<64x64xf32, #m>, !f
  tile.return
}

// An asynchronous dot that recomputes its descriptors
// (tilegpu.recompute_descriptors) of A's buffer, written before its loop:
// the start field computed before the loop goes through an opaque move at
// each issue, and the descriptors add their constants to the moved value
// (K-major: LBO 16 >> 4 << 16 = 65536, K steps of 32 bytes, 2 encoded).
// CHECK-LABEL: llvm.func @wgmma_recompute
// CHECK: %[[A:.*]] = nvvm.shfl.sync  idx
// CHECK: scf.for
// CHECK: %[[R:.*]] = llvm.inline_asm has_side_effects "mov.b32 $0, $1;", "=r,r" %[[A]] : (i32) -> i32
// CHECK: arith.addi %[[R]], %c65536_i32{{[_0-9]*}} : i32
// CHECK: arith.addi %[[R]], %c65538_i32{{[_0-9]*}} : i32
// CHECK: arith.addi %[[R]], %c65540_i32{{[_0-9]*}} : i32
// CHECK: arith.addi %[[R]], %c65542_i32{{[_0-9]*}} : i32
// CHECK: wgmma.fence.sync.aligned;
tile.kernel @wgmma_recompute(%x: !g {tile.dims = ["N", 64]}, %y: !f {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %z = arith.constant dense<0.0> : tensor<64x64xf32, #m>
  %q = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
  %qs = tilegpu.local_alloc %q : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  %k = tile.load %x[%c64, %c0] : !g -> tensor<64x64xbf16, #b>
  %kt = tile.trans %k : tensor<64x64xbf16, #b> -> tensor<64x64xbf16, #bt>
  %ks = tilegpu.local_alloc %kt : tensor<64x64xbf16, #bt> -> !tilegpu.smem<64x64xbf16, #st>
  tilegpu.fence_async_shared
  tilegpu.barrier
  %o = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %z) -> (tensor<64x64xf32, #m>) {
    %qa = tilegpu.local_load %qs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #a>
    %kb = tilegpu.local_load %ks : !tilegpu.smem<64x64xbf16, #st> -> tensor<64x64xbf16, #bb>
    %s = tilegpu.dot_async %qa, %kb, %acc {tilegpu.recompute_descriptors} : tensor<64x64xbf16, #a>, tensor<64x64xbf16, #bb> -> tensor<64x64xf32, #m>
    %w = tilegpu.dot_wait %s {pendings = 0 : i32} : tensor<64x64xf32, #m> -> tensor<64x64xf32, #m>
    scf.yield %w : tensor<64x64xf32, #m>
  }
  tile.store %o, %y[%c0, %c0] : tensor<64x64xf32, #m>, !f
  tile.return
}
}

// -----

// Warpgroups along N (warpsPerCTA = [4, 2]): each warpgroup issues m64n64
// instructions for its 64 of the 128 columns, with B's start field moved
// to its first column: bit 2 of the warp index (made uniform by lane 0's
// shuffle at the kernel's entry) times 64 columns, as a start-field offset
// (bytes >> 4). K-major B: 64 * 128 bytes = 512; N-major B: one panel of
// K = 128 rows of 128 bytes = 1024. The descriptors then add their
// constants to that start (N-major: LBO K * 128 = 16384, 1024 << 16).
// CHECK-LABEL: llvm.func @wgmma_along_n
// CHECK: %[[W:.*]] = nvvm.shfl.sync  idx %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : i32 -> i32
// CHECK: %[[Q:.*]] = nvvm.shfl.sync  idx
// CHECK: %[[K:.*]] = nvvm.shfl.sync  idx
// CHECK: %[[P:.*]] = nvvm.shfl.sync  idx
// CHECK: %[[V:.*]] = nvvm.shfl.sync  idx
// CHECK-NOT: nvvm.shfl.sync
// CHECK: %[[KW:.*]] = arith.shrui %[[W]], %c2_i32{{[_0-9]*}} : i32
// CHECK: %[[KB:.*]] = arith.andi %[[KW]], %c1_i32{{[_0-9]*}} : i32
// CHECK: %[[KC:.*]] = arith.muli %[[KB]], %c512_i32{{[_0-9]*}} : i32
// CHECK: %[[KS:.*]] = arith.addi %[[K]], %[[KC]] : i32
// CHECK: arith.addi %[[KS]], %c65536_i32{{[_0-9]*}} : i32
// CHECK: arith.addi %[[Q]], %c65536_i32{{[_0-9]*}} : i32
// CHECK: arith.addi %[[KS]], %c65538_i32{{[_0-9]*}} : i32
// CHECK: wgmma.fence.sync.aligned;
// CHECK-COUNT-4: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {$0, {{.*}}, $31}, $64, $65, p, 1, 1, 0, 0;
// CHECK: wgmma.wait_group.sync.aligned 0;
// CHECK: %[[VW:.*]] = arith.shrui %[[W]], %c2_i32{{[_0-9]*}} : i32
// CHECK: %[[VB:.*]] = arith.andi %[[VW]], %c1_i32{{[_0-9]*}} : i32
// CHECK: %[[VC:.*]] = arith.muli %[[VB]], %c1024_i32{{[_0-9]*}} : i32
// CHECK: %[[VS:.*]] = arith.addi %[[V]], %[[VC]] : i32
// CHECK: arith.addi %[[VS]], %c67108864_i32{{[_0-9]*}} : i32
// CHECK: arith.addi %[[P]], %c65536_i32{{[_0-9]*}} : i32
// CHECK: arith.addi %[[VS]], %c67108992_i32{{[_0-9]*}} : i32
// CHECK: wgmma.fence.sync.aligned;
// CHECK-COUNT-8: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {$0, {{.*}}, $31}, $64, $65, p, 1, 1, 0, 1;
#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [8, 1], order = [1, 0]>
#bt = #tilegpu.blocked<sizePerThread = [8, 1], threadsPerWarp = [8, 4], warpsPerCTA = [1, 8], order = [0, 1]>
#m = #tilenv.mma<version = 3, warpsPerCTA = [4, 2], instrShape = [64, 64, 16]>
#a = #tilegpu.dot_op<opIdx = 0, parent = #m>
#bb = #tilegpu.dot_op<opIdx = 1, parent = #m>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
#st = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]>
#sn = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], panel = 64>
!g = memref<?x?xbf16, strided<[?, 1]>>
!f = memref<?x?xf32, strided<[?, 1]>>
module attributes {tilegpu.target = #tilegpu.target<"sm_90a", warps = 8, threads_per_warp = 32>} {
tile.kernel @wgmma_along_n(%x: !g {tile.dims = ["N", 128]}, %y: !f {tile.dims = ["N", 128]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %z = arith.constant dense<0.0> : tensor<64x128xf32, #m>
  %q = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
  %qs = tilegpu.local_alloc %q : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
  %k = tile.load %x[%c64, %c0] : !g -> tensor<128x64xbf16, #b>
  %kt = tile.trans %k : tensor<128x64xbf16, #b> -> tensor<64x128xbf16, #bt>
  %ks = tilegpu.local_alloc %kt : tensor<64x128xbf16, #bt> -> !tilegpu.smem<64x128xbf16, #st>
  %p = tile.load %x[%c0, %c0] : !g -> tensor<64x128xbf16, #b>
  %ps = tilegpu.local_alloc %p : tensor<64x128xbf16, #b> -> !tilegpu.smem<64x128xbf16, #sn>
  %v = tile.load %x[%c64, %c0] : !g -> tensor<128x128xbf16, #b>
  %vs = tilegpu.local_alloc %v : tensor<128x128xbf16, #b> -> !tilegpu.smem<128x128xbf16, #sn>
  tilegpu.fence_async_shared
  tilegpu.barrier
  %qa = tilegpu.local_load %qs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #a>
  %kb = tilegpu.local_load %ks : !tilegpu.smem<64x128xbf16, #st> -> tensor<64x128xbf16, #bb>
  %s = tile.dot %qa, %kb, %z : tensor<64x64xbf16, #a>, tensor<64x128xbf16, #bb> -> tensor<64x128xf32, #m>
  %pa = tilegpu.local_load %ps : !tilegpu.smem<64x128xbf16, #sn> -> tensor<64x128xbf16, #a>
  %vb = tilegpu.local_load %vs : !tilegpu.smem<128x128xbf16, #sn> -> tensor<128x128xbf16, #bb>
  %o = tile.dot %pa, %vb, %s : tensor<64x128xbf16, #a>, tensor<128x128xbf16, #bb> -> tensor<64x128xf32, #m>
  tile.store %o, %y[%c0, %c0] : tensor<64x128xf32, #m>, !f
  tile.return
}
}
