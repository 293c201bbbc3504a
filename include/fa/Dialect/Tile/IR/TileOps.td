#ifndef FA_TILE_OPS
#define FA_TILE_OPS

include "fa/Dialect/Tile/IR/TileDialect.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/FunctionInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

def Tile_ReduceKind : I32EnumAttr<"ReduceKind", "reduction combiner", [
    I32EnumAttrCase<"Max", 0, "max">,
    I32EnumAttrCase<"Min", 1, "min">,
    I32EnumAttrCase<"Sum", 2, "sum">]> {
  let cppNamespace = "::fa::tile";
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

// A tile: a ranked tensor with a static, non-empty shape.
def Tile_Tile : StaticShapeTensorOf<[AnyType]>;
def Tile_FloatTile : StaticShapeTensorOf<[AnyFloat]>;
def Tile_I32Tile : StaticShapeTensorOf<[I32]>;
// A global tensor: a strided memref whose sizes may be bound at launch.
def Tile_Global : StridedMemRefOf<[AnyType]>;

//===----------------------------------------------------------------------===//
// Kernel structure
//===----------------------------------------------------------------------===//

def Tile_KernelOp : Tile_Op<"kernel", [
    IsolatedFromAbove, Symbol, OpAsmOpInterface,
    AutomaticAllocationScope]> {
  let summary = "a tile kernel: body, launch grid rule and compile-time parameters";
  // Not a FunctionOpInterface: that interface insists on a single region, and
  // a kernel carries two (body and grid rule).
  let description = [{
    A kernel runs its `body` once per program of a 3-D launch grid. The `grid`
    region computes the grid size from the kernel arguments (global tensor
    sizes and scalars bound at launch) and ends in `tile.yield` of three
    `index` values. `params` records the compile-time parameters the kernel
    was specialized with. A kernel returns no results.

    ```mlir
    tile.kernel @copy(%x: memref<?xf32, strided<[1]>>, %y: memref<?xf32, strided<[1]>>)
        grid {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %n = memref.dim %x, %c0 : memref<?xf32, strided<[1]>>
      tile.yield %n, %c1, %c1 : index, index, index
    } params {BLOCK = 64 : i64} {
      ...
      tile.return
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<FunctionType>:$function_type,
                       OptionalAttr<DictArrayAttr>:$arg_attrs,
                       OptionalAttr<DictArrayAttr>:$res_attrs,
                       OptionalAttr<DictionaryAttr>:$params);
  let regions = (region SizedRegion<1>:$body, SizedRegion<1>:$grid);

  let builders = [OpBuilder<(ins "::llvm::StringRef":$name,
                                 "::mlir::FunctionType":$type)>];
  let extraClassDeclaration = [{
    ::llvm::ArrayRef<::mlir::Type> getArgumentTypes() {
      return getFunctionType().getInputs();
    }
    ::llvm::ArrayRef<::mlir::Type> getResultTypes() {
      return getFunctionType().getResults();
    }
    static ::llvm::StringRef getDefaultDialect() { return "tile"; }
    /// The `tile.yield` ending the grid region.
    YieldOp getGridYield();
  }];
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
}

def Tile_ReturnOp : Tile_Op<"return", [Pure, HasParent<"KernelOp">,
                                       ReturnLike, Terminator]> {
  let summary = "ends a kernel body";
  let assemblyFormat = "attr-dict";
}

def Tile_YieldOp : Tile_Op<"yield", [Pure, HasParent<"KernelOp">,
                                     ReturnLike, Terminator]> {
  let summary = "yields the launch grid size (x, y, z) from a kernel's grid region";
  let arguments = (ins Variadic<Index>:$sizes);
  let assemblyFormat = "$sizes attr-dict `:` type($sizes)";
  let hasVerifier = 1;
}

def Tile_ProgramIdOp : Tile_Op<"program_id", [Pure]> {
  let summary = "index of this program along a grid axis";
  let description = [{
    `tile.program_id x` is the program's coordinate along grid axis `x`, `y`
    or `z` (0, 1, 2).
  }];
  let arguments = (ins ConfinedAttr<I32Attr, [IntMinValue<0>, IntMaxValue<2>]>:$axis);
  let results = (outs I32:$result);
  let assemblyFormat = "$axis attr-dict `:` type($result)";
}

def Tile_NumProgramsOp : Tile_Op<"num_programs", [Pure]> {
  let summary = "number of programs along a grid axis";
  let arguments = (ins ConfinedAttr<I32Attr, [IntMinValue<0>, IntMaxValue<2>]>:$axis);
  let results = (outs I32:$result);
  let assemblyFormat = "$axis attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

// Shared description of the block addressing used by load, store and
// atomic_add.
defvar BlockAccessDoc = [{
    The block starts at `offsets` (one `index` per dimension of the global
    tensor). `dims` lists, in increasing order, the global dimensions that
    become the tile's dimensions; every other global dimension is indexed by
    its offset alone (size 1, squeezed). Without `dims`, every global
    dimension is a tile dimension. Elements outside the global tensor's bounds
    are not accessed.
}];

def Tile_MaskTile : StaticShapeTensorOf<[I1]>;

def Tile_LoadOp : Tile_Op<"load", [MemoryEffects<[MemRead]>,
                                   AttrSizedOperandSegments]> {
  let summary = "load a block of a global tensor into a tile";
  let description = !strconcat(BlockAccessDoc, [{
    Out-of-bounds elements read as `padding` (zero when absent), the rule
    TMA follows on Hopper. `in_bounds` (one flag per tile dimension, set by
    `tile-bounds-elim`) records tile dimensions proven to stay inside the
    global tensor; code generators may drop their bounds checks. With
    `mask` (an i1 tile of the result's shape), elements whose mask is false
    are not accessed and read as `padding` too.

    ```mlir
    %q = tile.load %arg0[%b, %h, %m0, %c0] dims [2, 3]
        : memref<?x?x?x?xbf16, strided<[?, ?, ?, 1]>> -> tensor<128x64xbf16>
    %k = tile.load %arg1[%i] padding 0xFF800000 : memref<?xf32, strided<[1]>> -> tensor<64xf32>
    ```
  }]);
  let arguments = (ins Arg<Tile_Global, "", [MemRead]>:$base,
                       Variadic<Index>:$offsets,
                       Optional<Tile_MaskTile>:$mask,
                       OptionalAttr<DenseI64ArrayAttr>:$dims,
                       OptionalAttr<TypedAttrInterface>:$padding,
                       OptionalAttr<DenseBoolArrayAttr>:$in_bounds);
  let results = (outs Tile_Tile:$result);
  let assemblyFormat = [{
    $base `[` $offsets `]` (`dims` $dims^)? (`mask` $mask^ `:` type($mask))?
    (`padding` $padding^)? (`in_bounds` $in_bounds^)? attr-dict
    `:` type($base) `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Global dimension feeding each tile dimension.
    ::llvm::SmallVector<int64_t> getTileDims();
    /// The padding value as an attribute of the element type.
    ::mlir::TypedAttr getPaddingOrZero();
  }];
}

def Tile_StoreOp : Tile_Op<"store", [MemoryEffects<[MemWrite]>,
                                     AttrSizedOperandSegments]> {
  let summary = "store a tile into a block of a global tensor";
  let description = !strconcat(BlockAccessDoc, [{
    Out-of-bounds elements are dropped, and so are elements whose `mask`
    (an i1 tile of the value's shape) is false.

    ```mlir
    tile.store %o, %arg3[%b, %h, %m0, %c0] dims [2, 3]
        : tensor<128x64xbf16>, memref<?x?x?x?xbf16, strided<[?, ?, ?, 1]>>
    ```
  }]);
  let arguments = (ins Tile_Tile:$value,
                       Arg<Tile_Global, "", [MemWrite]>:$base,
                       Variadic<Index>:$offsets,
                       Optional<Tile_MaskTile>:$mask,
                       OptionalAttr<DenseI64ArrayAttr>:$dims);
  let assemblyFormat = [{
    $value `,` $base `[` $offsets `]` (`dims` $dims^)?
    (`mask` $mask^ `:` type($mask))? attr-dict
    `:` type($value) `,` type($base)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::llvm::SmallVector<int64_t> getTileDims();
  }];
}

def Tile_AtomicAddOp : Tile_Op<"atomic_add", [MemoryEffects<[MemRead, MemWrite]>,
                                              AttrSizedOperandSegments]> {
  let summary = "atomically add a tile into a block of a global tensor";
  let description = !strconcat(BlockAccessDoc, [{
    Each in-bounds element is added atomically (relaxed order); out-of-bounds
    elements are dropped, and so are elements whose `mask` is false. Used
    to accumulate dQ in the backward pass. The element type must be a float
    or an integer.
  }]);
  let arguments = (ins Tile_Tile:$value,
                       Arg<Tile_Global, "", [MemRead, MemWrite]>:$base,
                       Variadic<Index>:$offsets,
                       Optional<Tile_MaskTile>:$mask,
                       OptionalAttr<DenseI64ArrayAttr>:$dims);
  let assemblyFormat = [{
    $value `,` $base `[` $offsets `]` (`dims` $dims^)?
    (`mask` $mask^ `:` type($mask))? attr-dict
    `:` type($value) `,` type($base)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::llvm::SmallVector<int64_t> getTileDims();
  }];
}

def Tile_LoadScalarOp : Tile_Op<"load_scalar", [MemoryEffects<[MemRead]>]> {
  let summary = "load one element of a global tensor";
  let description = [{
    Reads the element at `indices` (one `index` per dimension). An index
    outside the global tensor reads `padding` (zero when absent) without
    accessing memory. Every program (and every thread of a GPU program)
    gets the value: `x = cu_seqlens[b]` in the language.

    ```mlir
    %s = tile.load_scalar %arg0[%b] : memref<?xi32, strided<[1]>> -> i32
    ```
  }];
  let arguments = (ins Arg<Tile_Global, "", [MemRead]>:$base,
                       Variadic<Index>:$indices,
                       OptionalAttr<TypedAttrInterface>:$padding);
  let results = (outs AnyTypeOf<[AnyFloat, AnySignlessInteger]>:$result);
  let assemblyFormat = [{
    $base `[` $indices `]` (`padding` $padding^)? attr-dict
    `:` type($base) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tile_GatherOp : Tile_Op<"gather", [MemoryEffects<[MemRead]>,
                                       AttrSizedOperandSegments]> {
  let summary = "load a tile of elements at per-element coordinates";
  let description = [{
    Element `e` of the result is `base[indices[0][e], ..., indices[r-1][e]]`:
    one i32 tile of the result's shape per dimension of the global tensor.
    Coordinates outside the tensor, and elements whose `mask` is false, read
    `padding` (zero when absent) without accessing memory. The language's
    `load(g[idx, :])` with a tile of indices (paged KV block tables).

    ```mlir
    %t = tile.gather %arg0[%rows, %cols] : memref<?x?xf32, strided<[?, 1]>>,
        tensor<16x64xi32>, tensor<16x64xi32> -> tensor<16x64xf32>
    ```
  }];
  let arguments = (ins Arg<Tile_Global, "", [MemRead]>:$base,
                       Variadic<Tile_I32Tile>:$indices,
                       Optional<Tile_MaskTile>:$mask,
                       OptionalAttr<TypedAttrInterface>:$padding);
  let results = (outs Tile_Tile:$result);
  let assemblyFormat = [{
    $base `[` $indices `]` (`mask` $mask^ `:` type($mask))?
    (`padding` $padding^)? attr-dict
    `:` type($base) `,` type($indices) `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::TypedAttr getPaddingOrZero();
  }];
}

//===----------------------------------------------------------------------===//
// Compute
//===----------------------------------------------------------------------===//

def Tile_DotOp : Tile_Op<"dot", [Pure, AllTypesMatch<["acc", "result"]>]> {
  let summary = "matrix product with accumulation: acc + a × b";
  let description = [{
    `a` is M×K, `b` is K×N and `acc` is M×N; the result has `acc`'s type.
    `a` and `b` share an element type (f16, bf16, f32 or an 8-bit float);
    the accumulator is f32. Products are formed and summed in f32.

    ```mlir
    %s = tile.dot %q, %kt, %zero : tensor<128x64xbf16>, tensor<64x128xbf16> -> tensor<128x128xf32>
    ```
  }];
  let arguments = (ins Tile_FloatTile:$a, Tile_FloatTile:$b, Tile_FloatTile:$acc);
  let results = (outs Tile_FloatTile:$result);
  let assemblyFormat = [{
    $a `,` $b `,` $acc attr-dict `:` type($a) `,` type($b) `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::Type getAccType() { return getResult().getType(); }
  }];
}

def Tile_ReduceOp : Tile_Op<"reduce", [Pure]> {
  let summary = "reduce a tile along one axis with max, min or sum";
  let description = [{
    Removes dimension `axis` of the operand by combining its elements.
    `max`/`min` follow `arith.maximumf`/`arith.minimumf` (NaN propagates);
    `sum` adds in the element type. Works on float and integer tiles.

    ```mlir
    %m = tile.reduce max %s axis 1 : tensor<128x64xf32> -> tensor<128xf32>
    ```
  }];
  let arguments = (ins Tile_ReduceKind:$kind, Tile_Tile:$src,
                       ConfinedAttr<I32Attr, [IntNonNegative]>:$axis);
  let results = (outs Tile_Tile:$result);
  let assemblyFormat = "$kind $src `axis` $axis attr-dict `:` type($src) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tile_BroadcastOp : Tile_Op<"broadcast", [Pure]> {
  let summary = "broadcast size-1 dimensions of a tile to a larger shape";
  let description = [{
    The result has the operand's rank and element type; each operand
    dimension equals the result's or is 1.

    ```mlir
    %b = tile.broadcast %m : tensor<128x1xf32> -> tensor<128x64xf32>
    ```
  }];
  let arguments = (ins Tile_Tile:$src);
  let results = (outs Tile_Tile:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Tile_ExpandDimsOp : Tile_Op<"expand_dims", [Pure]> {
  let summary = "insert a size-1 dimension into a tile";
  let description = [{
    ```mlir
    %e = tile.expand_dims %m axis 1 : tensor<128xf32> -> tensor<128x1xf32>
    ```
  }];
  let arguments = (ins Tile_Tile:$src,
                       ConfinedAttr<I32Attr, [IntNonNegative]>:$axis);
  let results = (outs Tile_Tile:$result);
  let assemblyFormat = "$src `axis` $axis attr-dict `:` type($src) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tile_TransOp : Tile_Op<"trans", [Pure]> {
  let summary = "permute the dimensions of a tile";
  let description = [{
    Result dimension `i` is operand dimension `order[i]`. Without `order` the
    dimensions are reversed (a 2-D transpose).

    ```mlir
    %kt = tile.trans %k : tensor<128x64xbf16> -> tensor<64x128xbf16>
    ```
  }];
  let arguments = (ins Tile_Tile:$src, OptionalAttr<DenseI32ArrayAttr>:$order);
  let results = (outs Tile_Tile:$result);
  let assemblyFormat = "$src (`order` $order^)? attr-dict `:` type($src) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let extraClassDeclaration = [{
    /// The permutation, with the default (reversal) made explicit.
    ::llvm::SmallVector<int32_t> getPermutation();
  }];
}

def Tile_SplatOp : Tile_Op<"splat", [Pure]> {
  let summary = "a tile with every element equal to a scalar";
  let description = [{
    ```mlir
    %z = tile.splat %x : f32 -> tensor<128x64xf32>
    ```
  }];
  let arguments = (ins AnyTypeOf<[AnyFloat, AnySignlessInteger]>:$value);
  let results = (outs Tile_Tile:$result);
  let assemblyFormat = "$value attr-dict `:` type($value) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tile_IotaOp : Tile_Op<"iota", [Pure]> {
  let summary = "the 1-D tile [0, 1, ..., n-1]";
  let description = [{
    ```mlir
    %r = tile.iota : tensor<128xi32>
    ```
  }];
  let results = (outs StaticShapeTensorOf<[I32]>:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

#endif // FA_TILE_OPS
