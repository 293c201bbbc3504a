#ifndef FA_TILEGPU_ATTRS
#define FA_TILEGPU_ATTRS

include "fa/Dialect/TileGPU/IR/TileGPUDialect.td"

class TileGPU_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<TileGPU_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def TileGPU_BlockedEncodingAttr : TileGPU_Attr<"BlockedEncoding", "blocked"> {
  let summary = "blocked distribution of a tensor over registers, lanes and warps";
  let description = [{
    Each thread holds `sizePerThread` contiguous elements per dimension; a
    warp is a `threadsPerWarp` grid of threads and the CTA a `warpsPerCTA`
    grid of warps. `order` lists dimensions fastest first. The pattern repeats
    (in more registers) to cover larger tensors and wraps (replicates) for
    smaller ones.
  }];
  let parameters = (ins ArrayRefParameter<"unsigned">:$sizePerThread,
                        ArrayRefParameter<"unsigned">:$threadsPerWarp,
                        ArrayRefParameter<"unsigned">:$warpsPerCTA,
                        ArrayRefParameter<"unsigned">:$order);
  let assemblyFormat = [{
    `<` `sizePerThread` `=` `[` $sizePerThread `]` `,`
        `threadsPerWarp` `=` `[` $threadsPerWarp `]` `,`
        `warpsPerCTA` `=` `[` $warpsPerCTA `]` `,` `order` `=` `[` $order `]` `>`
  }];
  let genVerifyDecl = 1;
}

def TileGPU_MmaEncodingAttr : TileGPU_Attr<"MmaEncoding", "mma"> {
  let summary = "accumulator layout of warp-level MMA instructions";
  let description = [{
    The accumulator of a 16x8 (version 2: mma.sync m16n8k16) instruction per
    warp, with warps arranged `warpsPerCTA`. The target decides which
    versions it can execute.
  }];
  let parameters = (ins "unsigned":$version,
                        ArrayRefParameter<"unsigned">:$warpsPerCTA);
  let assemblyFormat = [{
    `<` `version` `=` $version `,` `warpsPerCTA` `=` `[` $warpsPerCTA `]` `>`
  }];
  let genVerifyDecl = 1;
}

def TileGPU_DotOperandEncodingAttr : TileGPU_Attr<"DotOperandEncoding", "dot_op"> {
  let summary = "layout of an MMA operand (A: opIdx 0, B: opIdx 1)";
  let parameters = (ins "unsigned":$opIdx, "::mlir::Attribute":$parent);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def TileGPU_SliceEncodingAttr : TileGPU_Attr<"SliceEncoding", "slice"> {
  let summary = "the parent layout with dimension `dim` removed (row statistics)";
  let description = [{
    A reduction along `dim` of a tensor in layout `parent` gives a tensor in
    `slice<dim, parent>`: each thread keeps the values of the rows it held,
    so the result can be broadcast back without data movement.
  }];
  let parameters = (ins "unsigned":$dim, "::mlir::Attribute":$parent);
  let assemblyFormat = "`<` struct(params) `>`";
}

def TileGPU_SharedEncodingAttr : TileGPU_Attr<"SharedEncoding", "shared"> {
  let summary = "swizzled shared-memory layout";
  let description = [{
    Elements are stored with `order` (fastest first). Rows along the fastest
    dimension are split into chunks of `vec` elements, and chunk `c` of row
    `r` is stored at chunk `c ^ ((r / perPhase) % maxPhase)`, which keeps
    row-wise and column-wise accesses of 16-byte chunks free of bank
    conflicts.
  }];
  let parameters = (ins "unsigned":$vec, "unsigned":$perPhase,
                        "unsigned":$maxPhase,
                        ArrayRefParameter<"unsigned">:$order);
  let assemblyFormat = [{
    `<` `vec` `=` $vec `,` `perPhase` `=` $perPhase `,` `maxPhase` `=` $maxPhase
    `,` `order` `=` `[` $order `]` `>`
  }];
}

#endif // FA_TILEGPU_ATTRS
