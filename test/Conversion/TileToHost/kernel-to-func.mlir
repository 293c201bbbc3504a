// RUN: fa-opt %s -split-input-file -convert-tile-kernel-to-func -verify-diagnostics | FileCheck %s

// A kernel becomes a grid function, a program function taking the program id
// and grid size, and an entry function looping z, y, x over the grid.

!g = memref<?xf32, strided<[1]>>

// CHECK-LABEL: func.func private @copy__grid
// CHECK-SAME: (%[[X:.*]]: memref<?xf32, strided<[1]>>, %{{.*}}: memref<?xf32, strided<[1]>>) -> (index, index, index)
// CHECK: %[[N:.*]] = memref.dim %[[X]]
// CHECK: %[[G:.*]] = arith.ceildivsi %[[N]]
// CHECK: return %[[G]], %{{.*}}, %{{.*}} : index, index, index

// CHECK-LABEL: func.func private @copy__program
// CHECK-SAME: (%[[PX:[a-z0-9]+]]: memref<?xf32, strided<[1]>>, %[[PY:[a-z0-9]+]]: memref<?xf32, strided<[1]>>, %[[ID0:[a-z0-9]+]]: i32, %[[ID1:[a-z0-9]+]]: i32, %[[ID2:[a-z0-9]+]]: i32, %[[NP0:[a-z0-9]+]]: i32, %[[NP1:[a-z0-9]+]]: i32, %[[NP2:[a-z0-9]+]]: i32)
// CHECK-NOT: tile.program_id
// CHECK-NOT: tile.num_programs
// CHECK: arith.muli %[[ID0]], %{{.*}} : i32
// CHECK: arith.addi %{{.*}}, %[[NP2]] : i32
// CHECK: tile.load %[[PX]]
// CHECK: tile.store %{{.*}}, %[[PY]]
// CHECK-NEXT: return

// CHECK-LABEL: func.func @copy
// CHECK-SAME: (%[[EX:.*]]: memref<?xf32, strided<[1]>> {tile.dims = ["N"], tile.name = "x"}, %[[EY:.*]]: memref<?xf32, strided<[1]>> {tile.dims = ["N"], tile.name = "y"})
// CHECK-SAME: attributes {llvm.emit_c_interface, tile.params = {BLOCK = 16 : i64}}
// CHECK: %[[GRID:.*]]:3 = call @copy__grid(%[[EX]], %[[EY]])
// CHECK-DAG: %[[GX:.*]] = arith.index_cast %[[GRID]]#0 : index to i32
// CHECK-DAG: %[[GY:.*]] = arith.index_cast %[[GRID]]#1 : index to i32
// CHECK-DAG: %[[GZ:.*]] = arith.index_cast %[[GRID]]#2 : index to i32
// CHECK: scf.for %[[Z:.*]] = %{{.*}} to %[[GRID]]#2
// CHECK: %[[ZI:.*]] = arith.index_cast %[[Z]]
// CHECK: scf.for %[[Y:.*]] = %{{.*}} to %[[GRID]]#1
// CHECK: %[[YI:.*]] = arith.index_cast %[[Y]]
// CHECK: scf.for %[[XX:.*]] = %{{.*}} to %[[GRID]]#0
// CHECK: %[[XI:.*]] = arith.index_cast %[[XX]]
// CHECK: call @copy__program(%[[EX]], %[[EY]], %[[XI]], %[[YI]], %[[ZI]], %[[GX]], %[[GY]], %[[GZ]])
// CHECK-NOT: tile.kernel

// The grid size along one axis, for runners that check the grid first.
// CHECK-LABEL: func.func @copy__grid_size
// CHECK-SAME: (%[[SX:.*]]: memref<?xf32, strided<[1]>>, %[[SY:.*]]: memref<?xf32, strided<[1]>>, %[[AXIS:.*]]: index) -> index
// CHECK-SAME: attributes {llvm.emit_c_interface}
// CHECK: %[[SG:.*]]:3 = call @copy__grid(%[[SX]], %[[SY]])
// CHECK-DAG: %[[IS1:.*]] = arith.cmpi eq, %[[AXIS]], %c1
// CHECK-DAG: %[[S1:.*]] = arith.select %[[IS1]], %[[SG]]#1, %[[SG]]#2
// CHECK-DAG: %[[IS0:.*]] = arith.cmpi eq, %[[AXIS]], %c0
// CHECK: %[[S0:.*]] = arith.select %[[IS0]], %[[SG]]#0, %[[S1]]
// CHECK: return %[[S0]] : index
tile.kernel @copy(%x: !g {tile.name = "x", tile.dims = ["N"]},
                  %y: !g {tile.name = "y", tile.dims = ["N"]}) grid {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %n = memref.dim %x, %c0 : !g
  %g = arith.ceildivsi %n, %c16 : index
  tile.yield %g, %c1, %c1 : index, index, index
} params {BLOCK = 16 : i64} {
  %pid = tile.program_id 0 : i32
  %np = tile.num_programs 2 : i32
  %c16 = arith.constant 16 : i32
  %m = arith.muli %pid, %c16 : i32
  %off32 = arith.addi %m, %np : i32
  %off = arith.index_cast %off32 : i32 to index
  %t = tile.load %x[%off] : !g -> tensor<16xf32>
  tile.store %t, %y[%off] : tensor<16xf32>, !g
  tile.return
}

// -----

// Program ids inside loops of the body are replaced too.
// CHECK-LABEL: func.func private @nested__program
// CHECK-SAME: %[[ID0:[a-z0-9]+]]: i32, %[[ID1:[a-z0-9]+]]: i32,
// CHECK: scf.for
// CHECK: arith.index_cast %[[ID1]]
// CHECK-LABEL: func.func @nested
tile.kernel @nested(%x: memref<?xi32, strided<[1]>>) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %pid = tile.program_id 1 : i32
    %p = arith.index_cast %pid : i32 to index
    %s = tile.splat %pid : i32 -> tensor<8xi32>
    tile.store %s, %x[%p] : tensor<8xi32>, memref<?xi32, strided<[1]>>
  }
  tile.return
}

// -----

func.func private @clash__grid()
// expected-error @below {{cannot lower kernel 'clash' to host code: symbol 'clash__grid' already exists}}
tile.kernel @clash(%x: memref<?xf32, strided<[1]>>) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  tile.return
}

// -----

tile.kernel @pid_in_grid(%x: memref<?xf32, strided<[1]>>) grid {
  %c1 = arith.constant 1 : index
  // expected-error @below {{the grid region cannot use program ids}}
  %p = tile.program_id 0 : i32
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  tile.return
}
