// RUN: fa-opt %s -tile-to-host | FileCheck %s
// RUN: fa-opt %s -tile-to-host | FileCheck %s --check-prefix=MATH
// RUN: fa-opt %s -tile-to-host -mlir-print-op-generic | FileCheck %s --check-prefix=ONLY-LLVM
//
// The whole pipeline ends in the LLVM dialect: an entry function with a C
// interface, the grid and program functions, and bf16 <-> f32 conversions
// as integer code (the CPU has no bf16 arithmetic or conversion instruction).

!g = memref<?x?xbf16, strided<[?, 1]>>

// CHECK-DAG: llvm.func @malloc
// CHECK-DAG: llvm.func @free
// CHECK-DAG: llvm.func @scale_exp__grid
// CHECK-DAG: llvm.func @scale_exp__program
// CHECK-DAG: llvm.func @scale_exp(
// CHECK-DAG: llvm.func @_mlir_ciface_scale_exp(
// CHECK-DAG: llvm.func @erff(f32) -> f32
// MATH-NOT: fpext
// MATH-NOT: fptrunc
// MATH: llvm.intr.exp
// MATH: llvm.call @erff
// MATH-NOT: fpext
// MATH-NOT: fptrunc
// ONLY-LLVM-NOT: "tile.
// ONLY-LLVM-NOT: "func.
// ONLY-LLVM-NOT: "linalg.
// ONLY-LLVM-NOT: "memref.
// ONLY-LLVM-NOT: "scf.
// ONLY-LLVM-NOT: "arith.
// ONLY-LLVM-NOT: "bufferization.
// ONLY-LLVM-NOT: "tensor.
tile.kernel @scale_exp(%x: !g {tile.name = "x"}, %s: f32 {tile.name = "s"}) grid {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %n = memref.dim %x, %c0 : !g
  %g = arith.ceildivsi %n, %c16 : index
  tile.yield %g, %c1, %c1 : index, index, index
} {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : i32
  %pid = tile.program_id 0 : i32
  %r = arith.muli %pid, %c16 : i32
  %row = arith.index_cast %r : i32 to index
  %t = tile.load %x[%row, %c0] : !g -> tensor<16x32xbf16>
  %f = arith.extf %t : tensor<16x32xbf16> to tensor<16x32xf32>
  %st = tile.splat %s : f32 -> tensor<16x32xf32>
  %m = arith.mulf %f, %st : tensor<16x32xf32>
  %e0 = math.exp %m : tensor<16x32xf32>
  // No LLVM intrinsic for erf: a libm call.
  %e = math.erf %e0 : tensor<16x32xf32>
  %b = arith.truncf %e : tensor<16x32xf32> to tensor<16x32xbf16>
  tile.store %b, %x[%row, %c0] : tensor<16x32xbf16>, !g
  tile.return
}
