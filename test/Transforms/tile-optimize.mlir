// RUN: fa-opt %s -tile-optimize | FileCheck %s
// RUN: fa-opt %s -tile-optimize -tile-optimize | FileCheck %s --check-prefix=TWICE
// The tile-optimize pipeline on a causal flash-attention forward kernel:
// exp2 folding runs before the split, so both loops compute the base-2
// scores and the running max crosses from one loop to the next in the same
// domain; only the diagonal loop computes the mask.

// CHECK-LABEL: tile.kernel @flash_fwd
// CHECK-SAME: %[[SCALE:[a-z0-9]+]]: f32 {tile.name = "scale"}
// CHECK-DAG: %[[NINF:.*]] = arith.constant dense<0xFF800000> : tensor<64xf32>
// CHECK-DAG: %[[LN2:.*]] = arith.constant dense<0.693147182> : tensor<64xf32>
// CHECK-DAG: %[[LOG2E:.*]] = arith.constant 1.44269502 : f32
// CHECK: %[[C:.*]] = arith.mulf %[[SCALE]], %[[LOG2E]] : f32
// CHECK: %[[R1:.*]]:3 = scf.for {{.*}} iter_args(%[[M:.*]] = %[[NINF]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}})
// CHECK: %[[CS:.*]] = tile.splat %[[C]]
// CHECK: %[[S:.*]] = arith.mulf %{{.*}}, %[[CS]]
// CHECK-NOT: arith.select
// CHECK: %[[RM:.*]] = tile.reduce max %[[S]]
// CHECK: arith.maximumf %[[M]], %[[RM]]
// CHECK: math.exp2
// CHECK: math.exp2
// CHECK: scf.yield
// CHECK: %[[R2:.*]]:3 = scf.for {{.*}} iter_args(%{{.*}} = %[[R1]]#0, %{{.*}} = %[[R1]]#1, %{{.*}} = %[[R1]]#2)
// CHECK: %[[CS2:.*]] = tile.splat %[[C]]
// CHECK: %[[S2:.*]] = arith.mulf %{{.*}}, %[[CS2]]
// CHECK: %[[SM:.*]] = arith.select %{{.*}}, %[[S2]], %{{.*}}
// CHECK: tile.reduce max %[[SM]]
// CHECK: math.exp2
// CHECK: math.exp2
// CHECK: scf.yield
// CHECK: %[[MN:.*]] = arith.mulf %[[R2]]#0, %[[LN2]]
// CHECK: %[[LOGL:.*]] = math.log %[[R2]]#1
// CHECK: arith.addf %[[MN]], %[[LOGL]]
// CHECK-NOT: math.exp %

// Running the pipeline again changes nothing that matters: no further
// scaling of the maximum, and the masked loop (marked tile.masked_blocks) is
// not split again.
// TWICE-LABEL: tile.kernel @flash_fwd
// TWICE-NOT: 1.44269502 : tensor
// TWICE-COUNT-1: 0.693147182
// TWICE-NOT: 0.693147182
// TWICE-COUNT-2: scf.for
// TWICE-NOT: scf.for
// TWICE: } {tile.masked_blocks}
// TWICE-NOT: math.exp %

