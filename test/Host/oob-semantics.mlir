// RUN: fa-opt %s -tile-to-host --mlir-very-unsafe-disable-verifier-on-parsing | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s
//
// Out-of-bounds rule of block accesses, run on the host: reads outside the
// global tensor give the padding value, writes outside it are dropped (TMA's
// rule), including blocks that start before the tensor and squeezed
// dimensions that are out of bounds.

!g = memref<?x?xf32, strided<[?, 1]>>

// Loads a 4x4 block of x at (-1, 3) with padding -1 and stores it at (0, 0)
// of y; loads row 5 of x (out of bounds, squeezed) and stores it into row 3 of
// y; stores a block of 7s at (1, 3) of z (partly out of bounds) and a row at
// the out-of-bounds squeezed row -1 of z.
tile.kernel @oob(%x: !g {tile.name = "x"}, %y: !g {tile.name = "y"},
                 %z: !g {tile.name = "z"}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %cm1 = arith.constant -1 : index
  %t = tile.load %x[%cm1, %c3] padding -1.0 : f32 : !g -> tensor<4x4xf32>
  tile.store %t, %y[%c0, %c0] : tensor<4x4xf32>, !g
  %r = tile.load %x[%c5, %c0] dims [1] padding -2.0 : f32 : !g -> tensor<4xf32>
  tile.store %r, %y[%c3, %c0] dims [1] : tensor<4xf32>, !g
  %seven = arith.constant 7.0 : f32
  %s = tile.splat %seven : f32 -> tensor<4x4xf32>
  tile.store %s, %z[%c1, %c3] : tensor<4x4xf32>, !g
  %row = tile.splat %seven : f32 -> tensor<8xf32>
  tile.store %row, %z[%cm1, %c0] dims [1] : tensor<8xf32>, !g
  tile.return
}

// Two programs atomically add [1, 2, 3, 4] at (row 0, column pid - 2) of a
// 1x4 tensor: program 0 covers columns -2..1 (only 0 and 1 are in bounds,
// getting 3 and 4), program 1 covers columns -1..2 (getting 2, 3, 4).
tile.kernel @atomic(%w: !g {tile.name = "w"}) grid {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  tile.yield %c2, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %pid = tile.program_id 0 : i32
  %p = arith.index_cast %pid : i32 to index
  %col = arith.subi %p, %c2 : index
  %one = arith.constant 1 : i32
  %i = tile.iota : tensor<4xi32>
  %ones = tile.splat %one : i32 -> tensor<4xi32>
  %i1 = arith.addi %i, %ones : tensor<4xi32>
  %f = arith.sitofp %i1 : tensor<4xi32> to tensor<4xf32>
  tile.atomic_add %f, %w[%c0, %col] dims [1] : tensor<4xf32>, !g
  tile.return
}

// A 3x2 grid: each program writes x + 10 y + 100 (number of programs in x)
// at (y, x).
tile.kernel @ids(%o: !g {tile.name = "o"}) grid {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  tile.yield %c3, %c2, %c1 : index, index, index
} {
  %px = tile.program_id 0 : i32
  %py = tile.program_id 1 : i32
  %nx = tile.num_programs 0 : i32
  %c10 = arith.constant 10 : i32
  %c100 = arith.constant 100 : i32
  %a = arith.muli %py, %c10 : i32
  %b = arith.muli %nx, %c100 : i32
  %s = arith.addi %px, %a : i32
  %v = arith.addi %s, %b : i32
  %vf = arith.sitofp %v : i32 to f32
  %t = tile.splat %vf : f32 -> tensor<1x1xf32>
  %x = arith.index_cast %px : i32 to index
  %y = arith.index_cast %py : i32 to index
  tile.store %t, %o[%y, %x] : tensor<1x1xf32>, !g
  tile.return
}

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

func.func @print(%m: memref<?x?xf32>) {
  %u = memref.cast %m : memref<?x?xf32> to memref<*xf32>
  func.call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %zero = arith.constant 0.0 : f32
  %ten = arith.constant 10.0 : f32
  // x[i][j] = 10 i + j, 3x5.
  %x = memref.alloc(%c3, %c5) : memref<?x?xf32>
  scf.for %i = %c0 to %c3 step %c1 {
    scf.for %j = %c0 to %c5 step %c1 {
      %ii = arith.index_cast %i : index to i32
      %jj = arith.index_cast %j : index to i32
      %fi = arith.sitofp %ii : i32 to f32
      %fj = arith.sitofp %jj : i32 to f32
      %a = arith.mulf %fi, %ten : f32
      %v = arith.addf %a, %fj : f32
      memref.store %v, %x[%i, %j] : memref<?x?xf32>
    }
  }
  %c4 = arith.constant 4 : index
  %y = memref.alloc(%c4, %c4) : memref<?x?xf32>
  linalg.fill ins(%zero : f32) outs(%y : memref<?x?xf32>)
  %z = memref.alloc(%c3, %c5) : memref<?x?xf32>
  linalg.fill ins(%zero : f32) outs(%z : memref<?x?xf32>)
  %xg = memref.cast %x : memref<?x?xf32> to !g
  %yg = memref.cast %y : memref<?x?xf32> to !g
  %zg = memref.cast %z : memref<?x?xf32> to !g
  func.call @oob(%xg, %yg, %zg) : (!g, !g, !g) -> ()
  // CHECK: rank = 2 offset = 0 sizes = [4, 4]
  // CHECK-NEXT: [-1, -1, -1, -1]
  // CHECK-NEXT: [3, 4, -1, -1]
  // CHECK-NEXT: [13, 14, -1, -1]
  // CHECK-NEXT: [-2, -2, -2, -2]
  func.call @print(%y) : (memref<?x?xf32>) -> ()
  // CHECK: rank = 2 offset = 0 sizes = [3, 5]
  // CHECK-NEXT: [0, 0, 0, 0, 0]
  // CHECK-NEXT: [0, 0, 0, 7, 7]
  // CHECK-NEXT: [0, 0, 0, 7, 7]
  func.call @print(%z) : (memref<?x?xf32>) -> ()

  %w = memref.alloc(%c1, %c4) : memref<?x?xf32>
  linalg.fill ins(%zero : f32) outs(%w : memref<?x?xf32>)
  %wg = memref.cast %w : memref<?x?xf32> to !g
  func.call @atomic(%wg) : (!g) -> ()
  // CHECK: rank = 2 offset = 0 sizes = [1, 4]
  // CHECK-NEXT: [5, 7, 4, 0]
  func.call @print(%w) : (memref<?x?xf32>) -> ()

  %c2 = arith.constant 2 : index
  %o = memref.alloc(%c2, %c3) : memref<?x?xf32>
  linalg.fill ins(%zero : f32) outs(%o : memref<?x?xf32>)
  %og = memref.cast %o : memref<?x?xf32> to !g
  func.call @ids(%og) : (!g) -> ()
  // CHECK: rank = 2 offset = 0 sizes = [2, 3]
  // CHECK-NEXT: [300, 301, 302]
  // CHECK-NEXT: [310, 311, 312]
  func.call @print(%o) : (memref<?x?xf32>) -> ()
  return
}
