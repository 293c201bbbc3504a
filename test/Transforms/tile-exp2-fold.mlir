// RUN: fa-opt %s -split-input-file -tile-exp2-fold | FileCheck %s
// RUN: fa-opt %s -split-input-file -tile-exp2-fold -tile-exp2-fold | FileCheck %s --check-prefix=TWICE

// A causal flash-attention forward kernel as the frontend emits it: the
// online-softmax loop moves to the base-2 domain. The score tile is scaled by
// scale*log2(e) once, the running max is carried scaled (initial value scaled
// on entry), both exps become exp2 of plain differences, and the max leaving
// the loop is scaled back by ln(2) before lse = m + log(l).

// CHECK-LABEL: tile.kernel @flash_fwd
// CHECK-SAME: %[[SCALE:[a-z0-9]+]]: f32 {tile.name = "scale"}
// CHECK: %[[LOG2E:.*]] = arith.constant 1.44269502 : f32
// CHECK: %[[C:.*]] = arith.mulf %[[SCALE]], %[[LOG2E]] : f32
// CHECK: %[[MINIT:.*]] = splat %{{.*}} : f32 -> tensor<64xf32>
// CHECK: %[[LOG2EV:.*]] = arith.constant dense<1.44269502> : tensor<64xf32>
// CHECK: %[[MINIT2:.*]] = arith.mulf %[[MINIT]], %[[LOG2EV]] : tensor<64xf32>
// CHECK: %[[RES:.*]]:3 = scf.for %[[N0:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[M:.*]] = %[[MINIT2]], %[[L:.*]] = %{{.*}}, %[[ACC:.*]] = %{{.*}})
// CHECK-NOT: math.exp %
// CHECK: %[[QK:.*]] = tile.dot
// CHECK-NOT: %[[SCALE]]
// CHECK: %[[CS:.*]] = tile.splat %[[C]] : f32 -> tensor<64x32xf32>
// CHECK: %[[S:.*]] = arith.mulf %[[QK]], %[[CS]] : tensor<64x32xf32>
// CHECK: %[[MASK:.*]] = arith.andi
// CHECK: %[[SM:.*]] = arith.select %[[MASK]], %[[S]], %{{.*}} : tensor<64x32xi1>, tensor<64x32xf32>
// CHECK: %[[RM:.*]] = tile.reduce max %[[SM]] axis 1
// CHECK: %[[MNEW:.*]] = arith.maximumf %[[M]], %[[RM]] : tensor<64xf32>
// CHECK: %[[E:.*]] = tile.expand_dims %[[MNEW]] axis 1
// CHECK: %[[B:.*]] = tile.broadcast %[[E]] : tensor<64x1xf32> -> tensor<64x32xf32>
// CHECK: %[[D:.*]] = arith.subf %[[SM]], %[[B]] : tensor<64x32xf32>
// CHECK: %[[P:.*]] = math.exp2 %[[D]] : tensor<64x32xf32>
// CHECK: %[[DA:.*]] = arith.subf %[[M]], %[[MNEW]] : tensor<64xf32>
// CHECK: %[[ALPHA:.*]] = math.exp2 %[[DA]] : tensor<64xf32>
// CHECK: arith.mulf %[[L]], %[[ALPHA]]
// CHECK: tile.reduce sum %[[P]] axis 1
// CHECK: scf.yield %[[MNEW]], %{{.*}}, %{{.*}} : tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>
// CHECK: %[[LN2:.*]] = arith.constant dense<0.693147182> : tensor<64xf32>
// CHECK: %[[MNAT:.*]] = arith.mulf %[[RES]]#0, %[[LN2]] : tensor<64xf32>
// CHECK: %[[LOGL:.*]] = math.log %[[RES]]#1
// CHECK: %[[LSE:.*]] = arith.addf %[[MNAT]], %[[LOGL]] : tensor<64xf32>
// CHECK: store %[[LSE]]
// The rewrite leaves nothing in the natural domain behind.
// CHECK-NOT: math.exp %
// CHECK-NOT: maximumf

