// RUN: fa-opt %s -split-input-file -tile-causal-split | FileCheck %s --check-prefix=RAW
// RUN: fa-opt %s -split-input-file -tile-causal-split -canonicalize -cse | FileCheck %s
// A second run leaves the split loops alone.
// RUN: fa-opt %s -split-input-file -tile-causal-split -tile-causal-split | FileCheck %s --check-prefix=TWICE
// Loop splitting on masked key-block loops. The second RUN canonicalizes so
// that the computed bounds read as plain affine expressions.

// Causal mask rows >= cols, rows = m0 + iota(16), cols = n0 + iota(8): a
// block needs no mask iff n0 + 7 <= m0 and is fully masked iff n0 >= m0 + 16.
// TWICE-LABEL: tile.kernel @causal_sge
// TWICE-COUNT-2: scf.for
// TWICE-NOT: scf.for
// TWICE: } {tile.masked_blocks}
// TWICE-NOT: scf.for
// TWICE-LABEL: tile.kernel @causal_sle_swapped
// RAW-LABEL: tile.kernel @causal_sge
// RAW: %[[R1:.*]]:2 = scf.for %{{.*}} = %{{.*}} to %[[SPLIT:.*]] step
// RAW-NOT: arith.select
// RAW: scf.yield
// RAW: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[R1]]#0, %{{.*}} = %[[R1]]#1)
// RAW: arith.select
// RAW: } {tile.masked_blocks}
// CHECK-LABEL: tile.kernel @causal_sge
// CHECK-SAME: %[[UB:[a-z0-9]+]]: index)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[CM6:.*]] = arith.constant -6 : index
// CHECK: %[[M0:.*]] = arith.muli
// CHECK: %[[M0I:.*]] = arith.index_cast %[[M0]] : i32 to index
// CHECK: %[[FF:.*]] = arith.addi %[[M0I]], %[[C16]] : index
// CHECK: %[[UB2:.*]] = arith.minsi %[[UB]], %[[FF]] : index
// CHECK: %[[TT:.*]] = arith.addi %[[M0I]], %[[CM6]] : index
// CHECK: %[[TT0:.*]] = arith.maxsi %[[TT]], %[[C0]] : index
// CHECK: %[[SPLIT:.*]] = arith.minsi %[[TT0]], %[[UB2]] : index
// CHECK: %[[START:.*]] = arith.muli %{{.*}}, %[[C8]] : index
// CHECK: %[[R1:.*]]:2 = scf.for %{{.*}} = %[[C0]] to %[[SPLIT]] step %[[C8]] iter_args(%{{.*}} = %[[MI:[a-z0-9_]+]], %{{.*}} = %[[LI:[a-z0-9_]+]])
// CHECK-NOT: arith.cmpi
// CHECK-NOT: arith.select
// CHECK: tile.reduce max
// CHECK: scf.yield
// CHECK: %[[R2:.*]]:2 = scf.for %{{.*}} = %[[START]] to %[[UB2]] step %[[C8]] iter_args(%{{.*}} = %[[R1]]#0, %{{.*}} = %[[R1]]#1)
// CHECK: arith.cmpi sge
// CHECK: arith.select
// CHECK: scf.yield
// CHECK: store %[[R2]]#1
tile.kernel @causal_sge(%x: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?xf32, strided<[1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 8 : index
  %c16_i32 = arith.constant 16 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %m0 = arith.muli %pid, %c16_i32 : i32
  %m_init = tile.splat %ninf : f32 -> tensor<16xf32>
  %l_init = arith.constant dense<0.0> : tensor<16xf32>
  %ri = tile.iota : tensor<16xi32>
  %m0s = tile.splat %m0 : i32 -> tensor<16xi32>
  %rows1 = arith.addi %ri, %m0s : tensor<16xi32>
  %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
  %r:2 = scf.for %n0 = %c0 to %ub step %step iter_args(%m = %m_init, %l = %l_init) -> (tensor<16xf32>, tensor<16xf32>) {
    %n0i = arith.index_cast %n0 : index to i32
    %ci = tile.iota : tensor<8xi32>
    %n0s = tile.splat %n0i : i32 -> tensor<8xi32>
    %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
    %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
    %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%c0, %n0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %mask = arith.cmpi sge, %rows, %cols : tensor<16x8xi32>
    %ninfs = tile.splat %ninf : f32 -> tensor<16x8xf32>
    %sm = arith.select %mask, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %rm = tile.reduce max %sm axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %sm, %b : tensor<16x8xf32>
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

// The same mask written cols <= rows.
// CHECK-LABEL: tile.kernel @causal_sle_swapped
// CHECK-DAG: %[[CM6:.*]] = arith.constant -6 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: arith.addi %{{.*}}, %[[C16]] : index
// CHECK: arith.addi %{{.*}}, %[[CM6]] : index
// CHECK: scf.for
// CHECK-NOT: arith.select
// CHECK: scf.for
// CHECK: arith.cmpi sle
// CHECK: arith.select
tile.kernel @causal_sle_swapped(%x: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?xf32, strided<[1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 8 : index
  %c16_i32 = arith.constant 16 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %m0 = arith.muli %pid, %c16_i32 : i32
  %m_init = tile.splat %ninf : f32 -> tensor<16xf32>
  %l_init = arith.constant dense<0.0> : tensor<16xf32>
  %ri = tile.iota : tensor<16xi32>
  %m0s = tile.splat %m0 : i32 -> tensor<16xi32>
  %rows1 = arith.addi %ri, %m0s : tensor<16xi32>
  %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
  %r:2 = scf.for %n0 = %c0 to %ub step %step iter_args(%m = %m_init, %l = %l_init) -> (tensor<16xf32>, tensor<16xf32>) {
    %n0i = arith.index_cast %n0 : index to i32
    %ci = tile.iota : tensor<8xi32>
    %n0s = tile.splat %n0i : i32 -> tensor<8xi32>
    %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
    %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
    %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%c0, %n0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %mask = arith.cmpi sle, %cols, %rows : tensor<16x8xi32>
    %ninfs = tile.splat %ninf : f32 -> tensor<16x8xf32>
    %sm = arith.select %mask, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %rm = tile.reduce max %sm axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %sm, %b : tensor<16x8xf32>
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

// rows + 1 > cols.
// CHECK-LABEL: tile.kernel @causal_sgt_plus_one
// CHECK-DAG: %[[CM6:.*]] = arith.constant -6 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: arith.addi %{{.*}}, %[[C16]] : index
// CHECK: arith.addi %{{.*}}, %[[CM6]] : index
// CHECK: scf.for
// CHECK-NOT: arith.select
// CHECK: scf.for
// CHECK: arith.cmpi sgt
// CHECK: arith.select
tile.kernel @causal_sgt_plus_one(%x: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?xf32, strided<[1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 8 : index
  %c16_i32 = arith.constant 16 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %m0 = arith.muli %pid, %c16_i32 : i32
  %m_init = tile.splat %ninf : f32 -> tensor<16xf32>
  %l_init = arith.constant dense<0.0> : tensor<16xf32>
  %ri = tile.iota : tensor<16xi32>
  %m0s = tile.splat %m0 : i32 -> tensor<16xi32>
  %rows1 = arith.addi %ri, %m0s : tensor<16xi32>
  %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
  %r:2 = scf.for %n0 = %c0 to %ub step %step iter_args(%m = %m_init, %l = %l_init) -> (tensor<16xf32>, tensor<16xf32>) {
    %n0i = arith.index_cast %n0 : index to i32
    %ci = tile.iota : tensor<8xi32>
    %n0s = tile.splat %n0i : i32 -> tensor<8xi32>
    %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
    %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
    %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%c0, %n0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %one = arith.constant dense<1> : tensor<16x8xi32>
    %rows_p1 = arith.addi %rows, %one : tensor<16x8xi32>
    %mask = arith.cmpi sgt, %rows_p1, %cols : tensor<16x8xi32>
    %ninfs = tile.splat %ninf : f32 -> tensor<16x8xf32>
    %sm = arith.select %mask, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %rm = tile.reduce max %sm axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %sm, %b : tensor<16x8xf32>
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

// cols < rows + 1.
// CHECK-LABEL: tile.kernel @causal_slt_swapped
// CHECK-DAG: %[[CM6:.*]] = arith.constant -6 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: arith.addi %{{.*}}, %[[C16]] : index
// CHECK: arith.addi %{{.*}}, %[[CM6]] : index
// CHECK: scf.for
// CHECK-NOT: arith.select
// CHECK: scf.for
// CHECK: arith.cmpi slt
// CHECK: arith.select
tile.kernel @causal_slt_swapped(%x: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?xf32, strided<[1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 8 : index
  %c16_i32 = arith.constant 16 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %m0 = arith.muli %pid, %c16_i32 : i32
  %m_init = tile.splat %ninf : f32 -> tensor<16xf32>
  %l_init = arith.constant dense<0.0> : tensor<16xf32>
  %ri = tile.iota : tensor<16xi32>
  %m0s = tile.splat %m0 : i32 -> tensor<16xi32>
  %rows1 = arith.addi %ri, %m0s : tensor<16xi32>
  %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
  %r:2 = scf.for %n0 = %c0 to %ub step %step iter_args(%m = %m_init, %l = %l_init) -> (tensor<16xf32>, tensor<16xf32>) {
    %n0i = arith.index_cast %n0 : index to i32
    %ci = tile.iota : tensor<8xi32>
    %n0s = tile.splat %n0i : i32 -> tensor<8xi32>
    %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
    %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
    %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%c0, %n0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %one = arith.constant dense<1> : tensor<16x8xi32>
    %rows_p1 = arith.addi %rows, %one : tensor<16x8xi32>
    %mask = arith.cmpi slt, %cols, %rows_p1 : tensor<16x8xi32>
    %ninfs = tile.splat %ninf : f32 -> tensor<16x8xf32>
    %sm = arith.select %mask, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %rm = tile.reduce max %sm axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %sm, %b : tensor<16x8xf32>
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

// Key-length mask cols < NK: only the block holding NK - 1 is masked; the
// loop stops at NK.
// CHECK-LABEL: tile.kernel @key_length
// CHECK-SAME: %[[NK:[a-z0-9]+]]: i32, %[[UB:[a-z0-9]+]]: index)
// CHECK-DAG: %[[CM7:.*]] = arith.constant -7 : index
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[NKI:.*]] = arith.index_cast %[[NK]] : i32 to index
// CHECK: %[[UB2:.*]] = arith.minsi %[[UB]], %[[NKI]] : index
// CHECK: %[[T:.*]] = arith.addi %[[NKI]], %[[CM7]] : index
// CHECK: %[[T0:.*]] = arith.maxsi %[[T]], %[[C0]] : index
// CHECK: %[[SPLIT:.*]] = arith.minsi %[[T0]], %[[UB2]] : index
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[SPLIT]]
// CHECK-NOT: arith.select
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[UB2]]
// CHECK: arith.cmpi slt
// CHECK: arith.select
tile.kernel @key_length(%x: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?xf32, strided<[1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 8 : index
  %c16_i32 = arith.constant 16 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %m0 = arith.muli %pid, %c16_i32 : i32
  %m_init = tile.splat %ninf : f32 -> tensor<16xf32>
  %l_init = arith.constant dense<0.0> : tensor<16xf32>
  %ri = tile.iota : tensor<16xi32>
  %m0s = tile.splat %m0 : i32 -> tensor<16xi32>
  %rows1 = arith.addi %ri, %m0s : tensor<16xi32>
  %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
  %r:2 = scf.for %n0 = %c0 to %ub step %step iter_args(%m = %m_init, %l = %l_init) -> (tensor<16xf32>, tensor<16xf32>) {
    %n0i = arith.index_cast %n0 : index to i32
    %ci = tile.iota : tensor<8xi32>
    %n0s = tile.splat %n0i : i32 -> tensor<8xi32>
    %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
    %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
    %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%c0, %n0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %nks = tile.splat %nk : i32 -> tensor<16x8xi32>
    %mask = arith.cmpi slt, %cols, %nks : tensor<16x8xi32>
    %ninfs = tile.splat %ninf : f32 -> tensor<16x8xf32>
    %sm = arith.select %mask, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %rm = tile.reduce max %sm axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %sm, %b : tensor<16x8xf32>
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

// Key-length and causal masks as two nested selects: the unmasked loop needs
// both all true, the loop ends where either is all false.
// CHECK-LABEL: tile.kernel @chained_selects
// CHECK-SAME: %[[NK:[a-z0-9]+]]: i32, %[[UB:[a-z0-9]+]]: index)
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[CM8:.*]] = arith.constant -8 : index
// CHECK-DAG: %[[CM7:.*]] = arith.constant -7 : index
// CHECK: %[[M0I:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK: %[[TC:.*]] = arith.addi %[[M0I]], %[[CM7]] : index
// CHECK: %[[FC:.*]] = arith.addi %[[M0I]], %[[C16]] : index
// CHECK: %[[NKI:.*]] = arith.index_cast %[[NK]] : i32 to index
// CHECK: %[[TK:.*]] = arith.addi %[[NKI]], %[[CM8]] : index
// CHECK: %[[T:.*]] = arith.minsi %[[TC]], %[[TK]] : index
// CHECK: %[[F:.*]] = arith.minsi %[[FC]], %[[NKI]] : index
// CHECK: %[[UB2:.*]] = arith.minsi %[[UB]], %[[F]] : index
// CHECK: scf.for
// CHECK-NOT: arith.select
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[UB2]]
// CHECK-COUNT-2: arith.select
tile.kernel @chained_selects(%x: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?xf32, strided<[1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 8 : index
  %c16_i32 = arith.constant 16 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %m0 = arith.muli %pid, %c16_i32 : i32
  %m_init = tile.splat %ninf : f32 -> tensor<16xf32>
  %l_init = arith.constant dense<0.0> : tensor<16xf32>
  %ri = tile.iota : tensor<16xi32>
  %m0s = tile.splat %m0 : i32 -> tensor<16xi32>
  %rows1 = arith.addi %ri, %m0s : tensor<16xi32>
  %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
  %r:2 = scf.for %n0 = %c0 to %ub step %step iter_args(%m = %m_init, %l = %l_init) -> (tensor<16xf32>, tensor<16xf32>) {
    %n0i = arith.index_cast %n0 : index to i32
    %ci = tile.iota : tensor<8xi32>
    %n0s = tile.splat %n0i : i32 -> tensor<8xi32>
    %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
    %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
    %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%c0, %n0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %nks = tile.splat %nk : i32 -> tensor<16x8xi32>
    %inb = arith.cmpi slt, %cols, %nks : tensor<16x8xi32>
    %causal = arith.cmpi sge, %rows, %cols : tensor<16x8xi32>
    %ninfs = tile.splat %ninf : f32 -> tensor<16x8xf32>
    %s1 = arith.select %inb, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %sm = arith.select %causal, %s1, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %rm = tile.reduce max %sm axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %sm, %b : tensor<16x8xf32>
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

// The loop counts blocks (n0 = j * 8): the bounds divide by 8, rounding
// down.
// CHECK-LABEL: tile.kernel @block_index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C15:.*]] = arith.constant 15 : index
// CHECK-DAG: %[[CM7:.*]] = arith.constant -7 : index
// CHECK: %[[M0I:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK: %[[A:.*]] = arith.addi %[[M0I]], %[[CM7]] : index
// CHECK: arith.addi %[[M0I]], %[[C15]] : index
// CHECK: arith.divsi %[[A]], %[[C8]] : index
// CHECK: arith.remsi %[[A]], %[[C8]] : index
// CHECK: scf.for
// CHECK-NOT: arith.select
// CHECK: scf.for
// CHECK: arith.select
tile.kernel @block_index(%x: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?xf32, strided<[1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 1 : index
  %c16_i32 = arith.constant 16 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %m0 = arith.muli %pid, %c16_i32 : i32
  %m_init = tile.splat %ninf : f32 -> tensor<16xf32>
  %l_init = arith.constant dense<0.0> : tensor<16xf32>
  %ri = tile.iota : tensor<16xi32>
  %m0s = tile.splat %m0 : i32 -> tensor<16xi32>
  %rows1 = arith.addi %ri, %m0s : tensor<16xi32>
  %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
  %r:2 = scf.for %j = %c0 to %ub step %step iter_args(%m = %m_init, %l = %l_init) -> (tensor<16xf32>, tensor<16xf32>) {
    %c8 = arith.constant 8 : index
    %n0 = arith.muli %j, %c8 : index
    %n0i = arith.index_cast %n0 : index to i32
    %ci = tile.iota : tensor<8xi32>
    %n0s = tile.splat %n0i : i32 -> tensor<8xi32>
    %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
    %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
    %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%c0, %n0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %mask = arith.cmpi sge, %rows, %cols : tensor<16x8xi32>
    %ninfs = tile.splat %ninf : f32 -> tensor<16x8xf32>
    %sm = arith.select %mask, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %rm = tile.reduce max %sm axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %sm, %b : tensor<16x8xf32>
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

// The body writes memory, so fully masked blocks are not provably no-ops:
// the loop is split but its upper bound stays.
// CHECK-LABEL: tile.kernel @no_skip_with_store
// CHECK-SAME: %[[UB:[a-z0-9]+]]: index)
// CHECK: scf.for
// CHECK-NOT: arith.select
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[UB]] step
// CHECK: arith.select
tile.kernel @no_skip_with_store(%x: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?xf32, strided<[1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 8 : index
  %c16_i32 = arith.constant 16 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %m0 = arith.muli %pid, %c16_i32 : i32
  %m_init = tile.splat %ninf : f32 -> tensor<16xf32>
  %l_init = arith.constant dense<0.0> : tensor<16xf32>
  %ri = tile.iota : tensor<16xi32>
  %m0s = tile.splat %m0 : i32 -> tensor<16xi32>
  %rows1 = arith.addi %ri, %m0s : tensor<16xi32>
  %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
  %r:2 = scf.for %n0 = %c0 to %ub step %step iter_args(%m = %m_init, %l = %l_init) -> (tensor<16xf32>, tensor<16xf32>) {
    %n0i = arith.index_cast %n0 : index to i32
    %ci = tile.iota : tensor<8xi32>
    %n0s = tile.splat %n0i : i32 -> tensor<8xi32>
    %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
    %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
    %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%c0, %n0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %mask = arith.cmpi sge, %rows, %cols : tensor<16x8xi32>
    %ninfs = tile.splat %ninf : f32 -> tensor<16x8xf32>
    %sm = arith.select %mask, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %rm = tile.reduce max %sm axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %sm, %b : tensor<16x8xf32>
    %p = math.exp %d : tensor<16x8xf32>
    tile.store %p, %x[%c0, %n0] : tensor<16x8xf32>, memref<?x?xf32, strided<[?, 1]>>
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

// The key-length mask computed on a 1x8 row of key positions and broadcast
// to the tile, as the frontend emits `iota(n0, 8)[None, :] < NK`.
// CHECK-LABEL: tile.kernel @key_length_broadcast_mask
// CHECK-SAME: %[[NK:[a-z0-9]+]]: i32, %[[UB:[a-z0-9]+]]: index)
// CHECK-DAG: %[[CM7:.*]] = arith.constant -7 : index
// CHECK: %[[NKI:.*]] = arith.index_cast %[[NK]] : i32 to index
// CHECK: %[[UB2:.*]] = arith.minsi %[[UB]], %[[NKI]] : index
// CHECK: arith.addi %[[NKI]], %[[CM7]] : index
// CHECK: scf.for
// CHECK-NOT: arith.select
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[UB2]]
// CHECK: arith.cmpi slt
// CHECK: tile.broadcast %{{.*}} : tensor<1x8xi1> -> tensor<16x8xi1>
// CHECK: arith.select
tile.kernel @key_length_broadcast_mask(%x: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?xf32, strided<[1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 8 : index
  %c16_i32 = arith.constant 16 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %m0 = arith.muli %pid, %c16_i32 : i32
  %m_init = tile.splat %ninf : f32 -> tensor<16xf32>
  %l_init = arith.constant dense<0.0> : tensor<16xf32>
  %ri = tile.iota : tensor<16xi32>
  %m0s = tile.splat %m0 : i32 -> tensor<16xi32>
  %rows1 = arith.addi %ri, %m0s : tensor<16xi32>
  %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
  %r:2 = scf.for %n0 = %c0 to %ub step %step iter_args(%m = %m_init, %l = %l_init) -> (tensor<16xf32>, tensor<16xf32>) {
    %n0i = arith.index_cast %n0 : index to i32
    %ci = tile.iota : tensor<8xi32>
    %n0s = tile.splat %n0i : i32 -> tensor<8xi32>
    %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
    %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
    %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%c0, %n0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %nks = tile.splat %nk : i32 -> tensor<1x8xi32>
    %inb1 = arith.cmpi slt, %cols2, %nks : tensor<1x8xi32>
    %mask = tile.broadcast %inb1 : tensor<1x8xi1> -> tensor<16x8xi1>
    %ninfs = tile.splat %ninf : f32 -> tensor<16x8xf32>
    %sm = arith.select %mask, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %rm = tile.reduce max %sm axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %sm, %b : tensor<16x8xf32>
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

// The unmasked scores also feed a row sum, so a fully masked block still
// contributes: the loop is split but keeps its upper bound.
// CHECK-LABEL: tile.kernel @no_skip_scores_reused
// CHECK-SAME: %[[UB:[a-z0-9]+]]: index)
// CHECK: scf.for
// CHECK-NOT: arith.select
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[UB]] step
// CHECK: arith.select
tile.kernel @no_skip_scores_reused(%x: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?xf32, strided<[1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 8 : index
  %c16_i32 = arith.constant 16 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %m0 = arith.muli %pid, %c16_i32 : i32
  %m_init = tile.splat %ninf : f32 -> tensor<16xf32>
  %l_init = arith.constant dense<0.0> : tensor<16xf32>
  %ri = tile.iota : tensor<16xi32>
  %m0s = tile.splat %m0 : i32 -> tensor<16xi32>
  %rows1 = arith.addi %ri, %m0s : tensor<16xi32>
  %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
  %r:2 = scf.for %n0 = %c0 to %ub step %step iter_args(%m = %m_init, %l = %l_init) -> (tensor<16xf32>, tensor<16xf32>) {
    %n0i = arith.index_cast %n0 : index to i32
    %ci = tile.iota : tensor<8xi32>
    %n0s = tile.splat %n0i : i32 -> tensor<8xi32>
    %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
    %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
    %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%c0, %n0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %mask = arith.cmpi sge, %rows, %cols : tensor<16x8xi32>
    %ninfs = tile.splat %ninf : f32 -> tensor<16x8xf32>
    %sm = arith.select %mask, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %rm = tile.reduce max %sm axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %sm, %b : tensor<16x8xf32>
    %p = math.exp %d : tensor<16x8xf32>
    %ps = tile.reduce sum %p axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %da = arith.subf %m, %mn : tensor<16xf32>
    %a = math.exp %da : tensor<16xf32>
    %la = arith.mulf %l, %a : tensor<16xf32>
    %raw = tile.reduce sum %s axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %ps2 = arith.addf %ps, %raw : tensor<16xf32>
    %ln = arith.addf %la, %ps2 : tensor<16xf32>
    scf.yield %mn, %ln : tensor<16xf32>, tensor<16xf32>
  }
  tile.store %r#1, %out[%c0] : tensor<16xf32>, memref<?xf32, strided<[1]>>
  tile.return
}

// -----

// exp2((s - m) * log2e): masked scores still give 0, so fully masked blocks
// are skipped.
// CHECK-LABEL: tile.kernel @skip_through_scaled_exp2
// CHECK-SAME: %[[UB:[a-z0-9]+]]: index)
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: %[[FF:.*]] = arith.addi %{{.*}}, %[[C16]] : index
// CHECK: %[[UB2:.*]] = arith.minsi %[[UB]], %[[FF]] : index
// CHECK: scf.for
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[UB2]] step
tile.kernel @skip_through_scaled_exp2(%x: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?xf32, strided<[1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 8 : index
  %c16_i32 = arith.constant 16 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %m0 = arith.muli %pid, %c16_i32 : i32
  %m_init = tile.splat %ninf : f32 -> tensor<16xf32>
  %l_init = arith.constant dense<0.0> : tensor<16xf32>
  %ri = tile.iota : tensor<16xi32>
  %m0s = tile.splat %m0 : i32 -> tensor<16xi32>
  %rows1 = arith.addi %ri, %m0s : tensor<16xi32>
  %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
  %r:2 = scf.for %n0 = %c0 to %ub step %step iter_args(%m = %m_init, %l = %l_init) -> (tensor<16xf32>, tensor<16xf32>) {
    %n0i = arith.index_cast %n0 : index to i32
    %ci = tile.iota : tensor<8xi32>
    %n0s = tile.splat %n0i : i32 -> tensor<8xi32>
    %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
    %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
    %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%c0, %n0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %mask = arith.cmpi sge, %rows, %cols : tensor<16x8xi32>
    %ninfs = tile.splat %ninf : f32 -> tensor<16x8xf32>
    %sm = arith.select %mask, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %rm = tile.reduce max %sm axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %sm, %b : tensor<16x8xf32>
    %k2 = arith.constant dense<1.44269502> : tensor<16x8xf32>
    %dl = arith.mulf %d, %k2 : tensor<16x8xf32>
    %p = math.exp2 %dl : tensor<16x8xf32>
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

// exp2((s - m) * -1) turns masked scores into +inf: blocks are split but
// none is skipped.
// CHECK-LABEL: tile.kernel @no_skip_negative_scale
// CHECK-SAME: %[[UB:[a-z0-9]+]]: index)
// CHECK: scf.for
// CHECK-NOT: arith.select
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[UB]] step
// CHECK: arith.select
tile.kernel @no_skip_negative_scale(%x: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?xf32, strided<[1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 8 : index
  %c16_i32 = arith.constant 16 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %m0 = arith.muli %pid, %c16_i32 : i32
  %m_init = tile.splat %ninf : f32 -> tensor<16xf32>
  %l_init = arith.constant dense<0.0> : tensor<16xf32>
  %ri = tile.iota : tensor<16xi32>
  %m0s = tile.splat %m0 : i32 -> tensor<16xi32>
  %rows1 = arith.addi %ri, %m0s : tensor<16xi32>
  %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
  %r:2 = scf.for %n0 = %c0 to %ub step %step iter_args(%m = %m_init, %l = %l_init) -> (tensor<16xf32>, tensor<16xf32>) {
    %n0i = arith.index_cast %n0 : index to i32
    %ci = tile.iota : tensor<8xi32>
    %n0s = tile.splat %n0i : i32 -> tensor<8xi32>
    %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
    %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
    %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%c0, %n0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %mask = arith.cmpi sge, %rows, %cols : tensor<16x8xi32>
    %ninfs = tile.splat %ninf : f32 -> tensor<16x8xf32>
    %sm = arith.select %mask, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %rm = tile.reduce max %sm axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %sm, %b : tensor<16x8xf32>
    %k2 = arith.constant dense<-1.0> : tensor<16x8xf32>
    %dl = arith.mulf %d, %k2 : tensor<16x8xf32>
    %p = math.exp2 %dl : tensor<16x8xf32>
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

// Negative: the mask rows < NK does not depend on the loop.
// CHECK-LABEL: tile.kernel @neg_query_length
// CHECK: scf.for
// CHECK-NOT: scf.for
// CHECK: arith.select
// CHECK: {{(tile\.)?}}return
tile.kernel @neg_query_length(%x: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?xf32, strided<[1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 8 : index
  %c16_i32 = arith.constant 16 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %m0 = arith.muli %pid, %c16_i32 : i32
  %m_init = tile.splat %ninf : f32 -> tensor<16xf32>
  %l_init = arith.constant dense<0.0> : tensor<16xf32>
  %ri = tile.iota : tensor<16xi32>
  %m0s = tile.splat %m0 : i32 -> tensor<16xi32>
  %rows1 = arith.addi %ri, %m0s : tensor<16xi32>
  %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
  %r:2 = scf.for %n0 = %c0 to %ub step %step iter_args(%m = %m_init, %l = %l_init) -> (tensor<16xf32>, tensor<16xf32>) {
    %n0i = arith.index_cast %n0 : index to i32
    %ci = tile.iota : tensor<8xi32>
    %n0s = tile.splat %n0i : i32 -> tensor<8xi32>
    %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
    %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
    %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%c0, %n0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %nks = tile.splat %nk : i32 -> tensor<16x8xi32>
    %mask = arith.cmpi slt, %rows, %nks : tensor<16x8xi32>
    %ninfs = tile.splat %ninf : f32 -> tensor<16x8xf32>
    %sm = arith.select %mask, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %rm = tile.reduce max %sm axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %sm, %b : tensor<16x8xf32>
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

// cols >= rows (cols = n0 + j) switches on as the loop advances: all true
// from n0 = m0 + 15 on. The masked blocks come first and keep the mask; the
// rest drop it. Leading fully masked blocks are not skipped (the running
// maximum is still -inf there).
// TWICE-LABEL: tile.kernel @mask_switches_on
// TWICE-COUNT-2: scf.for
// TWICE-NOT: scf.for
// TWICE: tile.kernel @
// CHECK-LABEL: tile.kernel @mask_switches_on
// CHECK-SAME: %[[UB:[a-z0-9]+]]: index)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C7:.*]] = arith.constant 7 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C15:.*]] = arith.constant 15 : index
// CHECK: %[[M0:.*]] = arith.muli
// CHECK: %[[M0I:.*]] = arith.index_cast %[[M0]] : i32 to index
// CHECK: %[[FT:.*]] = arith.addi %[[M0I]], %[[C15]] : index
// CHECK: %[[FT0:.*]] = arith.maxsi %[[FT]], %[[C0]] : index
// CHECK: %[[FT1:.*]] = arith.minsi %[[FT0]], %[[UB]] : index
// CHECK: %[[SPAN:.*]] = arith.maxsi %[[FT1]], %[[C0]] : index
// CHECK: %[[UP:.*]] = arith.addi %[[SPAN]], %[[C7]] : index
// CHECK: %[[BLOCKS:.*]] = arith.divsi %[[UP]], %[[C8]] : index
// CHECK: %[[START:.*]] = arith.muli %[[BLOCKS]], %[[C8]] : index
// CHECK: %[[R1:.*]]:2 = scf.for %{{.*}} = %[[C0]] to %[[START]] step %[[C8]]
// CHECK: arith.cmpi sge
// CHECK: arith.select
// CHECK: } {tile.masked_blocks}
// CHECK: scf.for %{{.*}} = %[[START]] to %[[UB]] step %[[C8]] iter_args(%{{.*}} = %[[R1]]#0, %{{.*}} = %[[R1]]#1)
// CHECK-NOT: arith.select
// CHECK: scf.yield
tile.kernel @mask_switches_on(%x: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?xf32, strided<[1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 8 : index
  %c16_i32 = arith.constant 16 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %m0 = arith.muli %pid, %c16_i32 : i32
  %m_init = tile.splat %ninf : f32 -> tensor<16xf32>
  %l_init = arith.constant dense<0.0> : tensor<16xf32>
  %ri = tile.iota : tensor<16xi32>
  %m0s = tile.splat %m0 : i32 -> tensor<16xi32>
  %rows1 = arith.addi %ri, %m0s : tensor<16xi32>
  %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
  %r:2 = scf.for %n0 = %c0 to %ub step %step iter_args(%m = %m_init, %l = %l_init) -> (tensor<16xf32>, tensor<16xf32>) {
    %n0i = arith.index_cast %n0 : index to i32
    %ci = tile.iota : tensor<8xi32>
    %n0s = tile.splat %n0i : i32 -> tensor<8xi32>
    %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
    %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
    %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%c0, %n0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %mask = arith.cmpi sge, %cols, %rows : tensor<16x8xi32>
    %ninfs = tile.splat %ninf : f32 -> tensor<16x8xf32>
    %sm = arith.select %mask, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %rm = tile.reduce max %sm axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %sm, %b : tensor<16x8xf32>
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

// Negative: an equality mask.
// RAW-LABEL: tile.kernel @neg_eq
// RAW: scf.for
// RAW-NOT: scf.for
// RAW: arith.cmpi eq
// RAW-NOT: scf.for
// RAW: {{(tile\.)?}}return
// CHECK-LABEL: tile.kernel @neg_eq
// CHECK: scf.for
// CHECK-NOT: scf.for
// CHECK: arith.select
// CHECK: {{(tile\.)?}}return
tile.kernel @neg_eq(%x: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?xf32, strided<[1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 8 : index
  %c16_i32 = arith.constant 16 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %m0 = arith.muli %pid, %c16_i32 : i32
  %m_init = tile.splat %ninf : f32 -> tensor<16xf32>
  %l_init = arith.constant dense<0.0> : tensor<16xf32>
  %ri = tile.iota : tensor<16xi32>
  %m0s = tile.splat %m0 : i32 -> tensor<16xi32>
  %rows1 = arith.addi %ri, %m0s : tensor<16xi32>
  %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
  %r:2 = scf.for %n0 = %c0 to %ub step %step iter_args(%m = %m_init, %l = %l_init) -> (tensor<16xf32>, tensor<16xf32>) {
    %n0i = arith.index_cast %n0 : index to i32
    %ci = tile.iota : tensor<8xi32>
    %n0s = tile.splat %n0i : i32 -> tensor<8xi32>
    %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
    %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
    %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%c0, %n0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %mask = arith.cmpi eq, %rows, %cols : tensor<16x8xi32>
    %ninfs = tile.splat %ninf : f32 -> tensor<16x8xf32>
    %sm = arith.select %mask, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %rm = tile.reduce max %sm axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %sm, %b : tensor<16x8xf32>
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

// Negative: an unsigned comparison.
// CHECK-LABEL: tile.kernel @neg_unsigned
// CHECK: scf.for
// CHECK-NOT: scf.for
// CHECK: arith.select
// CHECK: {{(tile\.)?}}return
tile.kernel @neg_unsigned(%x: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?xf32, strided<[1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 8 : index
  %c16_i32 = arith.constant 16 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %m0 = arith.muli %pid, %c16_i32 : i32
  %m_init = tile.splat %ninf : f32 -> tensor<16xf32>
  %l_init = arith.constant dense<0.0> : tensor<16xf32>
  %ri = tile.iota : tensor<16xi32>
  %m0s = tile.splat %m0 : i32 -> tensor<16xi32>
  %rows1 = arith.addi %ri, %m0s : tensor<16xi32>
  %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
  %r:2 = scf.for %n0 = %c0 to %ub step %step iter_args(%m = %m_init, %l = %l_init) -> (tensor<16xf32>, tensor<16xf32>) {
    %n0i = arith.index_cast %n0 : index to i32
    %ci = tile.iota : tensor<8xi32>
    %n0s = tile.splat %n0i : i32 -> tensor<8xi32>
    %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
    %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
    %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%c0, %n0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %mask = arith.cmpi uge, %rows, %cols : tensor<16x8xi32>
    %ninfs = tile.splat %ninf : f32 -> tensor<16x8xf32>
    %sm = arith.select %mask, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %rm = tile.reduce max %sm axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %sm, %b : tensor<16x8xf32>
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

// Negative: masked scores become 0, not -inf.
// CHECK-LABEL: tile.kernel @neg_not_neg_inf
// CHECK: scf.for
// CHECK-NOT: scf.for
// CHECK: arith.select
// CHECK: {{(tile\.)?}}return
tile.kernel @neg_not_neg_inf(%x: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?xf32, strided<[1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 8 : index
  %c16_i32 = arith.constant 16 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %m0 = arith.muli %pid, %c16_i32 : i32
  %m_init = tile.splat %ninf : f32 -> tensor<16xf32>
  %l_init = arith.constant dense<0.0> : tensor<16xf32>
  %ri = tile.iota : tensor<16xi32>
  %m0s = tile.splat %m0 : i32 -> tensor<16xi32>
  %rows1 = arith.addi %ri, %m0s : tensor<16xi32>
  %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
  %r:2 = scf.for %n0 = %c0 to %ub step %step iter_args(%m = %m_init, %l = %l_init) -> (tensor<16xf32>, tensor<16xf32>) {
    %n0i = arith.index_cast %n0 : index to i32
    %ci = tile.iota : tensor<8xi32>
    %n0s = tile.splat %n0i : i32 -> tensor<8xi32>
    %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
    %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
    %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%c0, %n0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %mask = arith.cmpi sge, %rows, %cols : tensor<16x8xi32>
    %ninfs = arith.constant dense<0.0> : tensor<16x8xf32>
    %sm = arith.select %mask, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %rm = tile.reduce max %sm axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %sm, %b : tensor<16x8xf32>
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

// Negative: cols * cols is not affine.
// CHECK-LABEL: tile.kernel @neg_nonaffine
// CHECK: scf.for
// CHECK-NOT: scf.for
// CHECK: arith.select
// CHECK: {{(tile\.)?}}return
tile.kernel @neg_nonaffine(%x: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?xf32, strided<[1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 8 : index
  %c16_i32 = arith.constant 16 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %m0 = arith.muli %pid, %c16_i32 : i32
  %m_init = tile.splat %ninf : f32 -> tensor<16xf32>
  %l_init = arith.constant dense<0.0> : tensor<16xf32>
  %ri = tile.iota : tensor<16xi32>
  %m0s = tile.splat %m0 : i32 -> tensor<16xi32>
  %rows1 = arith.addi %ri, %m0s : tensor<16xi32>
  %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
  %r:2 = scf.for %n0 = %c0 to %ub step %step iter_args(%m = %m_init, %l = %l_init) -> (tensor<16xf32>, tensor<16xf32>) {
    %n0i = arith.index_cast %n0 : index to i32
    %ci = tile.iota : tensor<8xi32>
    %n0s = tile.splat %n0i : i32 -> tensor<8xi32>
    %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
    %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
    %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%c0, %n0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %sq = arith.muli %cols, %cols : tensor<16x8xi32>
    %mask = arith.cmpi sge, %rows, %sq : tensor<16x8xi32>
    %ninfs = tile.splat %ninf : f32 -> tensor<16x8xf32>
    %sm = arith.select %mask, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %rm = tile.reduce max %sm axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %sm, %b : tensor<16x8xf32>
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

// Negative: two independently masked tiles.
// CHECK-LABEL: tile.kernel @neg_two_masked_tiles
// CHECK: scf.for
// CHECK-NOT: scf.for
// CHECK: arith.select
// CHECK: {{(tile\.)?}}return
tile.kernel @neg_two_masked_tiles(%x: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?xf32, strided<[1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 8 : index
  %c16_i32 = arith.constant 16 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %m0 = arith.muli %pid, %c16_i32 : i32
  %m_init = tile.splat %ninf : f32 -> tensor<16xf32>
  %l_init = arith.constant dense<0.0> : tensor<16xf32>
  %ri = tile.iota : tensor<16xi32>
  %m0s = tile.splat %m0 : i32 -> tensor<16xi32>
  %rows1 = arith.addi %ri, %m0s : tensor<16xi32>
  %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
  %r:2 = scf.for %n0 = %c0 to %ub step %step iter_args(%m = %m_init, %l = %l_init) -> (tensor<16xf32>, tensor<16xf32>) {
    %n0i = arith.index_cast %n0 : index to i32
    %ci = tile.iota : tensor<8xi32>
    %n0s = tile.splat %n0i : i32 -> tensor<8xi32>
    %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
    %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
    %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%c0, %n0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %mask = arith.cmpi sge, %rows, %cols : tensor<16x8xi32>
    %ninfs = tile.splat %ninf : f32 -> tensor<16x8xf32>
    %sm = arith.select %mask, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %other = arith.select %mask, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    tile.store %other, %x[%c0, %n0] : tensor<16x8xf32>, memref<?x?xf32, strided<[?, 1]>>
    %rm = tile.reduce max %sm axis 1 : tensor<16x8xf32> -> tensor<16xf32>
    %mn = arith.maximumf %m, %rm : tensor<16xf32>
    %e = tile.expand_dims %mn axis 1 : tensor<16xf32> -> tensor<16x1xf32>
    %b = tile.broadcast %e : tensor<16x1xf32> -> tensor<16x8xf32>
    %d = arith.subf %sm, %b : tensor<16x8xf32>
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

// A causal flash-attention forward kernel as the frontend emits it (causal
// and key-length masks joined by andi, three iteration arguments). The
// unmasked loop keeps every loop-carried value and loses the whole mask
// computation; the diagonal loop keeps it and ends at min(ub, m0 + 64, NK).
// CHECK-LABEL: tile.kernel @flash_fwd
// CHECK: %[[M0:.*]] = arith.muli
// CHECK: %[[M0I:.*]] = arith.index_cast %[[M0]] : i32 to index
// CHECK: %[[NK:.*]] = memref.dim %arg1
// CHECK: %[[UB:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK: %[[DIAG:.*]] = arith.addi %[[M0I]], %c64 : index
// CHECK: %[[F:.*]] = arith.minsi %[[DIAG]], %[[NK]] : index
// CHECK: %[[UB2:.*]] = arith.minsi %[[UB]], %[[F]] : index
// CHECK: %[[R1:.*]]:3 = scf.for %{{.*}} = %c0 to %{{.*}} step %c32 iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>)
// CHECK-NOT: iota
// CHECK-NOT: arith.cmpi
// CHECK-NOT: arith.select
// CHECK: math.exp
// CHECK: scf.yield
// CHECK: %[[R2:.*]]:3 = scf.for %{{.*}} = %{{.*}} to %[[UB2]] step %c32 iter_args(%{{.*}} = %[[R1]]#0, %{{.*}} = %[[R1]]#1, %{{.*}} = %[[R1]]#2)
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi slt
// CHECK: arith.andi
// CHECK: arith.select
// CHECK: scf.yield
// CHECK: arith.divf %[[R2]]#2
// CHECK: arith.addf %[[R2]]#0
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

// The backward's query-block loop: the causal mask rows >= cols switches on
// as m0 advances, the key-length mask cols < NK does not depend on the loop,
// and the body writes memory (atomic_add). The loop is split into masked
// head blocks and a tail that keeps only the key-length mask; neither bound
// is narrowed.
// TWICE-LABEL: tile.kernel @query_loop_switch_on_with_atomic
// TWICE-COUNT-2: scf.for
// TWICE-NOT: scf.for
// TWICE-LABEL: tile.kernel @neg_mixed_directions
// CHECK-LABEL: tile.kernel @query_loop_switch_on_with_atomic
// CHECK-SAME: %[[NK:[a-z0-9]+]]: i32, %[[UB:[a-z0-9]+]]: index)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C7:.*]] = arith.constant 7 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: %[[N0:.*]] = arith.muli
// CHECK: %[[N0I:.*]] = arith.index_cast %[[N0]] : i32 to index
// CHECK: %[[FT:.*]] = arith.addi %[[N0I]], %[[C7]] : index
// CHECK: %[[START:.*]] = arith.muli %{{.*}}, %[[C16]] : index
// CHECK: %[[R1:.*]] = scf.for %{{.*}} = %[[C0]] to %[[START]] step %[[C16]]
// CHECK-DAG: arith.cmpi slt
// CHECK-DAG: arith.cmpi sge
// CHECK: tile.atomic_add
// CHECK: } {tile.masked_blocks}
// CHECK: scf.for %{{.*}} = %[[START]] to %[[UB]] step %[[C16]] iter_args(%{{.*}} = %[[R1]])
// CHECK-NOT: arith.cmpi sge
// CHECK: arith.cmpi slt
// CHECK: arith.select
// CHECK-NOT: arith.select
// CHECK: tile.atomic_add
// CHECK: scf.yield
tile.kernel @query_loop_switch_on_with_atomic(%x: memref<?x?xf32, strided<[?, 1]>>, %g: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?x?xf32, strided<[?, 1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 16 : index
  %c8_i32 = arith.constant 8 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %n0 = arith.muli %pid, %c8_i32 : i32
  %n0x = arith.index_cast %n0 : i32 to index
  %init = arith.constant dense<0.0> : tensor<16x8xf32>
  %ci = tile.iota : tensor<8xi32>
  %n0s = tile.splat %n0 : i32 -> tensor<8xi32>
  %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
  %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
  %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
  %nks = tile.splat %nk : i32 -> tensor<16x8xi32>
  %ninfs = tile.splat %ninf : f32 -> tensor<16x8xf32>
  %r = scf.for %m0 = %c0 to %ub step %step iter_args(%acc = %init) -> (tensor<16x8xf32>) {
    %m0i = arith.index_cast %m0 : index to i32
    %ri = tile.iota : tensor<16xi32>
    %m0s = tile.splat %m0i : i32 -> tensor<16xi32>
    %rows1 = arith.addi %m0s, %ri : tensor<16xi32>
    %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
    %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%m0, %n0x] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %mk = arith.cmpi slt, %cols, %nks : tensor<16x8xi32>
    %s1 = arith.select %mk, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %mc = arith.cmpi sge, %rows, %cols : tensor<16x8xi32>
    %s2 = arith.select %mc, %s1, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %p = math.exp %s2 : tensor<16x8xf32>
    tile.atomic_add %p, %g[%m0, %n0x] dims [0, 1] : tensor<16x8xf32>, memref<?x?xf32, strided<[?, 1]>>
    %acc2 = arith.addf %acc, %p : tensor<16x8xf32>
    scf.yield %acc2 : tensor<16x8xf32>
  }
  tile.store %r, %out[%c0, %c0] : tensor<16x8xf32>, memref<?x?xf32, strided<[?, 1]>>
  tile.return
}

// -----

// Negative: one mask switches off (key length, n0 + j < NK) and one switches
// on (cols >= rows) in the same loop.
// CHECK-LABEL: tile.kernel @neg_mixed_directions
// CHECK: scf.for
// CHECK-NOT: scf.for
// CHECK: {{(tile\.)?}}return
tile.kernel @neg_mixed_directions(%x: memref<?x?xf32, strided<[?, 1]>>, %out: memref<?x?xf32, strided<[?, 1]>>, %nk: i32, %ub: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %step = arith.constant 8 : index
  %c16_i32 = arith.constant 16 : i32
  %ninf = arith.constant 0xFF800000 : f32
  %pid = tile.program_id 0 : i32
  %m0 = arith.muli %pid, %c16_i32 : i32
  %init = arith.constant dense<0.0> : tensor<16x8xf32>
  %ri = tile.iota : tensor<16xi32>
  %m0s = tile.splat %m0 : i32 -> tensor<16xi32>
  %rows1 = arith.addi %ri, %m0s : tensor<16xi32>
  %rows2 = tile.expand_dims %rows1 axis 1 : tensor<16xi32> -> tensor<16x1xi32>
  %rows = tile.broadcast %rows2 : tensor<16x1xi32> -> tensor<16x8xi32>
  %nks = tile.splat %nk : i32 -> tensor<16x8xi32>
  %ninfs = tile.splat %ninf : f32 -> tensor<16x8xf32>
  %r = scf.for %n0 = %c0 to %ub step %step iter_args(%acc = %init) -> (tensor<16x8xf32>) {
    %n0i = arith.index_cast %n0 : index to i32
    %ci = tile.iota : tensor<8xi32>
    %n0s = tile.splat %n0i : i32 -> tensor<8xi32>
    %cols1 = arith.addi %n0s, %ci : tensor<8xi32>
    %cols2 = tile.expand_dims %cols1 axis 0 : tensor<8xi32> -> tensor<1x8xi32>
    %cols = tile.broadcast %cols2 : tensor<1x8xi32> -> tensor<16x8xi32>
    %s = tile.load %x[%c0, %n0] : memref<?x?xf32, strided<[?, 1]>> -> tensor<16x8xf32>
    %mk = arith.cmpi slt, %cols, %nks : tensor<16x8xi32>
    %s1 = arith.select %mk, %s, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %mc = arith.cmpi sge, %cols, %rows : tensor<16x8xi32>
    %s2 = arith.select %mc, %s1, %ninfs : tensor<16x8xi1>, tensor<16x8xf32>
    %p = math.exp %s2 : tensor<16x8xf32>
    %acc2 = arith.addf %acc, %p : tensor<16x8xf32>
    scf.yield %acc2 : tensor<16x8xf32>
  }
  tile.store %r, %out[%c0, %c0] : tensor<16x8xf32>, memref<?x?xf32, strided<[?, 1]>>
  tile.return
}
