// RUN: fa-opt %s -split-input-file -verify-diagnostics
// Every verifier error of the `tile` dialect.

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  // expected-error @+1 {{expects one offset per global dimension (2), got 1}}
  %t = tile.load %x[%c0] : !g -> tensor<4x4xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  // expected-error @+1 {{dim 2 is out of range for a rank-2 global tensor}}
  %t = tile.load %x[%c0, %c0] dims [2] : !g -> tensor<4xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  // expected-error @+1 {{dims must be strictly increasing}}
  %t = tile.load %x[%c0, %c0] dims [1, 0] : !g -> tensor<4x4xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  // expected-error @+1 {{tile of rank 1 does not match the 2 global dimension(s) it covers}}
  %t = tile.load %x[%c0, %c0] : !g -> tensor<4xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  // expected-error @+1 {{tile element type 'bf16' differs from the global tensor's 'f32'}}
  %t = tile.load %x[%c0, %c0] : !g -> tensor<4x4xbf16>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  // expected-error @+1 {{padding of type 'f16' differs from the element type 'f32'}}
  %t = tile.load %x[%c0, %c0] padding 1.0 : f16 : !g -> tensor<4x4xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  // expected-error @+1 {{tile dimensions must be positive}}
  %t = tile.load %x[%c0, %c0] : !g -> tensor<0x4xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  // expected-error @+1 {{operand #0 must be strided memref of any type values}}
  %t = "tile.load"(%c0) <{operandSegmentSizes = array<i32: 1, 0, 0>}> : (index) -> tensor<4xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  // expected-error @+1 {{result #0 must be statically shaped tensor of any type values}}
  %t = tile.load %x[%c0, %c0] : !g -> tensor<?x4xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %t = tile.splat %f : f32 -> tensor<4x4xf32>
  // expected-error @+1 {{expects one offset per global dimension (2), got 3}}
  tile.store %t, %x[%c0, %c0, %c0] : tensor<4x4xf32>, !g
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %t = tile.splat %f : f32 -> tensor<4x4xf32>
  // expected-error @+1 {{tile of rank 2 does not match the 1 global dimension(s) it covers}}
  tile.store %t, %x[%c0, %c0] dims [1] : tensor<4x4xf32>, !g
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %t = tile.splat %f : f32 -> tensor<4xf32>
  // expected-error @+1 {{dims must be strictly increasing}}
  tile.atomic_add %t, %x[%c0, %c0] dims [1, 1] : tensor<4xf32>, !g
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %a = tile.splat %f : f32 -> tensor<4x8xf32>
  %b = tile.splat %f : f32 -> tensor<16x4xf32>
  %c = tile.splat %f : f32 -> tensor<4x4xf32>
  // expected-error @+1 {{inner dimensions differ: 8 vs 16}}
  %d = tile.dot %a, %b, %c : tensor<4x8xf32>, tensor<16x4xf32> -> tensor<4x4xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %a = tile.splat %f : f32 -> tensor<4x8xf32>
  %b = tile.splat %f : f32 -> tensor<8x4xf32>
  %c = tile.splat %f : f32 -> tensor<4x8xf32>
  // expected-error @+1 {{accumulator shape 4x8 does not match the product shape 4x4}}
  %d = tile.dot %a, %b, %c : tensor<4x8xf32>, tensor<8x4xf32> -> tensor<4x8xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %a = tile.splat %f : f32 -> tensor<4xf32>
  %b = tile.splat %f : f32 -> tensor<8x4xf32>
  %c = tile.splat %f : f32 -> tensor<4x4xf32>
  // expected-error @+1 {{operands must be 2-D tiles}}
  %d = tile.dot %a, %b, %c : tensor<4xf32>, tensor<8x4xf32> -> tensor<4x4xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %h = arith.constant 0.0 : f16
  %a = tile.splat %h : f16 -> tensor<4x8xf16>
  %b = tile.splat %f : f32 -> tensor<8x4xf32>
  %c = tile.splat %f : f32 -> tensor<4x4xf32>
  // expected-error @+1 {{operand element types differ: 'f16' vs 'f32'}}
  %d = tile.dot %a, %b, %c : tensor<4x8xf16>, tensor<8x4xf32> -> tensor<4x4xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %h = arith.constant 0.0 : f64
  %a = tile.splat %h : f64 -> tensor<4x8xf64>
  %b = tile.splat %h : f64 -> tensor<8x4xf64>
  %c = tile.splat %f : f32 -> tensor<4x4xf32>
  // expected-error @+1 {{unsupported operand element type 'f64' (expected f16, bf16, f32 or an 8-bit float)}}
  %d = tile.dot %a, %b, %c : tensor<4x8xf64>, tensor<8x4xf64> -> tensor<4x4xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %h = arith.constant 0.0 : f16
  %a = tile.splat %h : f16 -> tensor<4x4xf16>
  // expected-error @+1 {{the accumulator must be f32, got 'f16'}}
  %d = tile.dot %a, %a, %a : tensor<4x4xf16>, tensor<4x4xf16> -> tensor<4x4xf16>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %a = tile.splat %f : f32 -> tensor<4x4xf32>
  %h = arith.constant 0.0 : f16
  %c = tile.splat %h : f16 -> tensor<4x4xf16>
  // expected-error @+1 {{all of {acc, result} have same type}}
  %d = "tile.dot"(%a, %a, %c) : (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf16>) -> tensor<4x4xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %a = tile.splat %f : f32 -> tensor<4x8xf32>
  // expected-error @+1 {{axis 2 is out of range for a rank-2 tile}}
  %r = tile.reduce max %a axis 2 : tensor<4x8xf32> -> tensor<4xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %a = tile.splat %f : f32 -> tensor<4x8xf32>
  // expected-error @+1 {{result shape 8 should be 4 (the operand without axis 1)}}
  %r = tile.reduce sum %a axis 1 : tensor<4x8xf32> -> tensor<8xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %a = tile.splat %f : f32 -> tensor<4x8xf32>
  // expected-error @+1 {{result element type differs from the operand's}}
  %r = tile.reduce min %a axis 1 : tensor<4x8xf32> -> tensor<4xf16>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %i = arith.constant 0 : index
  %a = arith.constant dense<0> : tensor<4xindex>
  // expected-error @+1 {{cannot reduce elements of type 'index'}}
  %r = tile.reduce sum %a axis 0 : tensor<4xindex> -> tensor<index>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %a = tile.splat %f : f32 -> tensor<4x8xf32>
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'kind' [max, min, sum]}}
  %r = tile.reduce prod %a axis 1 : tensor<4x8xf32> -> tensor<4xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %a = tile.splat %f : f32 -> tensor<4xf32>
  // expected-error @+1 {{operand rank 1 differs from result rank 2 (use tile.expand_dims first)}}
  %b = tile.broadcast %a : tensor<4xf32> -> tensor<4x4xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %a = tile.splat %f : f32 -> tensor<4x2xf32>
  // expected-error @+1 {{cannot broadcast dimension 1 of size 2 to 8}}
  %b = tile.broadcast %a : tensor<4x2xf32> -> tensor<4x8xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %a = tile.splat %f : f32 -> tensor<4x1xf32>
  // expected-error @+1 {{result element type differs from the operand's}}
  %b = tile.broadcast %a : tensor<4x1xf32> -> tensor<4x8xf16>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %a = tile.splat %f : f32 -> tensor<4xf32>
  // expected-error @+1 {{axis 2 is out of range: expected at most 1}}
  %b = tile.expand_dims %a axis 2 : tensor<4xf32> -> tensor<4x1xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %a = tile.splat %f : f32 -> tensor<4xf32>
  // expected-error @+1 {{result shape 4x1 should be 1x4}}
  %b = tile.expand_dims %a axis 0 : tensor<4xf32> -> tensor<4x1xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %a = tile.splat %f : f32 -> tensor<4x8xf32>
  // expected-error @+1 {{result shape 4x8 should be 8x4}}
  %b = tile.trans %a : tensor<4x8xf32> -> tensor<4x8xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %a = tile.splat %f : f32 -> tensor<4x8xf32>
  // expected-error @+1 {{order has 3 entries for a rank-2 tile}}
  %b = tile.trans %a order [0, 1, 2] : tensor<4x8xf32> -> tensor<4x8xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %a = tile.splat %f : f32 -> tensor<4x8xf32>
  // expected-error @+1 {{order must be a permutation of the dimensions}}
  %b = tile.trans %a order [1, 1] : tensor<4x8xf32> -> tensor<8x8xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %a = tile.splat %f : f32 -> tensor<4x8xf32>
  // expected-error @+1 {{result element type differs from the operand's}}
  %b = tile.trans %a : tensor<4x8xf32> -> tensor<8x4xf16>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  // expected-error @+1 {{scalar of type 'f32' cannot fill a tile of 'f16'}}
  %a = tile.splat %f : f32 -> tensor<4xf16>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  // expected-error @+1 {{produces a 1-D tile}}
  %a = tile.iota : tensor<4x4xi32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  // expected-error @+1 {{result #0 must be statically shaped tensor of 32-bit signless integer values}}
  %a = tile.iota : tensor<4xi64>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  // expected-error @+1 {{attribute 'axis' failed to satisfy constraint: 32-bit signless integer attribute whose minimum value is 0 whose maximum value is 2}}
  %a = tile.program_id 3 : i32
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  // expected-error @+1 {{attribute 'axis' failed to satisfy constraint}}
  %a = tile.num_programs -1 : i32
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  // expected-error @+1 {{'tile.yield' op is only allowed in a kernel's grid region}}
  tile.yield %c0, %c0, %c0 : index, index, index
}

