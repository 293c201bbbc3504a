#ifndef FA_TILEGPU_OPS
#define FA_TILEGPU_OPS

include "fa/Dialect/TileGPU/IR/TileGPUDialect.td"
include "fa/Dialect/TileGPU/IR/TileGPUAttrs.td"
include "fa/Dialect/TileGPU/IR/TileGPUTypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def TileGPU_ConvertLayoutOp : TileGPU_Op<"convert_layout", [Pure,
    SameOperandsAndResultShape, SameOperandsAndResultElementType]> {
  let summary = "move a tile's elements to another layout";
  let description = [{
    The only op that changes a layout. It is free when both layouts place the
    same elements in the same threads (a register permutation) and goes
    through shared memory otherwise.

    ```mlir
    %b = tilegpu.convert_layout %a : tensor<64x64xbf16, #blocked> -> tensor<64x64xbf16, #dot_b>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$src);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($result)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def TileGPU_LocalAllocOp : TileGPU_Op<"local_alloc", [
    MemoryEffects<[MemAlloc, MemWrite]>]> {
  let summary = "copy a tile from registers into a new shared-memory buffer";
  let description = [{
    The buffer lives until its last use. `offset` (bytes into the CTA's
    shared memory) is set by `tilegpu-allocate-shared-memory`.
  }];
  let arguments = (ins AnyRankedTensor:$src, OptionalAttr<I64Attr>:$offset);
  let results = (outs TileGPU_SharedBuffer:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` qualified(type($result))";
  let hasVerifier = 1;
}

def TileGPU_LocalLoadOp : TileGPU_Op<"local_load", [
    MemoryEffects<[MemRead]>]> {
  let summary = "read a shared-memory buffer into registers in a given layout";
  let arguments = (ins TileGPU_SharedBuffer:$src);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$src attr-dict `:` qualified(type($src)) `->` type($result)";
  let hasVerifier = 1;
}

#endif // FA_TILEGPU_OPS
