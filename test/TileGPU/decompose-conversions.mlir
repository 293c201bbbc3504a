// RUN: fa-opt %s -tilegpu-decompose-conversions | FileCheck %s

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#bt = #tilegpu.blocked<sizePerThread = [8, 1], threadsPerWarp = [8, 4], warpsPerCTA = [1, 4], order = [0, 1]>
#m = #tilenv.mma<version = 2, warpsPerCTA = [4, 1]>
#a = #tilegpu.dot_op<opIdx = 0, parent = #m>
#bb = #tilegpu.dot_op<opIdx = 1, parent = #m>
!g = memref<?x?xbf16, strided<[?, 1]>>

// CHECK-LABEL: tile.kernel @decompose
tile.kernel @decompose(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // A blocked tile feeding an MMA goes through a swizzled buffer stored in
  // the tile's own order (64 bf16 = 128-byte rows: 8 phases).
  // CHECK: %[[Q:.*]] = load
  // CHECK: %[[QS:.*]] = tilegpu.local_alloc %[[Q]] : {{.*}} -> !tilegpu.smem<64x64xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>>
  %q = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
  %qa = tilegpu.convert_layout %q : tensor<64x64xbf16, #b> -> tensor<64x64xbf16, #a>
  // CHECK: scf.for
  // A transposed tile is stored column-major (order [0, 1]).
  // CHECK: %[[K:.*]] = tile.load
  // CHECK: %[[KT:.*]] = tile.trans %[[K]]
  // CHECK: %[[KS:.*]] = tilegpu.local_alloc %[[KT]] : {{.*}} -> !tilegpu.smem<64x32xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]>>
  // CHECK: %[[KB:.*]] = tilegpu.local_load %[[KS]] : {{.*}} -> tensor<64x32xbf16, #tilegpu.dot_op<opIdx = 1
  // The loop-invariant operand is read from its buffer inside the loop.
  // CHECK: %[[QA:.*]] = tilegpu.local_load %[[QS]] : {{.*}} -> tensor<64x64xbf16, #tilegpu.dot_op<opIdx = 0
  // CHECK: tile.dot %[[QA]], %[[KB]]
  // P (an accumulator rounded to bf16) is already where the A operand
  // wants it: the conversion only renames registers and stays.
  // CHECK: %[[P:.*]] = arith.truncf
  // CHECK-NEXT: tilegpu.convert_layout %[[P]] : tensor<64x32xbf16, #tilenv.mma{{.*}} -> tensor<64x32xbf16, #tilegpu.dot_op<opIdx = 0
  %z = arith.constant dense<0.0> : tensor<64x32xf32, #m>
  %z2 = arith.constant dense<0.0> : tensor<64x64xf32, #m>
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %z) -> (tensor<64x32xf32, #m>) {
    %k = tile.load %x[%i, %c0] : !g -> tensor<32x64xbf16, #b>
    %kt = tile.trans %k : tensor<32x64xbf16, #b> -> tensor<64x32xbf16, #bt>
    %kb = tilegpu.convert_layout %kt : tensor<64x32xbf16, #bt> -> tensor<64x32xbf16, #bb>
    %s = tile.dot %qa, %kb, %acc : tensor<64x64xbf16, #a>, tensor<64x32xbf16, #bb> -> tensor<64x32xf32, #m>
    %p = arith.truncf %s : tensor<64x32xf32, #m> to tensor<64x32xbf16, #m>
    %pa = tilegpu.convert_layout %p : tensor<64x32xbf16, #m> -> tensor<64x32xbf16, #a>
    %v = tile.load %x[%i, %c0] : !g -> tensor<32x64xbf16, #b>
    %vb = tilegpu.convert_layout %v : tensor<32x64xbf16, #b> -> tensor<32x64xbf16, #bb>
    %o = tile.dot %pa, %vb, %z2 : tensor<64x32xbf16, #a>, tensor<32x64xbf16, #bb> -> tensor<64x64xf32, #m>
    scf.yield %s : tensor<64x32xf32, #m>
  }
  tile.return
}

// wgmma reads its operands from shared memory: rows over 128 bytes are
// stored as panels of 64 columns (the 128-byte swizzle's rows), for B and
// for A (read by descriptor in the SS form); rows of 64 and mma.sync
// operands are not panelled.
#w = #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 128, 16]>
#wb = #tilegpu.dot_op<opIdx = 1, parent = #w>
#wa = #tilegpu.dot_op<opIdx = 0, parent = #w>
#w64 = #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 64, 16]>
#wb64 = #tilegpu.dot_op<opIdx = 1, parent = #w64>
// CHECK-LABEL: tile.kernel @panels
tile.kernel @panels(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  // CHECK: tilegpu.local_alloc {{.*}} -> !tilegpu.smem<64x128xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], panel = 64>>
  %v = tile.load %x[%c0, %c0] : !g -> tensor<64x128xbf16, #b>
  %vb = tilegpu.convert_layout %v : tensor<64x128xbf16, #b> -> tensor<64x128xbf16, #wb>
  // CHECK: tilegpu.local_alloc {{.*}} -> !tilegpu.smem<64x64xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>>
  %u = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
  %ub = tilegpu.convert_layout %u : tensor<64x64xbf16, #b> -> tensor<64x64xbf16, #wb64>
  // CHECK: tilegpu.local_alloc {{.*}} -> !tilegpu.smem<64x128xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>>
  %s = tile.load %x[%c0, %c0] : !g -> tensor<64x128xbf16, #b>
  %sb = tilegpu.convert_layout %s : tensor<64x128xbf16, #b> -> tensor<64x128xbf16, #bb>
  // The A operand (Q, M x K with K fastest), which wgmma reads through a
  // descriptor too (SS): panels of 64 columns as well.
  // CHECK: tilegpu.local_alloc {{.*}} -> !tilegpu.smem<128x128xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], panel = 64>>
  %q = tile.load %x[%c0, %c0] : !g -> tensor<128x128xbf16, #b>
  %qa = tilegpu.convert_layout %q : tensor<128x128xbf16, #b> -> tensor<128x128xbf16, #wa>
  tile.store %qa, %x[%c0, %c0] : tensor<128x128xbf16, #wa>, !g
  tile.store %vb, %x[%c0, %c0] : tensor<64x128xbf16, #wb>, !g
  tile.store %ub, %x[%c0, %c0] : tensor<64x64xbf16, #wb64>, !g
  tile.store %sb, %x[%c0, %c0] : tensor<64x128xbf16, #bb>, !g
  tile.return
}

