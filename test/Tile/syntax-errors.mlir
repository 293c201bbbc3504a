// RUN: fa-opt %s -split-input-file -verify-diagnostics
// Malformed `tile` syntax gives a located diagnostic, never a crash.

// expected-error @+1 {{expected 'grid'}}
tile.kernel @k() {
  tile.return
}

// -----

// expected-error @+1 {{expected '('}}
tile.kernel @k grid {
}

// -----

tile.kernel @k(%x: memref<?xf32, strided<[1]>>) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{expected '['}}
  %t = tile.load %x[%c0] dims 0 : memref<?xf32, strided<[1]>> -> tensor<4xf32>
  tile.return
}

// -----

tile.kernel @k(%x: memref<?xf32, strided<[1]>>) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  // expected-error @+1 {{custom op 'tile.frobnicate' is unknown}}
  tile.frobnicate
  tile.return
}

// -----

tile.kernel @k() grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
// expected-error @+1 {{expected attribute name}}
} params {

// -----

tile.kernel @k(%x: memref<?xf32, strided<[1]>>) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{use of undeclared SSA value name}}
  %t = tile.load %x[%nope] : memref<?xf32, strided<[1]>> -> tensor<4xf32>
  tile.return
}