!g = memref<?x?x?x?xbf16, strided<[?, ?, ?, 1]>>
!gl = memref<?x?x?xf32, strided<[?, ?, 1]>>
tile.kernel @flash_fwd(%q: !g {tile.name = "q"}, %k: !g {tile.name = "k"}, %v: !g {tile.name = "v"}, %o: !g {tile.name = "o"}, %lse: !gl {tile.name = "lse"}, %scale: f32 {tile.name = "scale"}) grid {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c63 = arith.constant 63 : index
  %c64 = arith.constant 64 : index
  %b = memref.dim %q, %c0 : !g
  %h = memref.dim %q, %c1 : !g
  %n = memref.dim %q, %c2 : !g
  %n63 = arith.addi %n, %c63 : index
  %nb = arith.divui %n63, %c64 : index
  tile.yield %nb, %h, %b : index, index, index
} params {BLOCK_M = 64 : i64, BLOCK_N = 32 : i64, CAUSAL = true, HEAD_DIM = 64 : i64} {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c32 = arith.constant 32 : index
  %c64_i32 = arith.constant 64 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.000000e+00 : f32
  %pid0 = tile.program_id 0 : i32
  %pid1 = tile.program_id 1 : i32
  %pid2 = tile.program_id 2 : i32
  %m0 = arith.muli %pid0, %c64_i32 : i32
  %hi = arith.index_cast %pid1 : i32 to index
  %bi = arith.index_cast %pid2 : i32 to index
  %m0i = arith.index_cast %m0 : i32 to index
  %qt = tile.load %q[%bi, %hi, %m0i, %c0] dims [2, 3] : !g -> tensor<64x64xbf16>
  %m_init = tile.splat %ninf : f32 -> tensor<64xf32>
  %l_init = tile.splat %zero : f32 -> tensor<64xf32>
  %acc_init = tile.splat %zero : f32 -> tensor<64x64xf32>
  %nk = memref.dim %k, %c2 : !g
  %nk_i32 = arith.index_cast %nk : index to i32
  %diag = arith.addi %m0, %c64_i32 : i32
  %ub_i32 = arith.minsi %nk_i32, %diag : i32
  %ub = arith.index_cast %ub_i32 : i32 to index
  %res:3 = scf.for %n0 = %c0 to %ub step %c32 iter_args(%m_i = %m_init, %l_i = %l_init, %acc = %acc_init) -> (tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>) {
    %kb = tile.load %k[%bi, %hi, %n0, %c0] dims [2, 3] : !g -> tensor<32x64xbf16>
    %kt = tile.trans %kb : tensor<32x64xbf16> -> tensor<64x32xbf16>
    %z = tile.splat %zero : f32 -> tensor<64x32xf32>
    %qk = tile.dot %qt, %kt, %z : tensor<64x64xbf16>, tensor<64x32xbf16> -> tensor<64x32xf32>
    %sc = tile.splat %scale : f32 -> tensor<64x32xf32>
    %s = arith.mulf %qk, %sc : tensor<64x32xf32>
    %m0s = tile.splat %m0 : i32 -> tensor<64xi32>
    %ri = tile.iota : tensor<64xi32>
    %rows = arith.addi %m0s, %ri : tensor<64xi32>
    %rows1 = tile.expand_dims %rows axis 1 : tensor<64xi32> -> tensor<64x1xi32>
    %rowsb = tile.broadcast %rows1 : tensor<64x1xi32> -> tensor<64x32xi32>
    %n0i = arith.index_cast %n0 : index to i32
    %n0s = tile.splat %n0i : i32 -> tensor<32xi32>
    %ci = tile.iota : tensor<32xi32>
    %cols = arith.addi %n0s, %ci : tensor<32xi32>
    %cols1 = tile.expand_dims %cols axis 0 : tensor<32xi32> -> tensor<1x32xi32>
    %colsb = tile.broadcast %cols1 : tensor<1x32xi32> -> tensor<64x32xi32>
    %causal = arith.cmpi sge, %rowsb, %colsb : tensor<64x32xi32>
    %nks = tile.splat %nk_i32 : i32 -> tensor<64x32xi32>
    %inb = arith.cmpi slt, %colsb, %nks : tensor<64x32xi32>
    %mask = arith.andi %causal, %inb : tensor<64x32xi1>
    %ninfs = tile.splat %ninf : f32 -> tensor<64x32xf32>
    %sm = arith.select %mask, %s, %ninfs : tensor<64x32xi1>, tensor<64x32xf32>
    %rm = tile.reduce max %sm axis 1 : tensor<64x32xf32> -> tensor<64xf32>
    %m_new = arith.maximumf %m_i, %rm : tensor<64xf32>
    %m_new1 = tile.expand_dims %m_new axis 1 : tensor<64xf32> -> tensor<64x1xf32>
    %m_newb = tile.broadcast %m_new1 : tensor<64x1xf32> -> tensor<64x32xf32>
    %d = arith.subf %sm, %m_newb : tensor<64x32xf32>
    %p = math.exp %d : tensor<64x32xf32>
    %da = arith.subf %m_i, %m_new : tensor<64xf32>
    %alpha = math.exp %da : tensor<64xf32>
    %l_a = arith.mulf %l_i, %alpha : tensor<64xf32>
    %ps = tile.reduce sum %p axis 1 : tensor<64x32xf32> -> tensor<64xf32>
    %l_new = arith.addf %l_a, %ps : tensor<64xf32>
    %alpha1 = tile.expand_dims %alpha axis 1 : tensor<64xf32> -> tensor<64x1xf32>
    %alphab = tile.broadcast %alpha1 : tensor<64x1xf32> -> tensor<64x64xf32>
    %acc_a = arith.mulf %acc, %alphab : tensor<64x64xf32>
    %pb = arith.truncf %p : tensor<64x32xf32> to tensor<64x32xbf16>
    %vb = tile.load %v[%bi, %hi, %n0, %c0] dims [2, 3] : !g -> tensor<32x64xbf16>
    %acc_new = tile.dot %pb, %vb, %acc_a : tensor<64x32xbf16>, tensor<32x64xbf16> -> tensor<64x64xf32>
    scf.yield %m_new, %l_new, %acc_new : tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>
  }
  %l1 = tile.expand_dims %res#1 axis 1 : tensor<64xf32> -> tensor<64x1xf32>
  %lb = tile.broadcast %l1 : tensor<64x1xf32> -> tensor<64x64xf32>
  %out = arith.divf %res#2, %lb : tensor<64x64xf32>
  %outb = arith.truncf %out : tensor<64x64xf32> to tensor<64x64xbf16>
  tile.store %outb, %o[%bi, %hi, %m0i, %c0] dims [2, 3] : tensor<64x64xbf16>, !g
  %logl = math.log %res#1 : tensor<64xf32>
  %lsev = arith.addf %res#0, %logl : tensor<64xf32>
  tile.store %lsev, %lse[%bi, %hi, %m0i] dims [2] : tensor<64xf32>, !gl
  tile.return
}
