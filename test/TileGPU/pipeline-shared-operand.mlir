// RUN: fa-opt %s -fa-tile-to-tilegpu="target=sm_80 num-stages=2" | FileCheck %s
// RUN: fa-opt %s -fa-tile-to-tilegpu="target=sm_80 num-stages=3" | FileCheck %s --check-prefix=S3
// A tile read by two dots is loaded and pipelined once: the backward
// kernel's loop over query blocks reads Q into dot(q, trans(k)) (A operand)
// and dot(trans(ds), q) (B operand), and dO likewise. Each gets one ring,
// whose slot both dots read.

!g = memref<?x?xbf16, strided<[?, 1]>>
!r = memref<?x?xf32, strided<[?, 1]>>

// CHECK-LABEL: tile.kernel @bwd_like
// CHECK: %[[QR:.*]] = tilegpu.alloc_ring {{.*}} : !tilegpu.smem<2x64x64xbf16
// CHECK: %[[DR:.*]] = tilegpu.alloc_ring {{.*}} : !tilegpu.smem<2x64x64xbf16
// CHECK-NOT: tilegpu.alloc_ring
// CHECK: scf.for
// CHECK: %[[SLOT:.*]] = arith.remsi
// CHECK: tilegpu.async_wait 0
// CHECK-NEXT: tilegpu.barrier
// One copy per ring per iteration.
// CHECK: tilegpu.async_copy %arg0
// CHECK: tilegpu.async_copy %arg1
// CHECK-NOT: tilegpu.async_copy
// CHECK: tilegpu.async_commit
// dot(q, trans(k)) reads Q's slot as its A operand ...
// CHECK: %[[Q1:.*]] = tilegpu.ring_slot %[[QR]][%[[SLOT]]]
// CHECK-NEXT: %[[QA:.*]] = tilegpu.local_load %[[Q1]] {{.*}} -> tensor<64x64xbf16, #tilegpu.dot_op<opIdx = 0
// CHECK: tile.dot %[[QA]],
// ... dO's slot feeds dot(trans(p), do) and dot(do, trans(v)) ...
// CHECK: %[[D1:.*]] = tilegpu.ring_slot %[[DR]][%[[SLOT]]]
// CHECK: tilegpu.local_load %[[D1]] {{.*}}opIdx = 1
// CHECK: tilegpu.local_load %[[D1]] {{.*}}opIdx = 0
// ... and dot(trans(ds), q) reads the same slot of Q as its B operand
// (ds is stored once and read through its transposed view).
// CHECK: tilegpu.trans_view
// CHECK-NEXT: tilegpu.local_load
// CHECK-NEXT: %[[QB:.*]] = tilegpu.local_load %[[Q1]] {{.*}} -> tensor<64x64xbf16, #tilegpu.dot_op<opIdx = 1
// CHECK-NEXT: tile.dot %{{.*}}, %[[QB]],
// CHECK-NOT: tile.load
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: tilegpu.async_wait 0
// S3-LABEL: tile.kernel @bwd_like
// S3-COUNT-2: tilegpu.alloc_ring {{.*}} : !tilegpu.smem<3x64x64xbf16
// S3-NOT: tilegpu.alloc_ring
// S3: scf.for
// S3: tilegpu.async_wait 1
tile.kernel @bwd_like(%q: !g {tile.dims = ["N", 64]}, %do: !g {tile.dims = ["N", 64]}, %k: !g {tile.dims = ["N", 64]}, %v: !g {tile.dims = ["N", 64]}, %dk: !r, %dv: !r) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %n = memref.dim %q, %c0 : !g
  %kt = tile.load %k[%c0, %c0] : !g -> tensor<64x64xbf16>
  %vt = tile.load %v[%c0, %c0] : !g -> tensor<64x64xbf16>
  %z = arith.constant dense<0.0> : tensor<64x64xf32>
  %r:2 = scf.for %m = %c0 to %n step %c64 iter_args(%adk = %z, %adv = %z) -> (tensor<64x64xf32>, tensor<64x64xf32>) {
    %qi = tile.load %q[%m, %c0] : !g -> tensor<64x64xbf16>
    %doi = tile.load %do[%m, %c0] : !g -> tensor<64x64xbf16>
    %ktt = tile.trans %kt : tensor<64x64xbf16> -> tensor<64x64xbf16>
    %s = tile.dot %qi, %ktt, %z : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
    %p = arith.truncf %s : tensor<64x64xf32> to tensor<64x64xbf16>
    %pt = tile.trans %p : tensor<64x64xbf16> -> tensor<64x64xbf16>
    %adv2 = tile.dot %pt, %doi, %adv : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
    %vtt = tile.trans %vt : tensor<64x64xbf16> -> tensor<64x64xbf16>
    %dp = tile.dot %doi, %vtt, %z : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
    %ds = arith.truncf %dp : tensor<64x64xf32> to tensor<64x64xbf16>
    %dst = tile.trans %ds : tensor<64x64xbf16> -> tensor<64x64xbf16>
    %adk2 = tile.dot %dst, %qi, %adk : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
    scf.yield %adk2, %adv2 : tensor<64x64xf32>, tensor<64x64xf32>
  }
  tile.store %r#0, %dk[%c0, %c0] : tensor<64x64xf32>, !r
  tile.store %r#1, %dv[%c0, %c0] : tensor<64x64xf32>, !r
  tile.return
}
