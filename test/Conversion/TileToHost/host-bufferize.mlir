// RUN: fa-opt %s -tile-host-bufferize | FileCheck %s
// RUN: fa-opt %s -one-shot-bufferize | FileCheck %s --check-prefix=UPSTREAM

#id = affine_map<(d0) -> (d0)>

// %a is read after the generic updates it, so the generic works on a copy.
// The copy is a linalg.copy (lowered to loops), not memref.copy (a call into
// a runtime library the JIT does not load).
// CHECK-LABEL: func.func @needs_copy
// CHECK: %[[A:.*]] = memref.alloc() {{.*}} : memref<8xf32>
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[A]] : memref<8xf32>)
// CHECK: %[[B:.*]] = memref.alloc() {{.*}} : memref<8xf32>
// CHECK: linalg.copy ins(%[[A]] : memref<8xf32>) outs(%[[B]] : memref<8xf32>)
// CHECK-NOT: memref.copy
// CHECK: linalg.generic {{.*}} outs(%[[B]] : memref<8xf32>)
// UPSTREAM-LABEL: func.func @needs_copy
// UPSTREAM: memref.copy
func.func @needs_copy(%x: f32) -> (f32, f32) {
  %e = tensor.empty() : tensor<8xf32>
  %a = linalg.fill ins(%x : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %b = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
      outs(%a : tensor<8xf32>) {
  ^bb0(%o: f32):
    %s = arith.addf %o, %o : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %c0 = arith.constant 0 : index
  %ra = tensor.extract %a[%c0] : tensor<8xf32>
  %rb = tensor.extract %b[%c0] : tensor<8xf32>
  return %ra, %rb : f32, f32
}

// A tile written into a window of a global tensor is copied with linalg.copy.
// CHECK-LABEL: func.func @materialize
// CHECK-SAME: (%[[T:.*]]: memref<4xf32>, %[[G:.*]]: memref<?xf32, strided<[1], offset: ?>>)
// CHECK: %[[TB:.*]] = memref.cast %[[T]] : memref<4xf32> to memref<?xf32>
// CHECK: linalg.copy ins(%[[TB]] : memref<?xf32>) outs(%[[G]] : memref<?xf32, strided<[1], offset: ?>>)
// CHECK-NOT: memref.copy
func.func @materialize(%t: memref<4xf32>, %g: memref<?xf32, strided<[1], offset: ?>>) {
  %tt = bufferization.to_tensor %t restrict : memref<4xf32> to tensor<4xf32>
  %c = tensor.cast %tt : tensor<4xf32> to tensor<?xf32>
  bufferization.materialize_in_destination %c in restrict writable %g : (tensor<?xf32>, memref<?xf32, strided<[1], offset: ?>>) -> ()
  return
}
