//===- Types.h - semantic types of `.tile` values --------------*- C++ -*-===//
#ifndef FA_LIB_FRONTEND_TYPES_H
#define FA_LIB_FRONTEND_TYPES_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir {
class MLIRContext;
class Type;
} // namespace mlir

namespace fa::frontend {

/// Element types of the language.
enum class Elem {
  None,
  I1,
  I8,
  I32,
  I64,
  U32,
  F16,
  BF16,
  F32,
  F64,
  F8E4M3,
  F8E5M2
};

llvm::StringRef elemName(Elem e);
/// Parses an element type name (`f32`, `bool`, ...); None if it is not one.
Elem parseElemName(llvm::StringRef name);
inline bool isFloat(Elem e) { return e >= Elem::F16; }
inline bool isInt(Elem e) { return e >= Elem::I8 && e <= Elem::U32; }
/// u32 is the only unsigned type: its division, remainder, comparisons,
/// `>>`, min/max and conversions are unsigned. In IR it is a signless i32.
inline bool isUnsigned(Elem e) { return e == Elem::U32; }
/// Wraps an integer to the range of the integer type `e` (two's
/// complement; u32 values are kept as 0 .. 2^32 - 1).
int64_t wrapInt(Elem e, int64_t v);
unsigned elemWidth(Elem e);
mlir::Type toMLIR(Elem e, mlir::MLIRContext *ctx);

/// A compile-time constant: an integer, a float or a boolean.
struct ConstVal {
  enum class Kind { Int, Float, Bool } kind = Kind::Int;
  int64_t i = 0;
  double f = 0.0;
  bool b = false;
  static ConstVal ofInt(int64_t v) { return {Kind::Int, v, 0.0, false}; }
  static ConstVal ofFloat(double v) { return {Kind::Float, 0, v, false}; }
  static ConstVal ofBool(bool v) { return {Kind::Bool, 0, 0.0, v}; }
  double asDouble() const {
    return kind == Kind::Float ? f : kind == Kind::Int ? double(i) : double(b);
  }
};

/// The type of an expression.
struct SType {
  enum class Kind {
    Error,  // already reported; silences follow-on errors
    Scalar, // rank 0
    Tile,   // static shape
    Global, // a global tensor argument (only usable through a slice)
    Slice,  // `g[...]`: a block of a global tensor, for load/store/atomic_add
    Void,   // store, atomic_add
  };
  Kind kind = Kind::Error;
  Elem elem = Elem::None;
  llvm::SmallVector<int64_t, 4> shape;
  /// A literal or compile-time integer that adapts to the other operand's
  /// element type (`x * 2`, `where(c, s, -inf)`).
  bool weak = false;

  static SType error() { return {}; }
  static SType voidTy() { return {Kind::Void, Elem::None, {}, false}; }
  static SType scalar(Elem e, bool weak = false) {
    return {Kind::Scalar, e, {}, weak};
  }
  static SType tile(Elem e, llvm::ArrayRef<int64_t> shape) {
    return {Kind::Tile, e,
            llvm::SmallVector<int64_t, 4>(shape.begin(), shape.end()), false};
  }
  bool isError() const { return kind == Kind::Error; }
  bool isScalar() const { return kind == Kind::Scalar; }
  bool isTile() const { return kind == Kind::Tile; }
  bool isValue() const { return isScalar() || isTile(); }
  unsigned rank() const { return shape.size(); }
  bool sameAs(const SType &o) const {
    return kind == o.kind && elem == o.elem && shape == o.shape;
  }
  /// `f32`, `tile 128x64 of bf16`, ...
  std::string str() const;
};

/// The builtin functions.
enum class Builtin {
  None,
  ProgramId,
  NumPrograms,
  Cdiv,
  Min,
  Max,
  Exp,
  Exp2,
  Log,
  Log2,
  Sqrt,
  Rsqrt,
  Abs,
  Tanh,
  Sin,
  Cos,
  Pow,
  Floor,
  Ceil,
  Erf,
  Where,
  Cast,
  Full,
  Zeros,
  Iota,
  Dot,
  Trans,
  RowMax,
  RowMin,
  RowSum,
  ReduceMax,
  ReduceMin,
  ReduceSum,
  Load,
  Store,
  AtomicAdd,
};
Builtin lookupBuiltin(llvm::StringRef name);
/// Every builtin name (for "did you mean" suggestions).
llvm::ArrayRef<llvm::StringRef> builtinNames();

std::string shapeStr(llvm::ArrayRef<int64_t> shape);

} // namespace fa::frontend

#endif // FA_LIB_FRONTEND_TYPES_H