// -----

tile.kernel @k() grid {
  %c1 = arith.constant 1 : index
  // expected-error @+1 {{yields the grid size along x, y and z: expected 3 values, got 2}}
  tile.yield %c1, %c1 : index, index
} {
  tile.return
}

// -----

// expected-error @+1 {{the grid region must end in 'tile.yield'}}
tile.kernel @k() grid {
  tile.return
} {
  tile.return
}

// -----

// expected-error @+1 {{a tile kernel returns no results}}
tile.kernel @k() -> f32 grid {

// -----

// expected-error @+1 {{the grid region's arguments must match the kernel signature}}
"tile.kernel"() <{function_type = (f32) -> (), sym_name = "k"}> ({
^bb0(%a: f32):
  "tile.return"() : () -> ()
}, {
^bb0(%a: i32):
  %c1 = arith.constant 1 : index
  "tile.yield"(%c1, %c1, %c1) : (index, index, index) -> ()
}) : () -> ()

// -----

// expected-error @+1 {{the body region's arguments must match the kernel signature}}
"tile.kernel"() <{function_type = (f32) -> (), sym_name = "k"}> ({
  "tile.return"() : () -> ()
}, {
^bb0(%a: f32):
  %c1 = arith.constant 1 : index
  "tile.yield"(%c1, %c1, %c1) : (index, index, index) -> ()
}) : () -> ()

// -----

// expected-error @+1 {{has 2 argument attribute dictionaries for 1 arguments}}
"tile.kernel"() <{function_type = (f32) -> (), sym_name = "k", arg_attrs = [{}, {}]}> ({
^bb0(%a: f32):
  "tile.return"() : () -> ()
}, {
^bb0(%a: f32):
  %c1 = arith.constant 1 : index
  "tile.yield"(%c1, %c1, %c1) : (index, index, index) -> ()
}) : () -> ()

// -----

// expected-error @+1 {{region #0 ('body') failed to verify constraint: region with 1 blocks}}
"tile.kernel"() <{function_type = () -> (), sym_name = "k"}> ({
}, {
  %c1 = arith.constant 1 : index
  "tile.yield"(%c1, %c1, %c1) : (index, index, index) -> ()
}) : () -> ()

// -----

// expected-error @+1 {{a tile kernel returns no results}}
"tile.kernel"() <{function_type = () -> (f32), sym_name = "k"}> ({
  "tile.return"() : () -> ()
}, {
  %c1 = arith.constant 1 : index
  "tile.yield"(%c1, %c1, %c1) : (index, index, index) -> ()
}) : () -> ()

// -----

// expected-error @+1 {{'tile.return' op expects parent op 'tile.kernel'}}
"tile.return"() : () -> ()

// -----

// A constant memref.dim index beyond the rank has no value (it used to crash
// the GPU lowering).
!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c2 = arith.constant 2 : index
  // expected-error @+1 {{'memref.dim' op index 2 is out of range for a rank-2 memref}}
  %n = memref.dim %x, %c2 : !g
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c7 = arith.constant 7 : index
  // expected-error @+1 {{'memref.dim' op index 7 is out of range for a rank-2 memref}}
  %n = memref.dim %x, %c7 : !g
  tile.yield %n, %n, %n : index, index, index
} {
  tile.return
}