// A second run finds nothing left to do: log2(e) and ln(2) appear once.
// TWICE-LABEL: tile.kernel @flash_fwd
// TWICE: arith.constant 1.44269502 : f32
// TWICE: dense<1.44269502> : tensor<64xf32>
// TWICE-NOT: 1.44269502
// TWICE-COUNT-2: math.exp2
// TWICE-NOT: math.exp2
// TWICE: dense<0.693147182>
// TWICE-NOT: 0.693147182
// TWICE: {{(tile\.)?}}return
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

// -----

// An unmasked softmax loop with a constant scale and the max operands
// swapped: the constant scale*log2(e) is folded at compile time.
// CHECK-LABEL: tile.kernel @unmasked_const_scale
// CHECK: scf.for {{.*}} iter_args(%[[M:.*]] = %{{.*}}, %[[L:.*]] = %{{.*}})
// CHECK: %[[QK:.*]] = tile.dot
// CHECK: %[[C:.*]] = arith.constant dense<0.180336878> : tensor<16x8xf32>
// CHECK: %[[S:.*]] = arith.mulf %[[QK]], %[[C]] : tensor<16x8xf32>
// CHECK: %[[RM:.*]] = tile.reduce max %[[S]] axis 1
// CHECK: %[[MN:.*]] = arith.maxnumf %[[RM]], %[[M]]
// CHECK: %[[B:.*]] = tile.broadcast
// CHECK: math.exp2 {{.*}}
// CHECK: scf.yield %[[MN]]
// The max is not used after the loop: nothing to scale back.
// CHECK-NOT: 0.693147182
tile.kernel @unmasked_const_scale(%q: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?xf32, strided<[1]>>, %nb: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %qt = tile.load %q[%c0, %c0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x4xf32>
  %m0 = arith.constant dense<0xFF800000> : tensor<16xf32>
  %l0 = arith.constant dense<0.0> : tensor<16xf32>
  %r:2 = scf.for %i = %c0 to %nb step %c1 iter_args(%m = %m0, %l = %l0) -> (tensor<16xf32>, tensor<16xf32>) {
    %kt = tile.load %q[%i, %c0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<4x8xf32>
    %z = arith.constant dense<0.0> : tensor<16x8xf32>
    %qk = tile.dot %qt, %kt, %z : tensor<16x4xf32>, tensor<4x8xf32> -> tensor<16x8xf32>
    %sc = arith.constant dense<0.125> : tensor<16x8xf32>
    %s = arith.mulf %qk, %sc : tensor<16x8xf32>
    %rm = tile.reduce max %s axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maxnumf %rm, %m : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %s, %b : tensor<16x8xf32>
    %p = math.exp %d : tensor<16x8xf32>
    %ps = tile.reduce sum %p axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %da = arith.subf %m, %mn : tensor<16xf32>
    %a = math.exp %da : tensor<16xf32>
    %la = arith.mulf %l, %a : tensor<16xf32>
    %ln = arith.addf %la, %ps : tensor<16xf32>
    scf.yield %mn, %ln : tensor<16xf32>, tensor<16xf32>
  }
  tile.store %r#1, %out[%c0] : tensor<16xf32>, memref<?xf32, strided<[1]>>
  tile.return
}

// -----

// exp((s - m) * scale), m a broadcast row max: one fma per element, the row
// statistic scaled at row granularity by -(scale*log2e).
// CHECK-LABEL: tile.kernel @scale_after_sub
// CHECK-SAME: %[[SCALE:[a-z0-9]+]]: f32
// CHECK-DAG: %[[NLOG2E:.*]] = arith.constant -1.44269502 : f32
// CHECK-DAG: %[[LOG2E:.*]] = arith.constant 1.44269502 : f32
// CHECK-DAG: %[[C:.*]] = arith.mulf %[[SCALE]], %[[LOG2E]] : f32
// CHECK-DAG: %[[NC:.*]] = arith.mulf %[[SCALE]], %[[NLOG2E]] : f32
// CHECK: %[[S:.*]] = {{(tile\.)?}}dot
// CHECK: %[[RM:.*]] = reduce max %[[S]] axis 1
// CHECK-DAG: %[[CS:.*]] = splat %[[C]] : f32 -> tensor<16x8xf32>
// CHECK-DAG: %[[NCS:.*]] = splat %[[NC]] : f32 -> tensor<16xf32>
// CHECK: %[[RMS:.*]] = arith.mulf %[[RM]], %[[NCS]] : tensor<16xf32>
// CHECK: %[[E:.*]] = expand_dims %[[RMS]] axis 1
// CHECK: %[[B:.*]] = broadcast %[[E]] : tensor<16x1xf32> -> tensor<16x8xf32>
// CHECK: %[[F:.*]] = math.fma %[[S]], %[[CS]], %[[B]] : tensor<16x8xf32>
// CHECK: %[[P:.*]] = math.exp2 %[[F]] : tensor<16x8xf32>
// CHECK: store %[[P]]
tile.kernel @scale_after_sub(%x: memref<?x?xf32, strided<[?, 1]>>, %scale: f32) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %a = tile.load %x[%c0, %c0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x4xf32>
  %bt = tile.load %x[%c0, %c0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<4x8xf32>
  %z = arith.constant dense<0.0> : tensor<16x8xf32>
  %s = tile.dot %a, %bt, %z : tensor<16x4xf32>, tensor<4x8xf32> -> tensor<16x8xf32>
  %rm = tile.reduce max %s axis 1 : tensor<16x8xf32> -> tensor<16xf32>
  %e = tile.expand_dims %rm axis 1 : tensor<16xf32> -> tensor<16x1xf32>
  %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
  %d = arith.subf %s, %b : tensor<16x8xf32>
  %sc = tile.splat %scale : f32 -> tensor<16x8xf32>
  %ds = arith.mulf %sc, %d : tensor<16x8xf32>
  %p = math.exp %ds : tensor<16x8xf32>
  tile.store %p, %x[%c0, %c0] : tensor<16x8xf32>, memref<?x?xf32, strided<[?, 1]>>
  tile.return
}

// -----

// exp(s * scale - m) outside a softmax loop: fma(s, scale*log2e, m*-log2e).
// CHECK-LABEL: tile.kernel @scale_before_sub
// CHECK-SAME: %[[SCALE:[a-z0-9]+]]: f32
// CHECK: %[[C:.*]] = arith.mulf %[[SCALE]], %{{.*}} : f32
// CHECK: %[[S:.*]] = {{(tile\.)?}}dot
// CHECK: %[[CS:.*]] = splat %[[C]] : f32 -> tensor<16x8xf32>
// CHECK: %[[M:.*]] = load
// CHECK: %[[NL:.*]] = arith.constant dense<-1.44269502> : tensor<16xf32>
// CHECK: %[[MS:.*]] = arith.mulf %[[M]], %[[NL]] : tensor<16xf32>
// CHECK: %[[E:.*]] = expand_dims %[[MS]] axis 1
// CHECK: %[[B:.*]] = broadcast %[[E]]
// CHECK: %[[F:.*]] = math.fma %[[S]], %[[CS]], %[[B]] : tensor<16x8xf32>
// CHECK: math.exp2 %[[F]]
tile.kernel @scale_before_sub(%x: memref<?x?xf32, strided<[?, 1]>>, %y: memref<?xf32, strided<[1]>>, %scale: f32) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %a = tile.load %x[%c0, %c0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x4xf32>
  %bt = tile.load %x[%c0, %c0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<4x8xf32>
  %z = arith.constant dense<0.0> : tensor<16x8xf32>
  %s = tile.dot %a, %bt, %z : tensor<16x4xf32>, tensor<4x8xf32> -> tensor<16x8xf32>
  %sc = tile.splat %scale : f32 -> tensor<16x8xf32>
  %ss = arith.mulf %s, %sc : tensor<16x8xf32>
  %m = tile.load %y[%c0] : memref<?xf32, strided<[1]>> -> tensor<16xf32>
  %e = tile.expand_dims %m axis 1 : tensor<16xf32> -> tensor<16x1xf32>
  %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
  %d = arith.subf %ss, %b : tensor<16x8xf32>
  %p = math.exp %d : tensor<16x8xf32>
  tile.store %p, %x[%c0, %c0] : tensor<16x8xf32>, memref<?x?xf32, strided<[?, 1]>>
  tile.return
}

// -----

// The attention backward's p = exp(where(causal, where(keys, s * scale,
// -inf), -inf) - lse[:, None]): log2(e) folds into the scale under both
// masks (-inf stays -inf) and lse is scaled per row before its broadcast, so
// the tile costs one multiply and one subtraction, and exp(-inf - lse) keeps
// its meaning.
// CHECK-LABEL: tile.kernel @masked_scores_minus_row
// CHECK-SAME: %[[SCALE:[a-z0-9]+]]: f32
// CHECK: %[[C:.*]] = arith.mulf %[[SCALE]], %{{.*}} : f32
// CHECK: %[[S:.*]] = {{(tile\.)?}}dot
// CHECK: %[[CS:.*]] = splat %[[C]] : f32 -> tensor<16x8xf32>
// CHECK: %[[M1:.*]] = arith.cmpi
// CHECK: %[[M2:.*]] = arith.cmpi
// CHECK: %[[L:.*]] = load
// CHECK: %[[SS:.*]] = arith.mulf %[[S]], %[[CS]] : tensor<16x8xf32>
// CHECK: %[[NINF:.*]] = arith.constant dense<0xFF800000> : tensor<16x8xf32>
// CHECK: %[[S1:.*]] = arith.select %[[M1]], %[[SS]], %[[NINF]]
// CHECK: %[[NINF2:.*]] = arith.constant dense<0xFF800000> : tensor<16x8xf32>
// CHECK: %[[S2:.*]] = arith.select %[[M2]], %[[S1]], %[[NINF2]]
// CHECK: %[[LOG2E:.*]] = arith.constant dense<1.44269502> : tensor<16xf32>
// CHECK: %[[LS:.*]] = arith.mulf %[[L]], %[[LOG2E]] : tensor<16xf32>
// CHECK: %[[E:.*]] = expand_dims %[[LS]] axis 1
// CHECK: %[[B:.*]] = broadcast %[[E]]
// CHECK: %[[D:.*]] = arith.subf %[[S2]], %[[B]] : tensor<16x8xf32>
// CHECK: %[[P:.*]] = math.exp2 %[[D]]
// CHECK-NOT: math.exp {{%}}
// CHECK: store %[[P]]
tile.kernel @masked_scores_minus_row(%x: memref<?x?xf32, strided<[?, 1]>>, %y: memref<?xf32, strided<[1]>>, %scale: f32, %nk: i32) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %a = tile.load %x[%c0, %c0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x4xf32>
  %bt = tile.load %x[%c0, %c0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<4x8xf32>
  %z = arith.constant dense<0.0> : tensor<16x8xf32>
  %s = tile.dot %a, %bt, %z : tensor<16x4xf32>, tensor<4x8xf32> -> tensor<16x8xf32>
  %sc = tile.splat %scale : f32 -> tensor<16x8xf32>
  %ss = arith.mulf %s, %sc : tensor<16x8xf32>
  %ri = tile.iota : tensor<16xi32>
  %re = tile.expand_dims %ri axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %re : tensor<16x1xi32> -> tensor<16x8xi32>
  %ci = tile.iota : tensor<8xi32>
  %ce = tile.expand_dims %ci axis 0 : tensor<8xi32> -> tensor<1x8xi32>
  %cols = tile.broadcast %ce : tensor<1x8xi32> -> tensor<16x8xi32>
  %nks = tile.splat %nk : i32 -> tensor<16x8xi32>
  %keys = arith.cmpi slt, %cols, %nks : tensor<16x8xi32>
  %causal = arith.cmpi sge, %rows, %cols : tensor<16x8xi32>
  %ninf = arith.constant dense<0xFF800000> : tensor<16x8xf32>
  %s1 = arith.select %keys, %ss, %ninf : tensor<16x8xi1>, tensor<16x8xf32>
  %s2 = arith.select %causal, %s1, %ninf : tensor<16x8xi1>, tensor<16x8xf32>
  %l = tile.load %y[%c0] : memref<?xf32, strided<[1]>> -> tensor<16xf32>
  %e = tile.expand_dims %l axis 1 : tensor<16xf32> -> tensor<16x1xf32>
  %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
  %d = arith.subf %s2, %b : tensor<16x8xf32>
  %p = math.exp %d : tensor<16x8xf32>
  tile.store %p, %x[%c0, %c0] : tensor<16x8xf32>, memref<?x?xf32, strided<[?, 1]>>
  tile.return
}

// -----

// Plain exp(x) and exp(x * k): log2(e) multiplies x, or folds into k.
// f16 tiles, scalars and existing exp2 are not touched.
// CHECK-LABEL: tile.kernel @plain
// CHECK-SAME: %[[K:[a-z0-9]+]]: f32
// CHECK: %[[KL:.*]] = arith.mulf %[[K]], %{{.*}} : f32
// CHECK: %[[X:.*]] = load
// CHECK: %[[L:.*]] = arith.constant dense<1.44269502> : tensor<16xf32>
// CHECK: %[[XL:.*]] = arith.mulf %[[X]], %[[L]] : tensor<16xf32>
// CHECK: %[[E1:.*]] = math.exp2 %[[XL]] fastmath<afn> : tensor<16xf32>
// CHECK: %[[KS:.*]] = splat %[[KL]] : f32 -> tensor<16xf32>
// CHECK: %[[XK:.*]] = arith.mulf %[[X]], %[[KS]] : tensor<16xf32>
// CHECK: %[[E2:.*]] = math.exp2 %[[XK]] : tensor<16xf32>
// CHECK: math.exp %{{.*}} : tensor<16xf16>
// CHECK: math.exp %{{.*}} : f32
// CHECK: math.exp2 %[[X]] : tensor<16xf32>
tile.kernel @plain(%x: memref<?xf32, strided<[1]>>, %h: memref<?xf16, strided<[1]>>, %k: f32) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %t = tile.load %x[%c0] : memref<?xf32, strided<[1]>> -> tensor<16xf32>
  %e1 = math.exp %t fastmath<afn> : tensor<16xf32>
  tile.store %e1, %x[%c0] : tensor<16xf32>, memref<?xf32, strided<[1]>>
  %ks = tile.splat %k : f32 -> tensor<16xf32>
  %tk = arith.mulf %t, %ks : tensor<16xf32>
  %e2 = math.exp %tk : tensor<16xf32>
  tile.store %e2, %x[%c0] : tensor<16xf32>, memref<?xf32, strided<[1]>>
  %th = tile.load %h[%c0] : memref<?xf16, strided<[1]>> -> tensor<16xf16>
  %e3 = math.exp %th : tensor<16xf16>
  tile.store %e3, %h[%c0] : tensor<16xf16>, memref<?xf16, strided<[1]>>
  %e4 = math.exp %k : f32
  %e4s = tile.splat %e4 : f32 -> tensor<16xf32>
  tile.store %e4s, %x[%c0] : tensor<16xf32>, memref<?xf32, strided<[1]>>
  %e5 = math.exp2 %t : tensor<16xf32>
  tile.store %e5, %x[%c0] : tensor<16xf32>, memref<?xf32, strided<[1]>>
  tile.return
}

// -----

// Masked scores set to 0 instead of -inf, and a running max of row minima:
// both commute with the positive scale (0 * log2e = 0, min is monotone), so
// the loop still moves to the base-2 domain.
// CHECK-LABEL: tile.kernel @mask_zero_and_row_min
// CHECK: %[[INIT:.*]] = arith.mulf %{{.*}}, %{{.*}} : tensor<16xf32>
// CHECK: scf.for {{.*}} iter_args(%[[M:.*]] = %[[INIT]])
// CHECK: %[[S:.*]] = arith.mulf %{{.*}}, %{{.*}} : tensor<16x8xf32>
// CHECK: %[[SM:.*]] = arith.select %{{.*}}, %[[S]], %{{.*}}
// CHECK: %[[RM:.*]] = tile.reduce min %[[SM]]
// CHECK: %[[MN:.*]] = arith.maximumf %[[M]], %[[RM]]
// CHECK: %[[D:.*]] = arith.subf %[[SM]], %{{.*}}
// CHECK: math.exp2 %[[D]]
// CHECK: scf.yield %[[MN]]
// CHECK: dense<0.693147182>
tile.kernel @mask_zero_and_row_min(%q: memref<?x?xf32, strided<[?, 1]>>, %nb: index, %scale: f32) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %qt = tile.load %q[%c0, %c0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x4xf32>
  %m0 = arith.constant dense<0xFF800000> : tensor<16xf32>
  %r = scf.for %i = %c0 to %nb step %c1 iter_args(%m = %m0) -> (tensor<16xf32>) {
    %kt = tile.load %q[%i, %c0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<4x8xf32>
    %z = arith.constant dense<0.0> : tensor<16x8xf32>
    %qk = tile.dot %qt, %kt, %z : tensor<16x4xf32>, tensor<4x8xf32> -> tensor<16x8xf32>
    %sc = tile.splat %scale : f32 -> tensor<16x8xf32>
    %s = arith.mulf %qk, %sc : tensor<16x8xf32>
    %mask = arith.cmpf ogt, %qk, %z : tensor<16x8xf32>
    %sm = arith.select %mask, %s, %z : tensor<16x8xi1>, tensor<16x8xf32>
    %rm = tile.reduce min %sm axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %sm, %b : tensor<16x8xf32>
    %p = math.exp %d : tensor<16x8xf32>
    tile.store %p, %q[%i, %c0] : tensor<16x8xf32>, memref<?x?xf32, strided<[?, 1]>>
    scf.yield %mn : tensor<16xf32>
  }
  tile.store %r, %q[%c0, %c0] dims [1] : tensor<16xf32>, memref<?x?xf32, strided<[?, 1]>>
  tile.return
}

// -----

// The frontend's guard against rows with no visible key:
// m_safe = select(m_new == -inf, 0, m_new). The compare is rebuilt on the
// scaled max (-inf and 0 are unchanged by the scale), so no natural-domain
// max survives in the loop.
// CHECK-LABEL: tile.kernel @guarded_max
// CHECK: scf.for {{.*}} iter_args(%[[M:.*]] = %{{.*}}, %[[L:.*]] = %{{.*}})
// CHECK-NOT: 0.693147182
// CHECK: %[[RM:.*]] = tile.reduce max
// CHECK: %[[MN:.*]] = arith.maximumf %[[M]], %[[RM]]
// CHECK: %[[IS:.*]] = arith.cmpf oeq, %[[MN]], %{{.*}} : tensor<16xf32>
// CHECK: %[[SAFE:.*]] = arith.select %[[IS]], %{{.*}}, %[[MN]] : tensor<16xi1>, tensor<16xf32>
// CHECK: %[[B:.*]] = tile.broadcast
// CHECK: %[[D:.*]] = arith.subf %{{.*}}, %[[B]]
// CHECK: math.exp2 %[[D]]
// CHECK: %[[DA:.*]] = arith.subf %[[M]], %[[SAFE]]
// CHECK: math.exp2 %[[DA]]
// CHECK-NOT: arith.maximumf
// CHECK: scf.yield %[[MN]]
tile.kernel @guarded_max(%q: memref<?x?xf32, strided<[?, 1]>>, %nb: index, %scale: f32) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %ninf = arith.constant 0xFF800000 : f32
  %m0 = tile.splat %ninf : f32 -> tensor<16xf32>
  %l0 = arith.constant dense<0.0> : tensor<16xf32>
  %r:2 = scf.for %i = %c0 to %nb step %c1 iter_args(%m = %m0, %l = %l0) -> (tensor<16xf32>, tensor<16xf32>) {
    %qk = tile.load %q[%i, %c0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %sc = tile.splat %scale : f32 -> tensor<16x8xf32>
    %s = arith.mulf %qk, %sc : tensor<16x8xf32>
    %rm = tile.reduce max %s axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %ninfv = arith.constant dense<0xFF800000> : tensor<16xf32>
    %is = arith.cmpf oeq, %mn, %ninfv : tensor<16xf32>
    %zero = arith.constant dense<0.0> : tensor<16xf32>
    %safe = arith.select %is, %zero, %mn : tensor<16xi1>, tensor<16xf32>
    %e = tile.expand_dims %safe axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %s, %b : tensor<16x8xf32>
    %p = math.exp %d : tensor<16x8xf32>
    %ps = tile.reduce sum %p axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %da = arith.subf %m, %safe : tensor<16xf32>
    %a = math.exp %da : tensor<16xf32>
    %la = arith.mulf %l, %a : tensor<16xf32>
    %ln = arith.addf %la, %ps : tensor<16xf32>
    scf.yield %mn, %ln : tensor<16xf32>, tensor<16xf32>
  }
  tile.store %r#0, %q[%c0, %c0] dims [1] : tensor<16xf32>, memref<?x?xf32, strided<[?, 1]>>
  tile.store %r#1, %q[%c0, %c0] dims [1] : tensor<16xf32>, memref<?x?xf32, strided<[?, 1]>>
  tile.return
}

// -----

// Negative: the scores include a loaded bias, which is not scaled, so the
// running max cannot move domains. The iteration argument keeps its natural
// meaning (initial value not scaled, no ln 2 after the loop); each exp is
// rewritten on its own.
// CHECK-LABEL: tile.kernel @biased_scores
// CHECK: %[[M0:.*]] = arith.constant dense<0xFF800000> : tensor<16xf32>
// CHECK: scf.for {{.*}} iter_args(%[[M:.*]] = %[[M0]])
// CHECK: %[[S:.*]] = arith.addf
// CHECK: %[[RM:.*]] = tile.reduce max %[[S]]
// CHECK: %[[MN:.*]] = arith.maximumf %[[M]], %[[RM]]
// CHECK: %[[D:.*]] = arith.subf %[[S]], %{{.*}}
// CHECK: %[[DL:.*]] = arith.mulf %[[D]], %{{.*}}
// CHECK: math.exp2 %[[DL]]
// CHECK: scf.yield %[[MN]]
// CHECK-NOT: 0.693147182
tile.kernel @biased_scores(%q: memref<?x?xf32, strided<[?, 1]>>, %nb: index, %scale: f32) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m0 = arith.constant dense<0xFF800000> : tensor<16xf32>
  %r = scf.for %i = %c0 to %nb step %c1 iter_args(%m = %m0) -> (tensor<16xf32>) {
    %qk = tile.load %q[%i, %c0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %bias = tile.load %q[%c0, %i] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %sc = tile.splat %scale : f32 -> tensor<16x8xf32>
    %s0 = arith.mulf %qk, %sc : tensor<16x8xf32>
    %s = arith.addf %s0, %bias : tensor<16x8xf32>
    %rm = tile.reduce max %s axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %s, %b : tensor<16x8xf32>
    %p = math.exp %d : tensor<16x8xf32>
    tile.store %p, %q[%i, %c0] : tensor<16x8xf32>, memref<?x?xf32, strided<[?, 1]>>
    scf.yield %mn : tensor<16xf32>
  }
  tile.store %r, %q[%c0, %c0] dims [1] : tensor<16xf32>, memref<?x?xf32, strided<[?, 1]>>
  tile.return
}

// -----

// Negative: a running max of row sums (a sum of scaled values is not a
// scaled value up to rounding of a single product), and a loop with no exp
// reading the max: neither moves domains.
// CHECK-LABEL: tile.kernel @row_sum_and_no_exp
// CHECK: %[[M0:.*]] = arith.constant dense<0xFF800000> : tensor<16xf32>
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[M0]])
// CHECK: tile.reduce sum
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[M0]])
// CHECK-NOT: math.exp2
// CHECK: scf.yield
// CHECK-NOT: 0.693147182
tile.kernel @row_sum_and_no_exp(%q: memref<?x?xf32, strided<[?, 1]>>, %nb: index, %scale: f32) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m0 = arith.constant dense<0xFF800000> : tensor<16xf32>
  %r = scf.for %i = %c0 to %nb step %c1 iter_args(%m = %m0) -> (tensor<16xf32>) {
    %qk = tile.load %q[%i, %c0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %sc = tile.splat %scale : f32 -> tensor<16x8xf32>
    %s = arith.mulf %qk, %sc : tensor<16x8xf32>
    %rs = tile.reduce sum %s axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rs : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %s, %b : tensor<16x8xf32>
    %p = math.exp %d : tensor<16x8xf32>
    tile.store %p, %q[%i, %c0] : tensor<16x8xf32>, memref<?x?xf32, strided<[?, 1]>>
    scf.yield %mn : tensor<16xf32>
  }
  tile.store %r, %q[%c0, %c0] dims [1] : tensor<16xf32>, memref<?x?xf32, strided<[?, 1]>>
  %r2 = scf.for %i = %c0 to %nb step %c1 iter_args(%m = %m0) -> (tensor<16xf32>) {
    %qk = tile.load %q[%i, %c0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %sc = tile.splat %scale : f32 -> tensor<16x8xf32>
    %s = arith.mulf %qk, %sc : tensor<16x8xf32>
    %rm = tile.reduce max %s axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    scf.yield %mn : tensor<16xf32>
  }
  tile.store %r2, %q[%c0, %c0] dims [1] : tensor<16xf32>, memref<?x?xf32, strided<[?, 1]>>
  tile.return
}

// -----

// Scale applied after the max subtraction (the running max is over raw
// scores): the max stays natural, and each exp becomes one fma with the row
// statistic scaled by -(scale*log2e) before its broadcast.
// CHECK-LABEL: tile.kernel @scale_after_max
// CHECK-SAME: %[[SCALE:[a-z0-9]+]]: f32
// CHECK-DAG: %[[C:.*]] = arith.mulf %[[SCALE]], %{{.*}} : f32
// CHECK-DAG: %[[NC:.*]] = arith.mulf %[[SCALE]], %{{.*}} : f32
// CHECK: %[[M0:.*]] = arith.constant dense<0xFF800000> : tensor<16xf32>
// CHECK: scf.for {{.*}} iter_args(%[[M:.*]] = %[[M0]], %{{.*}} = %{{.*}})
// CHECK: %[[QK:.*]] = tile.load
// CHECK: %[[RM:.*]] = tile.reduce max %[[QK]]
// CHECK: %[[MN:.*]] = arith.maximumf %[[M]], %[[RM]]
// CHECK: %[[MS:.*]] = arith.mulf %[[MN]], %{{.*}} : tensor<16xf32>
// CHECK: %[[B:.*]] = tile.broadcast
// CHECK: %[[F:.*]] = math.fma %[[QK]], %{{.*}}, %[[B]] : tensor<16x8xf32>
// CHECK: math.exp2 %[[F]]
// CHECK: %[[FA:.*]] = math.fma %[[M]], %{{.*}}, %{{.*}} : tensor<16xf32>
// CHECK: math.exp2 %[[FA]]
// CHECK: scf.yield %[[MN]]
// CHECK-NOT: 0.693147182
tile.kernel @scale_after_max(%q: memref<?x?xf32, strided<[?, 1]>>, %nb: index, %scale: f32) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m0 = arith.constant dense<0xFF800000> : tensor<16xf32>
  %l0 = arith.constant dense<0.0> : tensor<16xf32>
  %r:2 = scf.for %i = %c0 to %nb step %c1 iter_args(%m = %m0, %l = %l0) -> (tensor<16xf32>, tensor<16xf32>) {
    %qk = tile.load %q[%i, %c0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %rm = tile.reduce max %qk axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %qk, %b : tensor<16x8xf32>
    %sc = tile.splat %scale : f32 -> tensor<16x8xf32>
    %ds = arith.mulf %d, %sc : tensor<16x8xf32>
    %p = math.exp %ds : tensor<16x8xf32>
    %ps = tile.reduce sum %p axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %da = arith.subf %m, %mn : tensor<16xf32>
    %sr = tile.splat %scale : f32 -> tensor<16xf32>
    %das = arith.mulf %da, %sr : tensor<16xf32>
    %a = math.exp %das : tensor<16xf32>
    %la = arith.mulf %l, %a : tensor<16xf32>
    %ln = arith.addf %la, %ps : tensor<16xf32>
    scf.yield %mn, %ln : tensor<16xf32>, tensor<16xf32>
  }
  tile.store %r#1, %q[%c0, %c0] dims [1] : tensor<16xf32>, memref<?x?xf32, strided<[?, 1]>>
  tile.store %r#0, %q[%c0, %c0] dims [1] : tensor<16xf32>, memref<?x?xf32, strided<[?, 1]>>
  tile.return
}
