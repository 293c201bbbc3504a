#ifndef FA_TILEGPU_TYPES
#define FA_TILEGPU_TYPES

include "fa/Dialect/TileGPU/IR/TileGPUDialect.td"
include "mlir/IR/BuiltinTypeInterfaces.td"

def TileGPU_SharedBuffer : TypeDef<TileGPU_Dialect, "SharedBuffer"> {
  let mnemonic = "smem";
  let summary = "a tile held in shared memory";
  let description = [{
    ```mlir
    !tilegpu.smem<64x64xbf16, #tilegpu.shared<vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]>>
    ```
  }];
  let parameters = (ins ArrayRefParameter<"int64_t">:$shape,
                        "::mlir::Type":$elementType,
                        "::mlir::Attribute":$encoding);
  let assemblyFormat = "`<` custom<Shape>($shape, $elementType) `,` $encoding `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getNumElements() const;
  }];
}

#endif // FA_TILEGPU_TYPES
