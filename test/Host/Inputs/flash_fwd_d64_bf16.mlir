// Flash attention forward written by hand in `tile` IR (HEAD_DIM = 64,
// T = bf16, BLOCK_M = BLOCK_N = 32, not causal), following
// docs/ir-conventions.md. Used to test the host path independently of the
// `.tile` front end. Query head h reads key/value head h / (H / HKV); key
// columns >= NK are masked to -inf; rows >= N are dropped by the store.

!gT = memref<?x?x?x?xbf16, strided<[?, ?, ?, 1]>>
!gL = memref<?x?x?xf32, strided<[?, ?, 1]>>

tile.kernel @flash_fwd(
    %q: !gT {tile.name = "q", tile.dims = ["B", "H", "N", 64]},
    %k: !gT {tile.name = "k", tile.dims = ["B", "HKV", "NK", 64]},
    %v: !gT {tile.name = "v", tile.dims = ["B", "HKV", "NK", 64]},
    %o: !gT {tile.name = "o", tile.dims = ["B", "H", "N", 64]},
    %lse: !gL {tile.name = "lse", tile.dims = ["B", "H", "N"]},
    %scale: f32 {tile.name = "scale"}) grid {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %bm = arith.constant 32 : index
  %b = memref.dim %q, %c0 : !gT
  %h = memref.dim %q, %c1 : !gT
  %n = memref.dim %q, %c2 : !gT
  %gx = arith.ceildivsi %n, %bm : index
  tile.yield %gx, %h, %b : index, index, index
} params {BLOCK_M = 32 : i64, BLOCK_N = 32 : i64, HEAD_DIM = 64 : i64,
          CAUSAL = false, T = bf16} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %bn = arith.constant 32 : index
  %bm_i = arith.constant 32 : i32
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %ninf = arith.constant 0xFF800000 : f32

  %pid0 = tile.program_id 0 : i32
  %pid1 = tile.program_id 1 : i32
  %pid2 = tile.program_id 2 : i32
  %m0_i = arith.muli %pid0, %bm_i : i32
  %m0 = arith.index_cast %m0_i : i32 to index
  %hq = arith.index_cast %pid1 : i32 to index
  %bb = arith.index_cast %pid2 : i32 to index
  %nh = memref.dim %q, %c1 : !gT
  %nhkv = memref.dim %k, %c1 : !gT
  %group = arith.divsi %nh, %nhkv : index
  %hk = arith.divsi %hq, %group : index
  %nk = memref.dim %k, %c2 : !gT
  %nk_i = arith.index_cast %nk : index to i32

  %qt = tile.load %q[%bb, %hq, %m0, %c0] dims [2, 3] : !gT -> tensor<32x64xbf16>
  %m_init = tile.splat %ninf : f32 -> tensor<32xf32>
  %l_init = tile.splat %zero : f32 -> tensor<32xf32>
  %acc_init = tile.splat %zero : f32 -> tensor<32x64xf32>
  %s_zero = tile.splat %zero : f32 -> tensor<32x32xf32>
  %scale_t = tile.splat %scale : f32 -> tensor<32x32xf32>
  %ninf_t = tile.splat %ninf : f32 -> tensor<32x32xf32>
  %ninf_r = tile.splat %ninf : f32 -> tensor<32xf32>
  %zero_r = tile.splat %zero : f32 -> tensor<32xf32>
  %one_r = tile.splat %one : f32 -> tensor<32xf32>
  %nk_t = tile.splat %nk_i : i32 -> tensor<32xi32>
  %iota = tile.iota : tensor<32xi32>

  %res:3 = scf.for %n0 = %c0 to %nk step %bn
      iter_args(%m_i = %m_init, %l_i = %l_init, %acc = %acc_init)
      -> (tensor<32xf32>, tensor<32xf32>, tensor<32x64xf32>) {
    %kt = tile.load %k[%bb, %hk, %n0, %c0] dims [2, 3] : !gT -> tensor<32x64xbf16>
    %ktt = tile.trans %kt : tensor<32x64xbf16> -> tensor<64x32xbf16>
    %qk = tile.dot %qt, %ktt, %s_zero : tensor<32x64xbf16>, tensor<64x32xbf16> -> tensor<32x32xf32>
    %s0 = arith.mulf %qk, %scale_t : tensor<32x32xf32>
    // Mask key columns past NK.
    %n0_i = arith.index_cast %n0 : index to i32
    %n0_t = tile.splat %n0_i : i32 -> tensor<32xi32>
    %cols = arith.addi %iota, %n0_t : tensor<32xi32>
    %colok = arith.cmpi slt, %cols, %nk_t : tensor<32xi32>
    %colok2 = tile.expand_dims %colok axis 0 : tensor<32xi1> -> tensor<1x32xi1>
    %colok3 = tile.broadcast %colok2 : tensor<1x32xi1> -> tensor<32x32xi1>
    %s = arith.select %colok3, %s0, %ninf_t : tensor<32x32xi1>, tensor<32x32xf32>
    // Online softmax.
    %rowmax = tile.reduce max %s axis 1 : tensor<32x32xf32> -> tensor<32xf32>
    %m_new = arith.maximumf %m_i, %rowmax : tensor<32xf32>
    %isninf = arith.cmpf oeq, %m_new, %ninf_r : tensor<32xf32>
    %m_safe = arith.select %isninf, %zero_r, %m_new : tensor<32xi1>, tensor<32xf32>
    %ms2 = tile.expand_dims %m_safe axis 1 : tensor<32xf32> -> tensor<32x1xf32>
    %ms3 = tile.broadcast %ms2 : tensor<32x1xf32> -> tensor<32x32xf32>
    %sd = arith.subf %s, %ms3 : tensor<32x32xf32>
    %p = math.exp %sd : tensor<32x32xf32>
    %md = arith.subf %m_i, %m_safe : tensor<32xf32>
    %alpha = math.exp %md : tensor<32xf32>
    %la = arith.mulf %l_i, %alpha : tensor<32xf32>
    %rowsum = tile.reduce sum %p axis 1 : tensor<32x32xf32> -> tensor<32xf32>
    %l_new = arith.addf %la, %rowsum : tensor<32xf32>
    %al2 = tile.expand_dims %alpha axis 1 : tensor<32xf32> -> tensor<32x1xf32>
    %al3 = tile.broadcast %al2 : tensor<32x1xf32> -> tensor<32x64xf32>
    %acc_s = arith.mulf %acc, %al3 : tensor<32x64xf32>
    %pt = arith.truncf %p : tensor<32x32xf32> to tensor<32x32xbf16>
    %vt = tile.load %v[%bb, %hk, %n0, %c0] dims [2, 3] : !gT -> tensor<32x64xbf16>
    %acc_new = tile.dot %pt, %vt, %acc_s : tensor<32x32xbf16>, tensor<32x64xbf16> -> tensor<32x64xf32>
    scf.yield %m_new, %l_new, %acc_new : tensor<32xf32>, tensor<32xf32>, tensor<32x64xf32>
  }

  %iszero = arith.cmpf oeq, %res#1, %zero_r : tensor<32xf32>
  %l_safe = arith.select %iszero, %one_r, %res#1 : tensor<32xi1>, tensor<32xf32>
  %ls2 = tile.expand_dims %l_safe axis 1 : tensor<32xf32> -> tensor<32x1xf32>
  %ls3 = tile.broadcast %ls2 : tensor<32x1xf32> -> tensor<32x64xf32>
  %out = arith.divf %res#2, %ls3 : tensor<32x64xf32>
  %out_t = arith.truncf %out : tensor<32x64xf32> to tensor<32x64xbf16>
  tile.store %out_t, %o[%bb, %hq, %m0, %c0] dims [2, 3] : tensor<32x64xbf16>, !gT
  %logl = math.log %res#1 : tensor<32xf32>
  %lse_t = arith.addf %res#0, %logl : tensor<32xf32>
  tile.store %lse_t, %lse[%bb, %hq, %m0] dims [2] : tensor<32xf32>, !gL
  tile.return
}