// -----

// tile.dims must give one entry per dimension (a short list used to reach
// the sidecar as dims [-1, -3] and drop the innermost stride from the ABI).
!g = memref<?x?xf32, strided<[?, 1]>>
// expected-error @+1 {{argument 0: 'tile.dims' has 1 entries for a rank-2 global tensor}}
tile.kernel @k(%x: !g {tile.dims = ["N"]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
// expected-error @+1 {{argument 0: 'tile.dims' entry 1 must be a dimension name or a size >= 0, got -3 : i64}}
tile.kernel @k(%x: !g {tile.dims = ["N", -3]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  tile.return
}

// -----

!g = memref<?x64xf32, strided<[?, 1]>>
// expected-error @+1 {{argument 0: 'tile.dims' entry 1 is 32 but the type's dimension is 64}}
tile.kernel @k(%x: !g {tile.dims = ["N", 32]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  tile.return
}

// -----

// expected-error @+1 {{argument 0: 'tile.dims' must be an array on a global tensor (memref) argument}}
tile.kernel @k(%s: f32 {tile.dims = ["N"]}) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %m = arith.constant dense<true> : tensor<4xi1>
  // expected-error @+1 {{mask shape 'tensor<4xi1>' differs from the tile 'tensor<8xf32>'}}
  %t = tile.load %x[%c0, %c0] dims [1] mask %m : tensor<4xi1> : !g -> tensor<8xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %i = arith.constant dense<0> : tensor<8xi32>
  // expected-error @+1 {{expects one index tile per global dimension (2), got 1}}
  %t = tile.gather %x[%i] : !g, tensor<8xi32> -> tensor<8xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %i = arith.constant dense<0> : tensor<8xi32>
  %j = arith.constant dense<0> : tensor<4xi32>
  // expected-error @+1 {{index tile 'tensor<4xi32>' differs in shape from the result 'tensor<8xf32>'}}
  %t = tile.gather %x[%i, %j] : !g, tensor<8xi32>, tensor<4xi32> -> tensor<8xf32>
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{expects one index per global dimension (2), got 1}}
  %s = tile.load_scalar %x[%c0] : !g -> f32
  tile.return
}

// -----

!g = memref<?x?xf32, strided<[?, 1]>>
tile.kernel @k(%x: !g) grid {
  %c1 = arith.constant 1 : index
  tile.yield %c1, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{result type 'i32' differs from the element type 'f32'}}
  %s = tile.load_scalar %x[%c0, %c0] : !g -> i32
  tile.return
}
