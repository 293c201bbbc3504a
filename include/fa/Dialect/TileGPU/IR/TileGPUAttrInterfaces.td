#ifndef FA_TILEGPU_ATTR_INTERFACES
#define FA_TILEGPU_ATTR_INTERFACES

include "mlir/IR/OpBase.td"

def TileGPU_DistributedLayoutAttrInterface
    : AttrInterface<"DistributedLayoutAttrInterface"> {
  let cppNamespace = "::fa::tilegpu";
  let description = [{
    A register layout: which thread of the CTA holds which element in which
    register. Every lowering works from its linear layout; generic code
    knows layouts only through this interface, so a vendor's layout (an MMA
    accumulator) is an addition, not a case in a switch.
  }];
  let methods = [
    InterfaceMethod<"The layout on a tensor of `shape` as bases of register, "
                    "lane and warp bits; std::nullopt with `error` set when "
                    "the shape does not fit.",
      "std::optional<::fa::tilegpu::LinearLayout>", "toLinearLayout",
      (ins "::llvm::ArrayRef<int64_t>":$shape, "std::string &":$error)>,
    InterfaceMethod<"Number of warps the layout spreads over.",
      "unsigned", "getNumWarps">,
    InterfaceMethod<"Threads per warp the layout is defined for (32 or 64); "
                    "it must be the target's warp size.",
      "unsigned", "getLanesPerWarp">,
    InterfaceMethod<"Registers (elements) each thread holds of a tensor of "
                    "`shape`; 0 when the shape does not fit.",
      "int64_t", "getElemsPerThread",
      (ins "::llvm::ArrayRef<int64_t>":$shape), [{}], [{
        std::string error;
        auto ll = $_attr.toLinearLayout(shape, error);
        return ll ? ll->numRegs() : 0;
      }]>,
  ];
}

def TileGPU_MmaLayoutAttrInterface : AttrInterface<"MmaLayoutAttrInterface"> {
  let cppNamespace = "::fa::tilegpu";
  let description = [{
    The accumulator layout of a matrix instruction family (version 2 on
    NVIDIA today; wgmma v3 and AMD MFMA later). Defined beside the vendor
    that lowers it; `#tilegpu.dot_op` asks it for the operand layouts.
  }];
  let methods = [
    InterfaceMethod<"Instruction family version (NVIDIA: 2 warp MMA, 3 warpgroup MMA).",
      "unsigned", "getMmaVersion">,
    InterfaceMethod<"The linear layout of operand `opIdx` (0: A, 1: B) on "
                    "`shape`.",
      "std::optional<::fa::tilegpu::LinearLayout>", "getOperandLinearLayout",
      (ins "unsigned":$opIdx, "::llvm::ArrayRef<int64_t>":$shape,
           "std::string &":$error)>,
    InterfaceMethod<"Byte alignment the instruction needs of the shared "
                    "buffers its operands are read from (a swizzle pattern "
                    "it addresses itself starts on this boundary).",
      "int64_t", "getSharedAlignment", (ins), [{}], [{ return 128; }]>,
    InterfaceMethod<"Columns per panel (SharedEncodingAttr `panel`) of the "
                    "shared buffer operand `opIdx` is read from when its "
                    "rows hold `rowElements` elements of `elemBits` bits "
                    "(0: unpanelled).",
      "unsigned", "getOperandSharedPanel",
      (ins "unsigned":$opIdx, "int64_t":$rowElements, "unsigned":$elemBits),
      [{}], [{ return 0; }]>,
  ];
}

def TileGPU_SharedLayoutAttrInterface : AttrInterface<"SharedLayoutAttrInterface"> {
  let cppNamespace = "::fa::tilegpu";
  let description = [{
    A shared-memory layout: elements stored with `order` (fastest first),
    rows along the fastest dimension split into chunks of `vec` elements,
    chunk `c` of row `r` at chunk `c ^ ((r / perPhase) % maxPhase)`; rows
    wider than a nonzero `panel` split into panels of that many columns.
  }];
  let methods = [
    InterfaceMethod<"Elements per swizzled chunk.", "unsigned", "getVec">,
    InterfaceMethod<"Rows sharing one swizzle phase.", "unsigned",
                    "getPerPhase">,
    InterfaceMethod<"Number of swizzle phases (1: no swizzle).", "unsigned",
                    "getMaxPhase">,
    InterfaceMethod<"Dimensions, fastest first.", "::llvm::ArrayRef<unsigned>",
                    "getOrder">,
    InterfaceMethod<"Columns per panel of the innermost two dimensions (0: "
                    "rows are not split into panels).", "unsigned", "getPanel">,
    InterfaceMethod<"Elements left after each row of the fastest dimension "
                    "(0: rows are packed).", "unsigned", "getPad", (ins), [{}],
                    [{ return 0; }]>,
  ];
}

#endif // FA_TILEGPU_ATTR_INTERFACES
