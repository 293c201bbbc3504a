#ifndef FA_TILEGPU_ATTRS
#define FA_TILEGPU_ATTRS

include "fa/Dialect/TileGPU/IR/TileGPUDialect.td"
include "fa/Dialect/TileGPU/IR/TileGPUAttrInterfaces.td"

class TileGPU_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<TileGPU_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def TileGPU_BlockedEncodingAttr : TileGPU_Attr<"BlockedEncoding", "blocked", [
    DeclareAttrInterfaceMethods<TileGPU_DistributedLayoutAttrInterface>]> {
  let summary = "blocked distribution of a tensor over registers, lanes and warps";
  let description = [{
    Each thread holds `sizePerThread` contiguous elements per dimension; a
    warp is a `threadsPerWarp` grid of threads and the CTA a `warpsPerCTA`
    grid of warps. `order` lists dimensions fastest first. The pattern repeats
    (in more registers) to cover larger tensors and wraps (replicates) for
    smaller ones. `threadsPerWarp` multiplies to the target's warp size.
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

def TileGPU_DotOperandEncodingAttr : TileGPU_Attr<"DotOperandEncoding", "dot_op", [
    DeclareAttrInterfaceMethods<TileGPU_DistributedLayoutAttrInterface>]> {
  let summary = "layout of an MMA operand (A: opIdx 0, B: opIdx 1)";
  let description = [{
    `parent` is a vendor's MMA accumulator layout (an attribute implementing
    the MMA layout interface, e.g. `#tilenv.mma`), which defines the
    operand layouts of its instruction.
  }];
  let parameters = (ins "unsigned":$opIdx, "::mlir::Attribute":$parent);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def TileGPU_SliceEncodingAttr : TileGPU_Attr<"SliceEncoding", "slice", [
    DeclareAttrInterfaceMethods<TileGPU_DistributedLayoutAttrInterface>]> {
  let summary = "the parent layout with dimension `dim` removed (row statistics)";
  let description = [{
    A reduction along `dim` of a tensor in layout `parent` gives a tensor in
    `slice<dim, parent>`: each thread keeps the values of the rows it held,
    so the result can be broadcast back without data movement.
  }];
  let parameters = (ins "unsigned":$dim, "::mlir::Attribute":$parent);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def TileGPU_SharedEncodingAttr : TileGPU_Attr<"SharedEncoding", "shared", [
    TileGPU_SharedLayoutAttrInterface]> {
  let summary = "swizzled shared-memory layout";
  let description = [{
    Elements are stored with `order` (fastest first). Rows along the fastest
    dimension are split into chunks of `vec` elements, and chunk `c` of row
    `r` is stored at chunk `c ^ ((r / perPhase) % maxPhase)`, which keeps
    row-wise and column-wise accesses of 16-byte chunks free of bank
    conflicts.

    `panel` (0: none) stores rows wider than `panel` elements as panels of
    `panel` columns, one after the other: the innermost two dimensions
    `[rows][cols]` become `[cols / panel][rows][panel]`, each panel swizzled
    as above (wgmma's 128-byte swizzle addresses 128-byte rows only).

    `pad` (0: none; unswizzled layouts without panels only) leaves `pad`
    elements after each row of the fastest dimension: rows stay contiguous
    (a bulk copy reads one as a whole) while row starts move across the
    shared-memory banks (the rows a warp's accumulator fragment writes at
    once then do not conflict).
  }];
  let parameters = (ins "unsigned":$vec, "unsigned":$perPhase,
                        "unsigned":$maxPhase,
                        ArrayRefParameter<"unsigned">:$order,
                        DefaultValuedParameter<"unsigned", "0">:$panel,
                        DefaultValuedParameter<"unsigned", "0">:$pad);
  let builders = [
    AttrBuilder<(ins "unsigned":$vec, "unsigned":$perPhase,
                     "unsigned":$maxPhase, "::llvm::ArrayRef<unsigned>":$order),
    [{ return $_get($_ctxt, vec, perPhase, maxPhase, order, 0, 0); }]>,
    AttrBuilder<(ins "unsigned":$vec, "unsigned":$perPhase,
                     "unsigned":$maxPhase, "::llvm::ArrayRef<unsigned>":$order,
                     "unsigned":$panel),
    [{ return $_get($_ctxt, vec, perPhase, maxPhase, order, panel, 0); }]>
  ];
  let genVerifyDecl = 1;
  let assemblyFormat = [{
    `<` `vec` `=` $vec `,` `perPhase` `=` $perPhase `,` `maxPhase` `=` $maxPhase
    `,` `order` `=` `[` $order `]` `` custom<PanelPad>($panel, $pad) `>`
  }];
}

def TileGPU_TargetAttr : TileGPU_Attr<"Target", "target"> {
  let summary = "the GPU target of a module";
  let description = [{
    Set once on the module (attribute `tilegpu.target`) by
    `tilegpu-assign-layouts` and read by every later pass, the lowering and
    the tools: the target name (a registered TargetInfo), the warps per CTA
    and the threads per warp of the target.

    ```mlir
    module attributes {tilegpu.target = #tilegpu.target<"gpu_name", warps = 4, threads_per_warp = 32>}
    ```
  }];
  let parameters = (ins StringRefParameter<"target name">:$name,
                        "unsigned":$warps, "unsigned":$threadsPerWarp);
  let assemblyFormat = [{
    `<` $name `,` `warps` `=` $warps `,` `threads_per_warp` `=` $threadsPerWarp `>`
  }];
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    unsigned getNumThreads() const { return getWarps() * getThreadsPerWarp(); }
  }];
}

#endif // FA_TILEGPU_ATTRS
