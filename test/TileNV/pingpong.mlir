// RUN: fa-opt %s -split-input-file -tilegpu-pingpong -verify-diagnostics | FileCheck %s

// Warp-specialized kernels (as tilegpu-warp-specialize leaves them) with
// two consumer warpgroups (256 consumer threads).

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [8, 1], order = [1, 0]>
#m3 = #tilenv.mma<version = 3, warpsPerCTA = [8, 1], instrShape = [64, 64, 16]>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
#a = #tilegpu.dot_op<opIdx = 0, parent = #m3>
#o = #tilegpu.dot_op<opIdx = 1, parent = #m3>
!g = memref<?x?xbf16, strided<[?, 1]>>

// Today's flash forward: per iteration QKᵀ is issued and waited for, the
// softmax runs, then P·V is issued and waited for: two windows an
// iteration, each the dot issue alone (the wait, the softmax and the
// conversion of P stay outside). Both loops of a causal split get them
// (their bounds come from program ids, sizes and arguments: the same in
// every thread). Warpgroup 1
// arrives at barrier 2 first, warpgroup 0 takes the last arrival back at
// the end; the producer gets no barrier.
// CHECK-LABEL: tile.kernel @two_loops
// CHECK: scf.if %{{.*}} {
// CHECK-NEXT: tilenv.setmaxnreg 24 increase = false
// CHECK-NOT: tilenv.named_barrier
// CHECK: } else {
// CHECK-NEXT: tilenv.setmaxnreg 240 increase = true
// CHECK-NEXT: tilenv.named_barrier_arrive [-1, 2] threads 256
// CHECK-NOT: tilenv.named_barrier
// CHECK: scf.for
// CHECK-NOT: tilenv.named_barrier
// CHECK: tilenv.named_barrier_sync [2, 3] threads 256
// CHECK-NEXT: tilegpu.dot_async
// CHECK-NEXT: tilenv.named_barrier_arrive [3, 2] threads 256
// CHECK-NEXT: tilegpu.dot_wait
// CHECK-NEXT: math.exp2
// CHECK-NEXT: arith.truncf
// CHECK-NEXT: tilegpu.convert_layout
// CHECK-NEXT: tilenv.named_barrier_sync [2, 3] threads 256
// CHECK-NEXT: tilegpu.dot_async
// CHECK-NEXT: tilenv.named_barrier_arrive [3, 2] threads 256
// CHECK-NEXT: tilegpu.dot_wait
// CHECK-NEXT: scf.yield
// CHECK: scf.for
// CHECK: tilenv.named_barrier_sync [2, 3] threads 256
// CHECK-NEXT: tilegpu.dot_async
// CHECK-NEXT: tilenv.named_barrier_arrive [3, 2] threads 256
// CHECK: tilenv.named_barrier_sync [2, 3] threads 256
// CHECK-NEXT: tilegpu.dot_async
// CHECK-NEXT: tilenv.named_barrier_arrive [3, 2] threads 256
// CHECK-NOT: tilenv.named_barrier
// CHECK: tile.store
// CHECK-NEXT: tilenv.named_barrier_sync [2, -1] threads 256
// CHECK-NEXT: }
module attributes {tilegpu.target = #tilegpu.target<"sm_90a", warps = 8, threads_per_warp = 32>} {
tile.kernel @two_loops(%x: !g {tile.dims = ["N", 64]}, %n: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} attributes {tilegpu.producer_warps = 4 : i32} {
  %p = tilenv.producer_warpgroup consumers 256
  scf.if %p {
    tilenv.setmaxnreg 24 increase = false
  } else {
    tilenv.setmaxnreg 240 increase = true
    %c0 = arith.constant 0 : index
    %c64 = arith.constant 64 : index
    %z = arith.constant dense<0.0> : tensor<128x64xf32, #m3>
    %pid = tile.program_id 0 : i32
    %m0 = arith.index_cast %pid : i32 to index
    %len = memref.dim %x, %c0 : !g
    %mid = arith.minsi %m0, %len : index
    %q = tile.load %x[%c0, %c0] : !g -> tensor<128x64xbf16, #b>
    %qs = tilegpu.local_alloc %q : tensor<128x64xbf16, #b> -> !tilegpu.smem<128x64xbf16, #s>
    %k = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
    %ks = tilegpu.local_alloc %k : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %r1 = scf.for %i = %c0 to %mid step %c64 iter_args(%acc = %z) -> (tensor<128x64xf32, #m3>) {
      %qa = tilegpu.local_load %qs : !tilegpu.smem<128x64xbf16, #s> -> tensor<128x64xbf16, #a>
      %kb = tilegpu.local_load %ks : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #o>
      %sa = tilegpu.dot_async %qa, %kb, %z : tensor<128x64xbf16, #a>, tensor<64x64xbf16, #o> -> tensor<128x64xf32, #m3>
      %sw = tilegpu.dot_wait %sa {pendings = 0 : i32} : tensor<128x64xf32, #m3> -> tensor<128x64xf32, #m3>
      %e = math.exp2 %sw : tensor<128x64xf32, #m3>
      %pb = arith.truncf %e : tensor<128x64xf32, #m3> to tensor<128x64xbf16, #m3>
      %pa = tilegpu.convert_layout %pb : tensor<128x64xbf16, #m3> -> tensor<128x64xbf16, #a>
      %oa = tilegpu.dot_async %pa, %kb, %acc : tensor<128x64xbf16, #a>, tensor<64x64xbf16, #o> -> tensor<128x64xf32, #m3>
      %ow = tilegpu.dot_wait %oa {pendings = 0 : i32} : tensor<128x64xf32, #m3> -> tensor<128x64xf32, #m3>
      scf.yield %ow : tensor<128x64xf32, #m3>
    }
    %r2 = scf.for %i = %mid to %n step %c64 iter_args(%acc = %r1) -> (tensor<128x64xf32, #m3>) {
      %qa = tilegpu.local_load %qs : !tilegpu.smem<128x64xbf16, #s> -> tensor<128x64xbf16, #a>
      %kb = tilegpu.local_load %ks : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #o>
      %sa = tilegpu.dot_async %qa, %kb, %z : tensor<128x64xbf16, #a>, tensor<64x64xbf16, #o> -> tensor<128x64xf32, #m3>
      %sw = tilegpu.dot_wait %sa {pendings = 0 : i32} : tensor<128x64xf32, #m3> -> tensor<128x64xf32, #m3>
      %pb = arith.truncf %sw : tensor<128x64xf32, #m3> to tensor<128x64xbf16, #m3>
      %pa = tilegpu.convert_layout %pb : tensor<128x64xbf16, #m3> -> tensor<128x64xbf16, #a>
      %oa = tilegpu.dot_async %pa, %kb, %acc : tensor<128x64xbf16, #a>, tensor<64x64xbf16, #o> -> tensor<128x64xf32, #m3>
      %ow = tilegpu.dot_wait %oa {pendings = 0 : i32} : tensor<128x64xf32, #m3> -> tensor<128x64xf32, #m3>
      scf.yield %ow : tensor<128x64xf32, #m3>
    }
    %rb = arith.truncf %r2 : tensor<128x64xf32, #m3> to tensor<128x64xbf16, #m3>
    tile.store %rb, %x[%c0, %c0] : tensor<128x64xbf16, #m3>, !g
  }
  tile.return
}
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [8, 1], order = [1, 0]>
#m3 = #tilenv.mma<version = 3, warpsPerCTA = [8, 1], instrShape = [64, 64, 16]>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
#a = #tilegpu.dot_op<opIdx = 0, parent = #m3>
#o = #tilegpu.dot_op<opIdx = 1, parent = #m3>
!g = memref<?x?xbf16, strided<[?, 1]>>

// FlashAttention-3's intra-warpgroup overlap: QKᵀ of block n and P·V of
// block n - 1 issued back to back (the rescale of the accumulator and the
// wait for a slot between them) form one window; the P·V left after the
// loop is a window of its own; the waits and the softmax stay outside.
// A branch whose condition is a scalar (the same in every thread) may hold
// a window.
// CHECK-LABEL: tile.kernel @overlapped
// CHECK: tilenv.named_barrier_arrive [-1, 2] threads 256
// CHECK: scf.for
// CHECK-NOT: tilenv.named_barrier
// CHECK: tilenv.named_barrier_sync [2, 3] threads 256
// CHECK-NEXT: tilegpu.dot_async
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: tilenv.mbarrier_wait
// CHECK-NEXT: tilegpu.dot_async
// CHECK-NEXT: tilenv.named_barrier_arrive [3, 2] threads 256
// CHECK-NOT: tilenv.named_barrier
// CHECK: scf.yield
// CHECK: scf.if
// CHECK-NEXT: tilegpu.local_load
// CHECK-NEXT: tilenv.named_barrier_sync [2, 3] threads 256
// CHECK-NEXT: tilegpu.dot_async
// CHECK-NEXT: tilenv.named_barrier_arrive [3, 2] threads 256
// CHECK-NEXT: tilegpu.dot_wait
// CHECK-NOT: tilenv.named_barrier
// CHECK: tilenv.named_barrier_sync [2, -1] threads 256
// CHECK-NEXT: }
module attributes {tilegpu.target = #tilegpu.target<"sm_90a", warps = 8, threads_per_warp = 32>} {
tile.kernel @overlapped(%x: !g {tile.dims = ["N", 64]}, %n: index) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} attributes {tilegpu.producer_warps = 4 : i32} {
  %p = tilenv.producer_warpgroup consumers 256
  scf.if %p {
    tilenv.setmaxnreg 24 increase = false
  } else {
    tilenv.setmaxnreg 240 increase = true
    %c0 = arith.constant 0 : index
    %c64 = arith.constant 64 : index
    %z = arith.constant dense<0.0> : tensor<128x64xf32, #m3>
    %zp = arith.constant dense<0.0> : tensor<128x64xbf16, #a>
    %q = tile.load %x[%c0, %c0] : !g -> tensor<128x64xbf16, #b>
    %qs = tilegpu.local_alloc %q : tensor<128x64xbf16, #b> -> !tilegpu.smem<128x64xbf16, #s>
    %k = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
    %ks = tilegpu.local_alloc %k : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %full = tilegpu.alloc_ring : !tilegpu.smem<2x1xi64, #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]>>
    %r:2 = scf.for %i = %c0 to %n step %c64 iter_args(%acc = %z, %pprev = %zp) -> (tensor<128x64xf32, #m3>, tensor<128x64xbf16, #a>) {
      %qa = tilegpu.local_load %qs : !tilegpu.smem<128x64xbf16, #s> -> tensor<128x64xbf16, #a>
      %kb = tilegpu.local_load %ks : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #o>
      %sa = tilegpu.dot_async %qa, %kb, %z : tensor<128x64xbf16, #a>, tensor<64x64xbf16, #o> -> tensor<128x64xf32, #m3>
      %scaled = arith.mulf %acc, %acc : tensor<128x64xf32, #m3>
      tilenv.mbarrier_wait %full[%c0], %c0 : !tilegpu.smem<2x1xi64, #tilegpu.shared<vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]>>
      %oa = tilegpu.dot_async %pprev, %kb, %scaled : tensor<128x64xbf16, #a>, tensor<64x64xbf16, #o> -> tensor<128x64xf32, #m3>
      %sw = tilegpu.dot_wait %sa {pendings = 1 : i32} : tensor<128x64xf32, #m3> -> tensor<128x64xf32, #m3>
      %e = math.exp2 %sw : tensor<128x64xf32, #m3>
      %pb = arith.truncf %e : tensor<128x64xf32, #m3> to tensor<128x64xbf16, #m3>
      %pa = tilegpu.convert_layout %pb : tensor<128x64xbf16, #m3> -> tensor<128x64xbf16, #a>
      %ow = tilegpu.dot_wait %oa {pendings = 0 : i32} : tensor<128x64xf32, #m3> -> tensor<128x64xf32, #m3>
      scf.yield %ow, %pa : tensor<128x64xf32, #m3>, tensor<128x64xbf16, #a>
    }
    %any = arith.cmpi sgt, %n, %c0 : index
    %last = scf.if %any -> (tensor<128x64xf32, #m3>) {
      %kb = tilegpu.local_load %ks : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #o>
      %oa = tilegpu.dot_async %r#1, %kb, %r#0 : tensor<128x64xbf16, #a>, tensor<64x64xbf16, #o> -> tensor<128x64xf32, #m3>
      %ow = tilegpu.dot_wait %oa {pendings = 0 : i32} : tensor<128x64xf32, #m3> -> tensor<128x64xf32, #m3>
      scf.yield %ow : tensor<128x64xf32, #m3>
    } else {
      scf.yield %r#0 : tensor<128x64xf32, #m3>
    }
    %rb = arith.truncf %last : tensor<128x64xf32, #m3> to tensor<128x64xbf16, #m3>
    tile.store %rb, %x[%c0, %c0] : tensor<128x64xbf16, #m3>, !g
  }
  tile.return
}
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [8, 1], order = [1, 0]>
#m3 = #tilenv.mma<version = 3, warpsPerCTA = [8, 1], instrShape = [64, 64, 16]>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
#a = #tilegpu.dot_op<opIdx = 0, parent = #m3>
#o = #tilegpu.dot_op<opIdx = 1, parent = #m3>
!g = memref<?x?xbf16, strided<[?, 1]>>

// A dot under a branch on a loop-carried flag: the warpgroups might meet a
// different number of windows (and hang), so nothing is placed.
// CHECK-LABEL: tile.kernel @carried_flag
// CHECK-NOT: tilenv.named_barrier
// CHECK: tile.store
module attributes {tilegpu.target = #tilegpu.target<"sm_90a", warps = 8, threads_per_warp = 32>} {
// expected-remark @below {{no pingpong: a branch around a dot has a condition that may differ between threads}}
tile.kernel @carried_flag(%x: !g {tile.dims = ["N", 64]}, %n: index, %f: i1) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} attributes {tilegpu.producer_warps = 4 : i32} {
  %p = tilenv.producer_warpgroup consumers 256
  scf.if %p {
    tilenv.setmaxnreg 24 increase = false
  } else {
    tilenv.setmaxnreg 240 increase = true
    %c0 = arith.constant 0 : index
    %c64 = arith.constant 64 : index
    %z = arith.constant dense<0.0> : tensor<128x64xf32, #m3>
    %q = tile.load %x[%c0, %c0] : !g -> tensor<128x64xbf16, #b>
    %qs = tilegpu.local_alloc %q : tensor<128x64xbf16, #b> -> !tilegpu.smem<128x64xbf16, #s>
    %k = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
    %ks = tilegpu.local_alloc %k : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %r:2 = scf.for %i = %c0 to %n step %c64 iter_args(%acc = %z, %flag = %f) -> (tensor<128x64xf32, #m3>, i1) {
      %d = scf.if %flag -> (tensor<128x64xf32, #m3>) {
        %qa = tilegpu.local_load %qs : !tilegpu.smem<128x64xbf16, #s> -> tensor<128x64xbf16, #a>
        %kb = tilegpu.local_load %ks : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #o>
        %sa = tilegpu.dot_async %qa, %kb, %acc : tensor<128x64xbf16, #a>, tensor<64x64xbf16, #o> -> tensor<128x64xf32, #m3>
        %sw = tilegpu.dot_wait %sa {pendings = 0 : i32} : tensor<128x64xf32, #m3> -> tensor<128x64xf32, #m3>
        scf.yield %sw : tensor<128x64xf32, #m3>
      } else {
        scf.yield %acc : tensor<128x64xf32, #m3>
      }
      %t = arith.constant true
      %nf = arith.xori %flag, %t : i1
      scf.yield %d, %nf : tensor<128x64xf32, #m3>, i1
    }
    %rb = arith.truncf %r#0 : tensor<128x64xf32, #m3> to tensor<128x64xbf16, #m3>
    tile.store %rb, %x[%c0, %c0] : tensor<128x64xbf16, #m3>, !g
  }
  tile.return
}
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]>
#m3 = #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 64, 16]>
#s = #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>
#a = #tilegpu.dot_op<opIdx = 0, parent = #m3>
#o = #tilegpu.dot_op<opIdx = 1, parent = #m3>
!g = memref<?x?xbf16, strided<[?, 1]>>

