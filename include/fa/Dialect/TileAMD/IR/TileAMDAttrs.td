#ifndef FA_TILEAMD_ATTRS
#define FA_TILEAMD_ATTRS

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "fa/Dialect/TileGPU/IR/TileGPUAttrInterfaces.td"

def TileAMD_Dialect : Dialect {
  let name = "tileamd";
  let cppNamespace = "::fa::tileamd";
  let summary = "AMD-specific layouts of FlashTile's GPU back end";
  let description = [{
    Layouts defined by AMD's matrix instructions (MFMA on CDNA2 and CDNA3),
    beside the lowerings that use them (lib/Conversion/TileGPUToLLVM/AMD).
    Generic code sees them only through the `tilegpu` layout interfaces.
  }];
  let useDefaultAttributePrinterParser = 1;
}

def TileAMD_MfmaEncodingAttr : AttrDef<TileAMD_Dialect, "MfmaEncoding", [
    DeclareAttrInterfaceMethods<TileGPU_DistributedLayoutAttrInterface>,
    DeclareAttrInterfaceMethods<TileGPU_MmaLayoutAttrInterface>]> {
  let mnemonic = "mfma";
  let summary = "accumulator layout of AMD MFMA instructions (wave64)";
  let description = [{
    The accumulator of one `v_mfma_f32_MxNxK` per wavefront of 64 lanes
    (`instrShape = [M, N, K]`: [32, 32, 8] or [16, 16, 16], 16-bit operands
    with f32 accumulation), wavefronts arranged `warpsPerCTA` and the
    pattern repeated to cover the tensor.

    The operand layouts are the instruction's: A gives lane l row l % M and
    the K values 4 (l / M) .. +3 in four registers; B gives lane l column
    l % N and the same K values. The instruction is issued with the
    operands swapped, computing C^T = B^T A^T, so that a lane holds a row
    of the accumulator: lane l holds row l % M and, in register j, column
    8 (j / 4) + 4 (l / 32) + j % 4 (32x32, 16 registers) or 4 (l / 16) + j
    (16x16, 4 registers). That is the A operand's placement of the same
    block: a softmax P computed from a dot result is the A operand of the
    next dot with no data movement, and row statistics combine within a
    lane and one lane exchange.
  }];
  let parameters = (ins ArrayRefParameter<"unsigned">:$warpsPerCTA,
                        ArrayRefParameter<"unsigned">:$instrShape);
  let assemblyFormat = [{
    `<` `warpsPerCTA` `=` `[` $warpsPerCTA `]` `,`
        `instrShape` `=` `[` $instrShape `]` `>`
  }];
  let genVerifyDecl = 1;
}

#endif // FA_TILEAMD_ATTRS
