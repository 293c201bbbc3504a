#ifndef FA_TILENV_ATTRS
#define FA_TILENV_ATTRS

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "fa/Dialect/TileGPU/IR/TileGPUAttrInterfaces.td"

def TileNV_Dialect : Dialect {
  let name = "tilenv";
  let cppNamespace = "::fa::tilenv";
  let summary = "NVIDIA-specific layouts of FlashTile's GPU back end";
  let description = [{
    Layouts defined by NVIDIA's matrix instructions, beside the lowerings
    that use them (lib/Conversion/TileGPUToLLVM/NVIDIA). Generic code sees
    them only through the `tilegpu` layout interfaces.
  }];
  let useDefaultAttributePrinterParser = 1;
}

def TileNV_MmaEncodingAttr : AttrDef<TileNV_Dialect, "MmaEncoding", [
    DeclareAttrInterfaceMethods<TileGPU_DistributedLayoutAttrInterface>,
    DeclareAttrInterfaceMethods<TileGPU_MmaLayoutAttrInterface,
                                ["getSharedAlignment",
                                 "getOperandSharedPanel"]>]> {
  let mnemonic = "mma";
  let summary = "accumulator layout of NVIDIA warp-level MMA instructions";
  let description = [{
    Version 2: the accumulator of one mma.sync m16n8k16 (a 16x8 tile) per
    warp, with warps arranged `warpsPerCTA` and the pattern repeated to
    cover the tensor.

    Version 3: the accumulator of wgmma m64nNk16 (`instrShape = [64, N,
    16]`): each warpgroup (4 consecutive warps) holds 64 rows, each of its
    warps 16 of them with the m16n8 fragment repeated along N. Warpgroups
    are stacked along M (`warpsPerCTA = [numWarps, 1]`: as a linear layout
    it then equals version 2 with the same warps, so the A operand in
    registers (RS) is a renaming of an accumulator, as with mma.sync), or,
    with `warpsPerCTA = [4k, wn]`, the next warpgroups take the next N
    columns each (a 64-row product on two warpgroups); the pattern repeats
    along N, then M, to cover the tensor. The B operand is read from shared
    memory through matrix descriptors.
  }];
  let parameters = (ins "unsigned":$version,
                        ArrayRefParameter<"unsigned">:$warpsPerCTA,
                        OptionalArrayRefParameter<"unsigned">:$instrShape);
  let assemblyFormat = [{
    `<` `version` `=` $version `,` `warpsPerCTA` `=` `[` $warpsPerCTA `]`
    (`,` `instrShape` `=` `[` $instrShape^ `]`)? `>`
  }];
  let genVerifyDecl = 1;
}

#endif // FA_TILENV_ATTRS
