#ifndef FA_TILE_DIALECT
#define FA_TILE_DIALECT

include "mlir/IR/OpBase.td"

def Tile_Dialect : Dialect {
  let name = "tile";
  let cppNamespace = "::fa::tile";
  let summary = "Target-independent tile programs (FlashTile)";
  let description = [{
    The `tile` dialect expresses blocked GPU programs, FlashAttention first.
    Tiles are builtin ranked tensors with static shapes. Global tensors are
    builtin strided memrefs whose sizes and strides are bound at launch.
    Element-wise math uses `arith` and `math` on tensors; control flow uses
    `scf`. A `tile.kernel` runs once per program of a 3-D grid.
  }];
  let hasConstantMaterializer = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

class Tile_Op<string mnemonic, list<Trait> traits = []>
    : Op<Tile_Dialect, mnemonic, traits>;

#endif // FA_TILE_DIALECT
