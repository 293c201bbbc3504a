//===- Types.cpp - semantic types of `.tile` values -----------------------===//

#include "Types.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/raw_ostream.h"

using namespace fa::frontend;

llvm::StringRef fa::frontend::elemName(Elem e) {
  switch (e) {
  case Elem::None:
    return "<none>";
  case Elem::I1:
    return "bool";
  case Elem::I8:
    return "i8";
  case Elem::I32:
    return "i32";
  case Elem::I64:
    return "i64";
  case Elem::U32:
    return "u32";
  case Elem::F16:
    return "f16";
  case Elem::BF16:
    return "bf16";
  case Elem::F32:
    return "f32";
  case Elem::F64:
    return "f64";
  case Elem::F8E4M3:
    return "f8e4m3";
  case Elem::F8E5M2:
    return "f8e5m2";
  }
  return "<none>";
}

Elem fa::frontend::parseElemName(llvm::StringRef name) {
  return llvm::StringSwitch<Elem>(name)
      .Case("bool", Elem::I1)
      .Case("i8", Elem::I8)
      .Case("i32", Elem::I32)
      .Case("i64", Elem::I64)
      .Case("u32", Elem::U32)
      .Case("f16", Elem::F16)
      .Case("bf16", Elem::BF16)
      .Case("f32", Elem::F32)
      .Case("f64", Elem::F64)
      .Case("f8e4m3", Elem::F8E4M3)
      .Case("f8e5m2", Elem::F8E5M2)
      .Default(Elem::None);
}

unsigned fa::frontend::elemWidth(Elem e) {
  switch (e) {
  case Elem::None:
    return 0;
  case Elem::I1:
    return 1;
  case Elem::I32:
  case Elem::U32:
  case Elem::F32:
    return 32;
  case Elem::I64:
    return 64;
  case Elem::I8:
    return 8;
  case Elem::F16:
  case Elem::BF16:
    return 16;
  case Elem::F64:
    return 64;
  case Elem::F8E4M3:
  case Elem::F8E5M2:
    return 8;
  }
  return 0;
}

mlir::Type fa::frontend::toMLIR(Elem e, mlir::MLIRContext *ctx) {
  switch (e) {
  case Elem::None:
    return {};
  case Elem::I1:
    return mlir::IntegerType::get(ctx, 1);
  case Elem::I8:
    return mlir::IntegerType::get(ctx, 8);
  case Elem::I32:
  case Elem::U32:
    return mlir::IntegerType::get(ctx, 32);
  case Elem::I64:
    return mlir::IntegerType::get(ctx, 64);
  case Elem::F16:
    return mlir::Float16Type::get(ctx);
  case Elem::BF16:
    return mlir::BFloat16Type::get(ctx);
  case Elem::F32:
    return mlir::Float32Type::get(ctx);
  case Elem::F64:
    return mlir::Float64Type::get(ctx);
  case Elem::F8E4M3:
    return mlir::Float8E4M3FNType::get(ctx);
  case Elem::F8E5M2:
    return mlir::Float8E5M2Type::get(ctx);
  }
  return {};
}

int64_t fa::frontend::wrapInt(Elem e, int64_t v) {
  switch (e) {
  case Elem::I8:
    return int64_t(int8_t(uint8_t(uint64_t(v))));
  case Elem::I32:
    return int64_t(int32_t(uint32_t(uint64_t(v))));
  case Elem::U32:
    return int64_t(uint32_t(uint64_t(v)));
  default:
    return v;
  }
}

std::string fa::frontend::shapeStr(llvm::ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      os << "x";
    if (shape[i] < 0)
      os << "?";
    else
      os << shape[i];
  }
  return s;
}

std::string SType::str() const {
  switch (kind) {
  case Kind::Error:
    return "<error>";
  case Kind::Void:
    return "nothing";
  case Kind::Scalar:
    return elemName(elem).str();
  case Kind::Tile:
    return "tile<" + shapeStr(shape) + "x" + elemName(elem).str() + ">";
  case Kind::Global:
    return "global<" + elemName(elem).str() + ">[" + shapeStr(shape) + "]";
  case Kind::Slice:
    return "block<" + shapeStr(shape) + "x" + elemName(elem).str() +
           "> of a global tensor";
  }
  return "<error>";
}

static const llvm::StringRef kBuiltinNames[] = {
    "program_id", "num_programs", "cdiv",   "min",    "max",       "exp",
    "exp2",       "log",          "log2",   "sqrt",   "rsqrt",     "abs",
    "tanh",       "sin",          "cos",    "pow",    "floor",     "ceil",
    "erf",        "where",        "cast",   "full",   "zeros",     "iota",
    "dot",        "trans",        "rowmax", "rowmin", "rowsum",    "reduce_max",
    "reduce_min", "reduce_sum",   "load",   "store",  "atomic_add"};

llvm::ArrayRef<llvm::StringRef> fa::frontend::builtinNames() {
  return kBuiltinNames;
}

Builtin fa::frontend::lookupBuiltin(llvm::StringRef name) {
  return llvm::StringSwitch<Builtin>(name)
      .Case("program_id", Builtin::ProgramId)
      .Case("num_programs", Builtin::NumPrograms)
      .Case("cdiv", Builtin::Cdiv)
      .Case("min", Builtin::Min)
      .Case("max", Builtin::Max)
      .Case("exp", Builtin::Exp)
      .Case("exp2", Builtin::Exp2)
      .Case("log", Builtin::Log)
      .Case("log2", Builtin::Log2)
      .Case("sqrt", Builtin::Sqrt)
      .Case("rsqrt", Builtin::Rsqrt)
      .Case("abs", Builtin::Abs)
      .Case("tanh", Builtin::Tanh)
      .Case("sin", Builtin::Sin)
      .Case("cos", Builtin::Cos)
      .Case("pow", Builtin::Pow)
      .Case("floor", Builtin::Floor)
      .Case("ceil", Builtin::Ceil)
      .Case("erf", Builtin::Erf)
      .Case("where", Builtin::Where)
      .Case("cast", Builtin::Cast)
      .Case("full", Builtin::Full)
      .Case("zeros", Builtin::Zeros)
      .Case("iota", Builtin::Iota)
      .Case("dot", Builtin::Dot)
      .Case("trans", Builtin::Trans)
      .Case("rowmax", Builtin::RowMax)
      .Case("rowmin", Builtin::RowMin)
      .Case("rowsum", Builtin::RowSum)
      .Case("reduce_max", Builtin::ReduceMax)
      .Case("reduce_min", Builtin::ReduceMin)
      .Case("reduce_sum", Builtin::ReduceSum)
      .Case("load", Builtin::Load)
      .Case("store", Builtin::Store)
      .Case("atomic_add", Builtin::AtomicAdd)
      .Default(Builtin::None);
}
