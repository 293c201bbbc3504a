#ifndef FA_TILEGPU_DIALECT
#define FA_TILEGPU_DIALECT

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def TileGPU_Dialect : Dialect {
  let name = "tilegpu";
  let cppNamespace = "::fa::tilegpu";
  let summary = "Tile programs mapped onto GPU threads (FlashTile)";
  let description = [{
    `tilegpu` tensors are builtin ranked tensors whose encoding is a layout:
    which thread of the CTA holds which element in which register. Layouts
    are given as attributes (blocked, MMA accumulator, MMA operand, slice) and
    all share one meaning: each converts to a linear layout (bases for
    register, lane and warp bits), which every lowering works from. Shared
    memory buffers have their own type with a swizzled layout.
  }];
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let hasOperationAttrVerify = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::fa::tile::TileDialect"];
}

class TileGPU_Op<string mnemonic, list<Trait> traits = []>
    : Op<TileGPU_Dialect, mnemonic, traits>;

#endif // FA_TILEGPU_DIALECT
