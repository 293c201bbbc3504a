//===- Passes.td - passes lowering `tile` IR to host code -*- tablegen -*-===//
#ifndef FA_CONVERSION_TILETOHOST_PASSES
#define FA_CONVERSION_TILETOHOST_PASSES

include "mlir/Pass/PassBase.td"

def ConvertTileKernelToFunc : Pass<"convert-tile-kernel-to-func", "mlir::ModuleOp"> {
  let summary = "turn each tile.kernel into host functions that loop over the grid";
  let description = [{
    Each `tile.kernel @k` becomes three `func.func`s:
    - `@k__grid` evaluates the grid region and returns its three sizes;
    - `@k__program` is the body, run for one program; it takes the kernel
      arguments followed by the program id (x, y, z) and the grid size
      (x, y, z) as `i32`. `tile.program_id` and `tile.num_programs` become
      uses of those arguments;
    - `@k` (with `llvm.emit_c_interface`) evaluates the grid and runs the
      program for every id, z outermost and x innermost;
    - `@k__grid_size` (with `llvm.emit_c_interface`) takes the kernel
      arguments and an axis and returns the grid size along that axis, so
      that a runner can refuse a grid before running it.
    `@k` keeps the kernel's argument attributes (`tile.name`, `tile.dims`)
    and records the compile-time parameters as `tile.params`.
  }];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect"];
}

def ConvertTileToLinalg : Pass<"convert-tile-to-linalg"> {
  let summary = "lower tile ops to tensor, linalg, memref and scf ops";
  let description = [{
    Rewrites every `tile` op other than the kernel structure (`kernel`,
    `return`, `yield`, `program_id`, `num_programs`) into upstream ops that
    bufferize:
    - `load`: a fresh buffer filled with the padding value, into which the
      in-bounds part of the block is copied (out-of-bounds elements keep the
      padding, as with TMA);
    - `store`: the in-bounds part of the tile is materialized into a subview
      of the global tensor (out-of-bounds elements are dropped);
    - `atomic_add`: a loop nest of `memref.atomic_rmw` over the in-bounds
      part;
    - `dot`: a `linalg.generic` with the reduction loop in the middle so the
      innermost loop runs along contiguous rows, products and sums in f32;
    - `reduce`: `linalg.reduce` from the combiner's identity;
    - `broadcast`, `expand_dims`, `trans`, `splat`, `iota`: reshapes,
      `linalg.broadcast`, `linalg.transpose`, `linalg.fill` and an index
      `linalg.generic`.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::bufferization::BufferizationDialect",
    "mlir::linalg::LinalgDialect", "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect", "mlir::tensor::TensorDialect"];
}

def TileHostBufferize : Pass<"tile-host-bufferize", "mlir::ModuleOp"> {
  let summary = "one-shot bufferization for host code, copies as linalg.copy";
  let description = [{
    Runs One-Shot Bufferize on lowered host code. Buffer copies are created
    as `linalg.copy`, which lowers to plain loops, instead of `memref.copy`,
    whose strided form needs a runtime library the JIT does not load.
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::memref::MemRefDialect"];
}

#endif // FA_CONVERSION_TILETOHOST_PASSES
