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
    DeclareAttrInterfaceMethods<TileGPU_MmaLayoutAttrInterface>]> {
  let mnemonic = "mma";
  let summary = "accumulator layout of NVIDIA warp-level MMA instructions";
  let description = [{
    Version 2: the accumulator of one mma.sync m16n8k16 (a 16x8 tile) per
    warp, with warps arranged `warpsPerCTA` and the pattern repeated to
    cover the tensor. Version 3 (wgmma accumulators) is reserved.
  }];
  let parameters = (ins "unsigned":$version,
                        ArrayRefParameter<"unsigned">:$warpsPerCTA);
  let assemblyFormat = [{
    `<` `version` `=` $version `,` `warpsPerCTA` `=` `[` $warpsPerCTA `]` `>`
  }];
  let genVerifyDecl = 1;
}

#endif // FA_TILENV_ATTRS