// One consumer warpgroup: nobody to take turns with.
// CHECK-LABEL: tile.kernel @one_warpgroup
// CHECK-NOT: tilenv.named_barrier
// CHECK: tile.store
module attributes {tilegpu.target = #tilegpu.target<"sm_90a", warps = 4, threads_per_warp = 32>} {
// expected-remark @below {{no pingpong: it has 128 consumer threads, not two warpgroups}}
tile.kernel @one_warpgroup(%x: !g {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} attributes {tilegpu.producer_warps = 4 : i32} {
  %p = tilenv.producer_warpgroup consumers 128
  scf.if %p {
    tilenv.setmaxnreg 24 increase = false
  } else {
    tilenv.setmaxnreg 240 increase = true
    %c0 = arith.constant 0 : index
    %z = arith.constant dense<0.0> : tensor<64x64xf32, #m3>
    %q = tile.load %x[%c0, %c0] : !g -> tensor<64x64xbf16, #b>
    %qs = tilegpu.local_alloc %q : tensor<64x64xbf16, #b> -> !tilegpu.smem<64x64xbf16, #s>
    %qa = tilegpu.local_load %qs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #a>
    %kb = tilegpu.local_load %qs : !tilegpu.smem<64x64xbf16, #s> -> tensor<64x64xbf16, #o>
    %sa = tilegpu.dot_async %qa, %kb, %z : tensor<64x64xbf16, #a>, tensor<64x64xbf16, #o> -> tensor<64x64xf32, #m3>
    %sw = tilegpu.dot_wait %sa {pendings = 0 : i32} : tensor<64x64xf32, #m3> -> tensor<64x64xf32, #m3>
    %rb = arith.truncf %sw : tensor<64x64xf32, #m3> to tensor<64x64xbf16, #m3>
    tile.store %rb, %x[%c0, %c0] : tensor<64x64xbf16, #m3>, !g
  }
  tile.return
}
}

// -----

#b = #tilegpu.blocked<sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [8, 1], order = [1, 0]>
!g = memref<?x?xbf16, strided<[?, 1]>>

// Not warp-specialized: no consumer branch to place barriers in.
// CHECK-LABEL: tile.kernel @plain
// CHECK-NOT: tilenv.named_barrier
module attributes {tilegpu.target = #tilegpu.target<"sm_90a", warps = 8, threads_per_warp = 32>} {
// expected-remark @below {{no pingpong: the kernel is not warp-specialized}}
tile.kernel @plain(%x: !g {tile.dims = ["N", 64]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %t = tile.load %x[%c0, %c0] : !g -> tensor<128x64xbf16, #b>
  tile.store %t, %x[%c0, %c0] : tensor<128x64xbf16, #b>, !g
  tile.return
}
}

// -----

// The barrier ops' own checks.
module {
// expected-error @below {{barrier id 1 is not in [2, 15] (nor -1)}}
tilenv.named_barrier_sync [1, 3] threads 256
}

// -----

module {
// expected-error @below {{needs a barrier id for some warpgroup}}
tilenv.named_barrier_arrive [-1, -1] threads 256
}

// -----

module {
// expected-error @below {{thread count must be a positive multiple of 32}}
tilenv.named_barrier_arrive [2, 3] threads 100
}