// A bool tile (a load mask made in the MMA layout and used by a blocked
// load, as in kernels/varlen_fwd.tile) is stored a byte per element: its
// buffer is swizzled as an i8 tile (64-byte rows), not as 64-bit rows.
// CHECK-LABEL: tile.kernel @bool_mask
tile.kernel @bool_mask(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %z = arith.constant dense<0.0> : tensor<64x64xf32, #m>
  %s = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
  %f = arith.extf %s : tensor<64x64xbf16, #b> to tensor<64x64xf32, #b>
  %fm = tilegpu.convert_layout %f : tensor<64x64xf32, #b> -> tensor<64x64xf32, #m>
  %ok = arith.cmpf ogt, %fm, %z : tensor<64x64xf32, #m>
  // CHECK: tilegpu.local_alloc {{.*}} : tensor<64x64xi1, #tilenv.mma{{.*}} -> !tilegpu.smem<64x64xi1, #tilegpu.shared<vec = 16, perPhase = 2, maxPhase = 4, order = [1, 0]>>
  %okb = tilegpu.convert_layout %ok : tensor<64x64xi1, #m> -> tensor<64x64xi1, #b>
  %t = tile.load %x[%c0, %c0] mask %okb : tensor<64x64xi1, #b> : !g -> tensor<64x64xbf16, #b>
  tile.store %t, %x[%c0, %c0] : tensor<64x64xbf16, #b>, !g
  tile.return
}

// A transposed MMA operand (dSᵀ of attention's backward, with dS an
// accumulator rounded to bf16) is stored once in the accumulator's order and
// read through the transposed view, not converted twice; a tile converted
// twice through the same buffer layout (K read by two dots) is stored once.
#w64a = #tilegpu.dot_op<opIdx = 0, parent = #w64>
// CHECK-LABEL: tile.kernel @transposed_operand
tile.kernel @transposed_operand(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  // CHECK: %[[K:.*]] = load
  // CHECK-NEXT: %[[KS:.*]] = tilegpu.local_alloc %[[K]] : {{.*}} -> !tilegpu.smem<64x64xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>>
  // CHECK-NEXT: tilegpu.local_load %[[KS]] {{.*}}opIdx = 1
  // CHECK-NEXT: tilegpu.local_load %[[KS]] {{.*}}opIdx = 0
  // CHECK-NOT: tilegpu.local_alloc %[[K]]
  %k = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
  %kb = tilegpu.convert_layout %k : tensor<64x64xbf16, #b> -> tensor<64x64xbf16, #wb64>
  %ka = tilegpu.convert_layout %k : tensor<64x64xbf16, #b> -> tensor<64x64xbf16, #w64a>
  // CHECK: %[[S:.*]] = dot
  // CHECK-NEXT: %[[DS:.*]] = arith.truncf %[[S]]
  // CHECK-NEXT: %[[DSS:.*]] = tilegpu.local_alloc %[[DS]] : {{.*}} -> !tilegpu.smem<64x64xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>>
  // CHECK-NEXT: %[[V:.*]] = tilegpu.trans_view %[[DSS]] : {{.*}} -> !tilegpu.smem<64x64xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1]>>
  // CHECK-NEXT: %[[DST:.*]] = tilegpu.local_load %[[V]] : {{.*}} -> tensor<64x64xbf16, #tilegpu.dot_op<opIdx = 0
  // CHECK-NEXT: dot %[[DST]]
  // CHECK-NOT: {{ trans }}
  %z = arith.constant dense<0.0> : tensor<64x64xf32, #w64>
  %s = tile.dot %ka, %kb, %z : tensor<64x64xbf16, #w64a>, tensor<64x64xbf16, #wb64> -> tensor<64x64xf32, #w64>
  %ds = arith.truncf %s : tensor<64x64xf32, #w64> to tensor<64x64xbf16, #w64>
  %dsb = tilegpu.convert_layout %ds : tensor<64x64xbf16, #w64> -> tensor<64x64xbf16, #bt>
  %dst = tile.trans %dsb : tensor<64x64xbf16, #bt> -> tensor<64x64xbf16, #b>
  %dsa = tilegpu.convert_layout %dst : tensor<64x64xbf16, #b> -> tensor<64x64xbf16, #w64a>
  %dk = tile.dot %dsa, %kb, %z : tensor<64x64xbf16, #w64a>, tensor<64x64xbf16, #wb64> -> tensor<64x64xf32, #w64>
  %dkh = arith.truncf %dk : tensor<64x64xf32, #w64> to tensor<64x64xbf16, #w64>
  tile.store %dkh, %x[%c0, %c0] : tensor<64x64xbf16, #w64>, !g
  tile.return
}
