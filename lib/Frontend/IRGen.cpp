//===- IRGen.cpp - `tile` IR from checked kernels -------------------------===//
//
// Walks a kernel that Sema accepted and builds `tile`, `arith`, `math`, `scf`,
// `memref` and `tensor` ops following docs/ir-conventions.md. Sema has
// already computed every type, shape and constant; IRGen never reports errors.
// Compile-time conditions (`if CAUSAL`, `CAUSAL ? a : b`) are folded here:
// only the taken branch is emitted.
//
//===----------------------------------------------------------------------===//

#include "IRGen.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseMap.h"

using namespace fa::frontend;
using namespace mlir;
namespace tile = fa::tile;

namespace {

class IRGen {
public:
  IRGen(CheckedKernel &k, ModuleOp module, llvm::SourceMgr &srcMgr)
      : k(k), module(module), srcMgr(srcMgr), ctx(module.getContext()),
        b(module.getContext()) {
    StringRef file =
        srcMgr.getMemoryBuffer(srcMgr.getMainFileID())->getBufferIdentifier();
    fileAttr = StringAttr::get(ctx, file);
  }

  void run();

private:
  Location loc(llvm::SMLoc l) {
    if (!l.isValid())
      return UnknownLoc::get(ctx);
    auto [line, col] = srcMgr.getLineAndColumn(l);
    return FileLineColLoc::get(fileAttr, line, col);
  }
  Type elemType(Elem e) { return toMLIR(e, ctx); }
  Type typeOf(const SType &t) {
    Type e = elemType(t.elem);
    if (t.isTile())
      return RankedTensorType::get(t.shape, e);
    return e;
  }
  Value i32Const(Location l, int64_t v) {
    return arith::ConstantOp::create(b, l, b.getI32IntegerAttr(v));
  }
  Value indexConst(Location l, int64_t v) {
    return arith::ConstantIndexOp::create(b, l, v);
  }
  Value toIndex(Location l, Value v) {
    return arith::IndexCastOp::create(b, l, b.getIndexType(), v);
  }
  /// An i32 expression as an index (constants directly, without a cast).
  Value genIndexValue(Expr &e) {
    Location l = loc(e.getLoc());
    if (e.cval)
      return indexConst(l, e.cval->i);
    return toIndex(l, genAs(e, Elem::I32, SType::scalar(Elem::I32)));
  }
  TypedAttr scalarAttr(Elem e, const ConstVal &c);
  Value constant(Location l, Elem e, const ConstVal &c,
                 llvm::ArrayRef<int64_t> shape, bool tile);

  /// The value of `e` in its own type (weak literals take i32/f32).
  Value gen(Expr &e);
  /// The value of `e` as element type `elem` and the given shape (splatting
  /// scalars, broadcasting size-1 dimensions, typing literals).
  Value genAs(Expr &e, Elem elem, const SType &shapeOf);
  Value convert(Location l, Value v, const SType &from, const SType &shapeOf);
  Value genName(NameExpr &e);
  Value genUnary(UnaryExpr &e);
  Value genBinary(BinaryExpr &e);
  Value binaryOp(Location l, BinaryOp op, Elem operandElem, Value lhs,
                 Value rhs);
  Value genTernary(TernaryExpr &e);
  Value genIndex(IndexExpr &e);
  Value genCall(CallExpr &e);
  Value genAccess(CallExpr &e, Builtin b);
  Value genScalarLoad(IndexExpr &idx, TypedAttr padding);
  Value genGather(IndexExpr &idx, TypedAttr padding, Expr *maskExpr);
  Value spread(Location l, Value v, int64_t pos, llvm::ArrayRef<int64_t> shape);
  Value sizeValue(Symbol *s);

  void genBlock(BlockStmt &blk);
  void genStmt(Stmt &s);
  void genFor(ForStmt &f);
  void genIf(IfStmt &s);
  void genWhile(WhileStmt &w);
  void genForWithBreak(ForStmt &f);
  /// Statements `from..` of a list; after one that may break out of the
  /// innermost loop, the rest run under `if` the loop's flag still holds.
  void genStmts(std::vector<StmtPtr> &stmts, size_t from);
  /// Symbols of values from before `stmts` that they assign (and loop
  /// flags they clear).
  void collectAssigned(llvm::ArrayRef<StmtPtr> stmts,
                       llvm::SmallVectorImpl<Symbol *> &out);
  /// The break flag of the innermost loop being generated (null if none).
  Symbol *innerGo = nullptr;

  CheckedKernel &k;
  ModuleOp module;
  llvm::SourceMgr &srcMgr;
  MLIRContext *ctx;
  OpBuilder b;
  StringAttr fileAttr;
  /// Arguments of the region being generated (body or grid).
  Block *entry = nullptr;
  llvm::DenseMap<Symbol *, Value> env;
  llvm::DenseMap<Symbol *, Value> sizes;
};

} // namespace

TypedAttr IRGen::scalarAttr(Elem e, const ConstVal &c) {
  Type t = elemType(e);
  if (e == Elem::I1)
    return b.getBoolAttr(c.kind == ConstVal::Kind::Bool ? c.b
                                                        : c.asDouble() != 0);
  if (isInt(e)) {
    int64_t v = c.kind == ConstVal::Kind::Int ? c.i : int64_t(c.asDouble());
    return IntegerAttr::get(t, APInt(elemWidth(e), uint64_t(v),
                                     /*isSigned=*/true,
                                     /*implicitTrunc=*/true));
  }
  return FloatAttr::get(t, c.asDouble());
}

Value IRGen::constant(Location l, Elem e, const ConstVal &c,
                      llvm::ArrayRef<int64_t> shape, bool tile) {
  TypedAttr attr = scalarAttr(e, c);
  if (!tile)
    return arith::ConstantOp::create(b, l, attr);
  auto type = RankedTensorType::get(shape, elemType(e));
  return arith::ConstantOp::create(b, l, DenseElementsAttr::get(type, attr));
}

Value IRGen::convert(Location l, Value v, const SType &from,
                     const SType &shapeOf) {
  if (!shapeOf.isTile())
    return v;
  auto type = RankedTensorType::get(shapeOf.shape, elemType(from.elem));
  if (from.isScalar())
    return tile::SplatOp::create(b, l, type, v);
  if (from.shape == shapeOf.shape)
    return v;
  return tile::BroadcastOp::create(b, l, type, v);
}

Value IRGen::genAs(Expr &e, Elem elem, const SType &shapeOf) {
  Location l = loc(e.getLoc());
  if (e.cval && e.type.isScalar())
    return constant(l, elem, *e.cval, shapeOf.shape, shapeOf.isTile());
  Value v = gen(e);
  return convert(l, v, e.type, shapeOf);
}

Value IRGen::gen(Expr &e) {
  Location l = loc(e.getLoc());
  if (e.cval && e.type.isScalar())
    return constant(l, e.type.elem, *e.cval, {}, false);
  switch (e.getKind()) {
  case Expr::Kind::Name:
    return genName(llvm::cast<NameExpr>(e));
  case Expr::Kind::Unary:
    return genUnary(llvm::cast<UnaryExpr>(e));
  case Expr::Kind::Binary:
    return genBinary(llvm::cast<BinaryExpr>(e));
  case Expr::Kind::Ternary:
    return genTernary(llvm::cast<TernaryExpr>(e));
  case Expr::Kind::Index:
    return genIndex(llvm::cast<IndexExpr>(e));
  case Expr::Kind::Call:
    return genCall(llvm::cast<CallExpr>(e));
  default:
    // Literals always carry a constant; lists only appear as builtin arguments.
    return {};
  }
}

Value IRGen::sizeValue(Symbol *s) {
  auto it = sizes.find(s);
  if (it != sizes.end())
    return it->second;
  // Sizes are read once, at the top of the region, so they dominate every use.
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(entry);
  Location l = loc(s->loc);
  Value arg = entry->getArgument(s->argIndex);
  Value dim = memref::DimOp::create(b, l, arg, indexConst(l, s->dimIndex));
  Value v = arith::IndexCastOp::create(b, l, b.getI32Type(), dim);
  // Keep later sizes after this one.
  sizes[s] = v;
  return v;
}

Value IRGen::genName(NameExpr &e) {
  Symbol *s = e.sym;
  switch (s->kind) {
  case Symbol::Kind::Arg:
    return entry->getArgument(s->argIndex);
  case Symbol::Kind::Size:
    return sizeValue(s);
  default:
    return env.lookup(s);
  }
}

Value IRGen::genUnary(UnaryExpr &e) {
  Location l = loc(e.getLoc());
  Value v = gen(*e.operand);
  const SType &t = e.operand->type;
  switch (e.op) {
  case UnaryOp::Plus:
    return v;
  case UnaryOp::Neg:
    if (isFloat(t.elem))
      return arith::NegFOp::create(b, l, v);
    return arith::SubIOp::create(
        b, l, constant(l, t.elem, ConstVal::ofInt(0), t.shape, t.isTile()), v);
  case UnaryOp::Not:
    return arith::XOrIOp::create(
        b, l, v,
        constant(l, Elem::I1, ConstVal::ofBool(true), t.shape, t.isTile()));
  case UnaryOp::BitNot:
    return arith::XOrIOp::create(
        b, l, v, constant(l, t.elem, ConstVal::ofInt(-1), t.shape, t.isTile()));
  }
  return v;
}

Value IRGen::binaryOp(Location l, BinaryOp op, Elem elem, Value x, Value y) {
  bool f = isFloat(elem);
  bool u = isUnsigned(elem);
  if (isShift(op)) {
    // The amount is taken modulo the width, so that every target computes
    // the same value (LLVM leaves larger amounts undefined).
    auto type = dyn_cast<RankedTensorType>(y.getType());
    llvm::ArrayRef<int64_t> shape;
    if (type)
      shape = type.getShape();
    Value m = constant(l, elem, ConstVal::ofInt(elemWidth(elem) - 1), shape,
                       bool(type));
    Value amount = arith::AndIOp::create(b, l, y, m);
    if (op == BinaryOp::Shl)
      return arith::ShLIOp::create(b, l, x, amount);
    return u ? Value(arith::ShRUIOp::create(b, l, x, amount))
             : Value(arith::ShRSIOp::create(b, l, x, amount));
  }
  switch (op) {
  case BinaryOp::BitAnd:
    return arith::AndIOp::create(b, l, x, y);
  case BinaryOp::BitOr:
    return arith::OrIOp::create(b, l, x, y);
  case BinaryOp::BitXor:
    return arith::XOrIOp::create(b, l, x, y);
  case BinaryOp::Div:
    if (u)
      return arith::DivUIOp::create(b, l, x, y);
    break;
  case BinaryOp::Rem:
    if (u)
      return arith::RemUIOp::create(b, l, x, y);
    break;
  default:
    break;
  }
  switch (op) {
  case BinaryOp::Add:
    return f ? Value(arith::AddFOp::create(b, l, x, y))
             : arith::AddIOp::create(b, l, x, y);
  case BinaryOp::Sub:
    return f ? Value(arith::SubFOp::create(b, l, x, y))
             : arith::SubIOp::create(b, l, x, y);
  case BinaryOp::Mul:
    return f ? Value(arith::MulFOp::create(b, l, x, y))
             : arith::MulIOp::create(b, l, x, y);
  case BinaryOp::Div:
    return f ? Value(arith::DivFOp::create(b, l, x, y))
             : arith::DivSIOp::create(b, l, x, y);
  case BinaryOp::Rem:
    return f ? Value(arith::RemFOp::create(b, l, x, y))
             : arith::RemSIOp::create(b, l, x, y);
  case BinaryOp::And:
    return arith::AndIOp::create(b, l, x, y);
  case BinaryOp::Or:
    return arith::OrIOp::create(b, l, x, y);
  default:
    break;
  }
  if (f) {
    arith::CmpFPredicate p = op == BinaryOp::Lt   ? arith::CmpFPredicate::OLT
                             : op == BinaryOp::Le ? arith::CmpFPredicate::OLE
                             : op == BinaryOp::Gt ? arith::CmpFPredicate::OGT
                             : op == BinaryOp::Ge ? arith::CmpFPredicate::OGE
                             : op == BinaryOp::Eq ? arith::CmpFPredicate::OEQ
                                                  : arith::CmpFPredicate::UNE;
    return arith::CmpFOp::create(b, l, p, x, y);
  }
  arith::CmpIPredicate p =
      op == BinaryOp::Lt
          ? (u ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt)
      : op == BinaryOp::Le
          ? (u ? arith::CmpIPredicate::ule : arith::CmpIPredicate::sle)
      : op == BinaryOp::Gt
          ? (u ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt)
      : op == BinaryOp::Ge
          ? (u ? arith::CmpIPredicate::uge : arith::CmpIPredicate::sge)
      : op == BinaryOp::Eq ? arith::CmpIPredicate::eq
                           : arith::CmpIPredicate::ne;
  return arith::CmpIOp::create(b, l, p, x, y);
}

Value IRGen::genBinary(BinaryExpr &e) {
  Elem elem = unifyElem(e.lhs->type, e.rhs->type);
  Value x = genAs(*e.lhs, elem, e.type);
  Value y = genAs(*e.rhs, elem, e.type);
  return binaryOp(loc(e.getLoc()), e.op, elem, x, y);
}

Value IRGen::genTernary(TernaryExpr &e) {
  if (e.cond->cval) {
    Expr &chosen = e.cond->cval->b ? *e.thenExpr : *e.elseExpr;
    return genAs(chosen, e.type.elem, e.type);
  }
  Value c = gen(*e.cond);
  Value x = genAs(*e.thenExpr, e.type.elem, e.type);
  Value y = genAs(*e.elseExpr, e.type.elem, e.type);
  return arith::SelectOp::create(b, loc(e.getLoc()), c, x, y);
}

Value IRGen::genIndex(IndexExpr &e) {
  if (e.scalarLoad)
    return genScalarLoad(e, TypedAttr());
  // Only tile subscripts reach here (`x[:, None]`); blocks of global tensors
  // are handled by load/store/atomic_add.
  Value v = gen(*e.base);
  Location l = loc(e.getLoc());
  llvm::SmallVector<int64_t, 4> shape(e.base->type.shape);
  for (auto [i, s] : llvm::enumerate(e.subs)) {
    if (s.kind != Subscript::Kind::NewAxis)
      continue;
    shape.insert(shape.begin() + i, 1);
    auto type = RankedTensorType::get(shape, elemType(e.type.elem));
    v = tile::ExpandDimsOp::create(b, l, type, v, b.getI32IntegerAttr(i));
  }
  return v;
}

Value IRGen::genScalarLoad(IndexExpr &idx, TypedAttr padding) {
  auto *name = llvm::cast<NameExpr>(idx.base.get());
  Value base = entry->getArgument(name->sym->argIndex);
  llvm::SmallVector<Value, 4> indices;
  for (Subscript &s : idx.subs)
    indices.push_back(genIndexValue(*s.start));
  return tile::LoadScalarOp::create(
      b, loc(idx.getLoc()), elemType(idx.type.elem), base, indices, padding);
}

Value IRGen::spread(Location l, Value v, int64_t pos,
                    llvm::ArrayRef<int64_t> shape) {
  // A 1-D tile along dimension `pos` of `shape`, broadcast to all of it.
  auto src = cast<RankedTensorType>(v.getType());
  llvm::SmallVector<int64_t, 4> cur = {src.getDimSize(0)};
  for (int64_t d = 0; d < int64_t(shape.size()); ++d) {
    if (d == pos)
      continue;
    cur.insert(cur.begin() + d, 1);
    auto t = RankedTensorType::get(cur, src.getElementType());
    v = tile::ExpandDimsOp::create(b, l, t, v, b.getI32IntegerAttr(d));
  }
  if (llvm::ArrayRef<int64_t>(cur) == shape)
    return v;
  return tile::BroadcastOp::create(
      b, l, RankedTensorType::get(shape, src.getElementType()), v);
}

Value IRGen::genGather(IndexExpr &idx, TypedAttr padding, Expr *maskExpr) {
  // Every element gets its full coordinates: one i32 tile per global
  // dimension, of the result's shape.
  Location l = loc(idx.getLoc());
  auto *name = llvm::cast<NameExpr>(idx.base.get());
  Value base = entry->getArgument(name->sym->argIndex);
  const SType &slice = idx.type;
  llvm::ArrayRef<int64_t> shape = slice.shape;
  SType full = SType::tile(Elem::I32, shape);
  llvm::SmallVector<Value, 4> coords;
  int64_t pos = 0, gatherPos = -1;
  for (Subscript &s : idx.subs) {
    if (s.kind == Subscript::Kind::Index && s.start->type.isTile()) {
      if (gatherPos < 0)
        gatherPos = pos++;
      coords.push_back(spread(l, gen(*s.start), gatherPos, shape));
      continue;
    }
    if (s.kind == Subscript::Kind::Index) {
      coords.push_back(genAs(*s.start, Elem::I32, full));
      continue;
    }
    int64_t n = shape[pos];
    Value r =
        tile::IotaOp::create(b, l, RankedTensorType::get({n}, b.getI32Type()));
    if (s.kind == Subscript::Kind::Slice)
      r = arith::AddIOp::create(
          b, l, genAs(*s.start, Elem::I32, SType::tile(Elem::I32, {n})), r);
    coords.push_back(spread(l, r, pos++, shape));
  }
  Value mask;
  if (maskExpr)
    mask = genAs(*maskExpr, Elem::I1, SType::tile(slice.elem, shape));
  return tile::GatherOp::create(
      b, l, RankedTensorType::get(shape, elemType(slice.elem)), base, coords,
      mask, padding);
}

Value IRGen::genAccess(CallExpr &e, Builtin bi) {
  Location l = loc(e.getLoc());
  auto &idx = llvm::cast<IndexExpr>(*e.args[0].value);
  const SType &slice = idx.type;
  TypedAttr padding;
  Expr *maskExpr = nullptr;
  for (CallArg &a : e.args) {
    if (a.name == "padding")
      padding = scalarAttr(slice.elem, *a.value->cval);
    else if (a.name == "mask")
      maskExpr = a.value.get();
  }
  if (idx.gather)
    return genGather(idx, padding, maskExpr);
  // A single element: a scalar load, or a store of a 1-element tile.
  bool single = slice.shape.empty();
  if (single && bi == Builtin::Load)
    return genScalarLoad(idx, padding);
  auto *name = llvm::cast<NameExpr>(idx.base.get());
  Value base = entry->getArgument(name->sym->argIndex);
  llvm::SmallVector<Value, 4> offsets;
  llvm::SmallVector<int64_t, 4> dims;
  for (auto [i, s] : llvm::enumerate(idx.subs)) {
    if (s.kind == Subscript::Kind::Full) {
      offsets.push_back(indexConst(l, 0));
    } else {
      offsets.push_back(genIndexValue(*s.start));
    }
    if (s.kind != Subscript::Kind::Index)
      dims.push_back(i);
  }
  llvm::SmallVector<int64_t, 4> shape(slice.shape);
  if (single) {
    dims.push_back(int64_t(idx.subs.size()) - 1);
    shape.push_back(1);
  }
  DenseI64ArrayAttr dimsAttr;
  if (dims.size() != idx.subs.size())
    dimsAttr = b.getDenseI64ArrayAttr(dims);
  auto tileType = RankedTensorType::get(shape, elemType(slice.elem));
  SType target = SType::tile(slice.elem, shape);
  Value mask;
  if (maskExpr)
    mask = genAs(*maskExpr, Elem::I1, target);
  if (bi == Builtin::Load)
    return tile::LoadOp::create(b, l, tileType, base, offsets, mask, dimsAttr,
                                padding, DenseBoolArrayAttr());
  Value v = genAs(*e.args[1].value, slice.elem, target);
  if (bi == Builtin::Store)
    tile::StoreOp::create(b, l, v, base, offsets, mask, dimsAttr);
  else
    tile::AtomicAddOp::create(b, l, v, base, offsets, mask, dimsAttr);
  return {};
}

Value IRGen::genCall(CallExpr &e) {
  Location l = loc(e.getLoc());
  std::vector<Expr *> pos;
  for (CallArg &a : e.args)
    if (a.name.empty())
      pos.push_back(a.value.get());
  const SType &t = e.type;
  auto constInt = [](Expr *x) { return x->cval->i; };
  if (e.fn) {
    // A user function: its arguments bind its parameters, then its checked
    // copy of the body is generated in place.
    for (auto [p, a] : llvm::zip(e.inlineParams, e.args))
      if (p->kind != Symbol::Kind::Arg && !p->cval)
        env[p] = gen(*a.value);
    genBlock(*e.inlineBody);
    return e.inlineResult ? gen(*e.inlineResult) : Value();
  }
  switch (e.builtin) {
  case Builtin::None:
    return {};
  case Builtin::ProgramId:
    return tile::ProgramIdOp::create(b, l, b.getI32Type(),
                                     b.getI32IntegerAttr(constInt(pos[0])));
  case Builtin::NumPrograms:
    return tile::NumProgramsOp::create(b, l, b.getI32Type(),
                                       b.getI32IntegerAttr(constInt(pos[0])));
  case Builtin::Cdiv: {
    // (a + b - 1) / b: every back end lowers these without help.
    Value x = genAs(*pos[0], Elem::I32, t);
    Value y = genAs(*pos[1], Elem::I32, t);
    Value sum = arith::AddIOp::create(b, l, x, y);
    Value num = arith::SubIOp::create(b, l, sum, i32Const(l, 1));
    return arith::DivSIOp::create(b, l, num, y);
  }
  case Builtin::Min:
  case Builtin::Max: {
    Value x = genAs(*pos[0], t.elem, t);
    Value y = genAs(*pos[1], t.elem, t);
    bool isMax = e.builtin == Builtin::Max;
    if (isFloat(t.elem))
      return isMax ? Value(arith::MaximumFOp::create(b, l, x, y))
                   : Value(arith::MinimumFOp::create(b, l, x, y));
    if (isUnsigned(t.elem))
      return isMax ? Value(arith::MaxUIOp::create(b, l, x, y))
                   : Value(arith::MinUIOp::create(b, l, x, y));
    return isMax ? Value(arith::MaxSIOp::create(b, l, x, y))
                 : Value(arith::MinSIOp::create(b, l, x, y));
  }
  case Builtin::Exp:
    return math::ExpOp::create(b, l, genAs(*pos[0], t.elem, t));
  case Builtin::Exp2:
    return math::Exp2Op::create(b, l, genAs(*pos[0], t.elem, t));
  case Builtin::Log:
    return math::LogOp::create(b, l, genAs(*pos[0], t.elem, t));
  case Builtin::Log2:
    return math::Log2Op::create(b, l, genAs(*pos[0], t.elem, t));
  case Builtin::Sqrt:
    return math::SqrtOp::create(b, l, genAs(*pos[0], t.elem, t));
  case Builtin::Rsqrt:
    return math::RsqrtOp::create(b, l, genAs(*pos[0], t.elem, t));
  case Builtin::Tanh:
    return math::TanhOp::create(b, l, genAs(*pos[0], t.elem, t));
  case Builtin::Sin:
    return math::SinOp::create(b, l, genAs(*pos[0], t.elem, t));
  case Builtin::Cos:
    return math::CosOp::create(b, l, genAs(*pos[0], t.elem, t));
  case Builtin::Floor:
    return math::FloorOp::create(b, l, genAs(*pos[0], t.elem, t));
  case Builtin::Ceil:
    return math::CeilOp::create(b, l, genAs(*pos[0], t.elem, t));
  case Builtin::Erf:
    return math::ErfOp::create(b, l, genAs(*pos[0], t.elem, t));
  case Builtin::Pow:
    return math::PowFOp::create(b, l, genAs(*pos[0], t.elem, t),
                                genAs(*pos[1], t.elem, t));
  case Builtin::Abs:
    if (isFloat(t.elem))
      return math::AbsFOp::create(b, l, genAs(*pos[0], t.elem, t));
    if (isUnsigned(t.elem))
      return genAs(*pos[0], t.elem, t);
    return math::AbsIOp::create(b, l, genAs(*pos[0], t.elem, t));
  case Builtin::Where: {
    Value c = genAs(*pos[0], Elem::I1, t);
    Value x = genAs(*pos[1], t.elem, t);
    Value y = genAs(*pos[2], t.elem, t);
    return arith::SelectOp::create(b, l, c, x, y);
  }
  case Builtin::Cast: {
    const SType &from = pos[0]->type;
    Value v = gen(*pos[0]);
    Elem fe = from.elem, te = t.elem;
    if (fe == te)
      return v;
    Type to = typeOf(t);
    if (te == Elem::I1) {
      Value zero =
          constant(l, fe, ConstVal::ofInt(0), from.shape, from.isTile());
      return binaryOp(l, BinaryOp::Ne, fe, v, zero);
    }
    if (fe == Elem::I1)
      return isFloat(te) ? Value(arith::UIToFPOp::create(b, l, to, v))
                         : Value(arith::ExtUIOp::create(b, l, to, v));
    if (isInt(fe) && isInt(te)) {
      unsigned fw = elemWidth(fe), tw = elemWidth(te);
      if (tw == fw)
        return v; // i32 <-> u32: the same bits
      if (tw < fw)
        return arith::TruncIOp::create(b, l, to, v);
      return isUnsigned(fe) ? Value(arith::ExtUIOp::create(b, l, to, v))
                            : Value(arith::ExtSIOp::create(b, l, to, v));
    }
    if (isInt(fe))
      return isUnsigned(fe) ? Value(arith::UIToFPOp::create(b, l, to, v))
                            : Value(arith::SIToFPOp::create(b, l, to, v));
    if (isInt(te))
      return isUnsigned(te) ? Value(arith::FPToUIOp::create(b, l, to, v))
                            : Value(arith::FPToSIOp::create(b, l, to, v));
    unsigned fw = elemWidth(fe), tw = elemWidth(te);
    if (tw > fw)
      return arith::ExtFOp::create(b, l, to, v);
    if (tw < fw)
      return arith::TruncFOp::create(b, l, to, v);
    // Same width, different formats (f16 <-> bf16): go through f32.
    Type f32 = from.isTile()
                   ? Type(RankedTensorType::get(from.shape, b.getF32Type()))
                   : Type(b.getF32Type());
    Value wide = arith::ExtFOp::create(b, l, f32, v);
    return arith::TruncFOp::create(b, l, to, wide);
  }
  case Builtin::Full: {
    Expr &fill = *pos[1];
    if (fill.cval)
      return constant(l, t.elem, *fill.cval, t.shape, true);
    return genAs(fill, t.elem, t);
  }
  case Builtin::Zeros:
    return constant(l, t.elem, ConstVal::ofInt(0), t.shape, true);
  case Builtin::Iota: {
    Value r = tile::IotaOp::create(b, l, typeOf(t));
    if (pos.size() == 1 || (pos[0]->cval && pos[0]->cval->i == 0))
      return r;
    Value start = genAs(*pos[0], Elem::I32, t);
    return arith::AddIOp::create(b, l, start, r);
  }
  case Builtin::Dot: {
    Value x = gen(*pos[0]);
    Value y = gen(*pos[1]);
    Value acc = pos.size() == 3 ? gen(*pos[2])
                                : constant(l, Elem::F32, ConstVal::ofFloat(0.0),
                                           t.shape, true);
    return tile::DotOp::create(b, l, typeOf(t), x, y, acc);
  }
  case Builtin::Trans: {
    Value x = gen(*pos[0]);
    DenseI32ArrayAttr order;
    if (pos.size() == 2) {
      llvm::SmallVector<int32_t, 4> perm;
      for (ExprPtr &el : llvm::cast<ListExpr>(pos[1])->elems)
        perm.push_back(int32_t(el->cval->i));
      order = b.getDenseI32ArrayAttr(perm);
    }
    return tile::TransOp::create(b, l, typeOf(t), x, order);
  }
  case Builtin::RowMax:
  case Builtin::RowMin:
  case Builtin::RowSum:
  case Builtin::ReduceMax:
  case Builtin::ReduceMin:
  case Builtin::ReduceSum: {
    Value x = gen(*pos[0]);
    int64_t axis = pos.size() == 2 ? constInt(pos[1]) : pos[0]->type.rank() - 1;
    tile::ReduceKind kind =
        (e.builtin == Builtin::RowMax || e.builtin == Builtin::ReduceMax)
            ? tile::ReduceKind::Max
        : (e.builtin == Builtin::RowMin || e.builtin == Builtin::ReduceMin)
            ? tile::ReduceKind::Min
            : tile::ReduceKind::Sum;
    llvm::SmallVector<int64_t, 4> shape(t.shape);
    auto resType = RankedTensorType::get(shape, elemType(t.elem));
    Value r = tile::ReduceOp::create(b, l, resType,
                                     tile::ReduceKindAttr::get(ctx, kind), x,
                                     b.getI32IntegerAttr(axis));
    if (t.isScalar())
      return tensor::ExtractOp::create(b, l, r, ValueRange{});
    return r;
  }
  case Builtin::Load:
  case Builtin::Store:
  case Builtin::AtomicAdd:
    return genAccess(e, e.builtin);
  }
  return {};
}

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

void IRGen::genBlock(BlockStmt &blk) { genStmts(blk.stmts, 0); }

/// Whether `s` contains a `break` of the loop whose flag is `go`.
static bool mayBreak(const Stmt &s, Symbol *go) {
  switch (s.getKind()) {
  case Stmt::Kind::Break:
    return llvm::cast<BreakStmt>(s).go == go;
  case Stmt::Kind::Block:
    return llvm::any_of(llvm::cast<BlockStmt>(s).stmts,
                        [&](const StmtPtr &x) { return mayBreak(*x, go); });
  case Stmt::Kind::If: {
    auto &i = llvm::cast<IfStmt>(s);
    return mayBreak(*i.thenBlock, go) ||
           (i.elseStmt && mayBreak(*i.elseStmt, go));
  }
  default:
    return false; // nested loops: their breaks are their own
  }
}

void IRGen::collectAssigned(llvm::ArrayRef<StmtPtr> stmts,
                            llvm::SmallVectorImpl<Symbol *> &out) {
  auto note = [&](Symbol *s) {
    if (s && env.count(s) && !llvm::is_contained(out, s))
      out.push_back(s);
  };
  for (const StmtPtr &p : stmts) {
    Stmt &s = *p;
    switch (s.getKind()) {
    case Stmt::Kind::Assign:
      note(llvm::cast<AssignStmt>(s).sym);
      break;
    case Stmt::Kind::Break:
      note(llvm::cast<BreakStmt>(s).go);
      break;
    case Stmt::Kind::Block:
      collectAssigned(llvm::cast<BlockStmt>(s).stmts, out);
      break;
    case Stmt::Kind::If:
      for (Symbol *c : llvm::cast<IfStmt>(s).carried)
        note(c);
      break;
    case Stmt::Kind::For:
      for (Symbol *c : llvm::cast<ForStmt>(s).carried)
        note(c);
      break;
    case Stmt::Kind::While:
      for (Symbol *c : llvm::cast<WhileStmt>(s).carried)
        note(c);
      break;
    default:
      break;
    }
  }
}

void IRGen::genStmts(std::vector<StmtPtr> &stmts, size_t from) {
  for (size_t i = from; i < stmts.size(); ++i) {
    genStmt(*stmts[i]);
    if (!innerGo || i + 1 == stmts.size() || !mayBreak(*stmts[i], innerGo))
      continue;
    // The rest of the list runs only if no break happened.
    Location l = loc(stmts[i + 1]->getLoc());
    llvm::SmallVector<Symbol *, 4> carried;
    collectAssigned(llvm::ArrayRef<StmtPtr>(stmts).drop_front(i + 1), carried);
    llvm::SmallVector<Type, 4> types;
    llvm::SmallVector<Value, 4> before;
    for (Symbol *s : carried) {
      types.push_back(typeOf(s->type));
      before.push_back(env.lookup(s));
    }
    auto ifOp = scf::IfOp::create(b, l, types, env.lookup(innerGo),
                                  /*withElseRegion=*/!types.empty());
    {
      OpBuilder::InsertionGuard guard(b);
      Block *then = &ifOp.getThenRegion().front();
      if (!then->empty() && then->back().hasTrait<OpTrait::IsTerminator>())
        then->back().erase();
      b.setInsertionPointToEnd(then);
      genStmts(stmts, i + 1);
      llvm::SmallVector<Value, 4> yields;
      for (Symbol *s : carried)
        yields.push_back(env.lookup(s));
      scf::YieldOp::create(b, l, yields);
      if (!types.empty()) {
        Block *other = &ifOp.getElseRegion().front();
        if (!other->empty() && other->back().hasTrait<OpTrait::IsTerminator>())
          other->back().erase();
        b.setInsertionPointToEnd(other);
        scf::YieldOp::create(b, l, before);
      }
    }
    for (auto [s, v] : llvm::zip(carried, ifOp.getResults()))
      env[s] = v;
    return;
  }
}

void IRGen::genWhile(WhileStmt &w) {
  Location l = loc(w.getLoc());
  if (w.go)
    env[w.go] = constant(l, Elem::I1, ConstVal::ofBool(true), {}, false);
  llvm::SmallVector<Value, 4> inits;
  llvm::SmallVector<Type, 4> types;
  for (Symbol *s : w.carried) {
    inits.push_back(env.lookup(s));
    types.push_back(typeOf(s->type));
  }
  auto whileOp = scf::WhileOp::create(b, l, types, inits);
  llvm::SmallVector<Location, 4> locs(types.size(), l);
  Symbol *savedGo = innerGo;
  {
    OpBuilder::InsertionGuard guard(b);
    Block *before = b.createBlock(&whileOp.getBefore(), {}, types, locs);
    for (auto [s, a] : llvm::zip(w.carried, before->getArguments()))
      env[s] = a;
    Value c = gen(*w.cond);
    if (w.go)
      c = arith::AndIOp::create(b, l, c, env.lookup(w.go));
    scf::ConditionOp::create(b, l, c, before->getArguments());
    Block *after = b.createBlock(&whileOp.getAfter(), {}, types, locs);
    for (auto [s, a] : llvm::zip(w.carried, after->getArguments()))
      env[s] = a;
    innerGo = w.go;
    genBlock(*w.body);
    llvm::SmallVector<Value, 4> yields;
    for (Symbol *s : w.carried)
      yields.push_back(env.lookup(s));
    scf::YieldOp::create(b, l, yields);
  }
  innerGo = savedGo;
  for (auto [s, v] : llvm::zip(w.carried, whileOp.getResults()))
    env[s] = v;
}

void IRGen::genForWithBreak(ForStmt &f) {
  // A counted loop that may stop early: a while loop over (i, carried).
  Location l = loc(f.getLoc());
  Value lb = f.start ? genIndexValue(*f.start) : indexConst(l, 0);
  Value ub = genIndexValue(*f.end);
  Value step = f.step ? genIndexValue(*f.step) : indexConst(l, 1);
  env[f.go] = constant(l, Elem::I1, ConstVal::ofBool(true), {}, false);
  llvm::SmallVector<Value, 4> inits = {lb};
  llvm::SmallVector<Type, 4> types = {b.getIndexType()};
  for (Symbol *s : f.carried) {
    inits.push_back(env.lookup(s));
    types.push_back(typeOf(s->type));
  }
  auto whileOp = scf::WhileOp::create(b, l, types, inits);
  llvm::SmallVector<Location, 4> locs(types.size(), l);
  Symbol *savedGo = innerGo;
  {
    OpBuilder::InsertionGuard guard(b);
    Block *before = b.createBlock(&whileOp.getBefore(), {}, types, locs);
    for (auto [s, a] :
         llvm::zip(f.carried, before->getArguments().drop_front()))
      env[s] = a;
    Value more = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt,
                                       before->getArgument(0), ub);
    Value c = arith::AndIOp::create(b, l, more, env.lookup(f.go));
    scf::ConditionOp::create(b, l, c, before->getArguments());
    Block *after = b.createBlock(&whileOp.getAfter(), {}, types, locs);
    for (auto [s, a] : llvm::zip(f.carried, after->getArguments().drop_front()))
      env[s] = a;
    env[f.varSym] = arith::IndexCastOp::create(b, loc(f.varLoc), b.getI32Type(),
                                               after->getArgument(0));
    innerGo = f.go;
    genBlock(*f.body);
    llvm::SmallVector<Value, 4> yields = {
        arith::AddIOp::create(b, l, after->getArgument(0), step)};
    for (Symbol *s : f.carried)
      yields.push_back(env.lookup(s));
    scf::YieldOp::create(b, l, yields);
  }
  innerGo = savedGo;
  for (auto [s, v] : llvm::zip(f.carried, whileOp.getResults().drop_front()))
    env[s] = v;
}

void IRGen::genStmt(Stmt &s) {
  switch (s.getKind()) {
  case Stmt::Kind::Block:
    genBlock(llvm::cast<BlockStmt>(s));
    return;
  case Stmt::Kind::Decl: {
    auto &d = llvm::cast<DeclStmt>(s);
    if (d.sym->cval && d.sym->kind == Symbol::Kind::Let)
      return; // a named constant: folded at every use
    env[d.sym] = genAs(*d.init, d.sym->type.elem, d.sym->type);
    return;
  }
  case Stmt::Kind::Assign: {
    auto &a = llvm::cast<AssignStmt>(s);
    Location l = loc(a.getLoc());
    const SType &varType = a.sym->type;
    Value v;
    SType vt;
    if (a.op) {
      const SType &ct = a.combinedType;
      Elem elem = unifyElem(varType, a.value->type);
      Value cur = convert(l, env.lookup(a.sym), varType, ct);
      Value rhs = genAs(*a.value, elem, ct);
      v = binaryOp(l, *a.op, elem, cur, rhs);
      vt = ct;
    } else {
      v = genAs(*a.value, varType.elem,
                a.value->type.isTile() ? a.value->type
                                       : SType::scalar(varType.elem));
      vt = a.value->type;
      vt.elem = varType.elem;
    }
    env[a.sym] = convert(l, v, vt, varType);
    return;
  }
  case Stmt::Kind::Expr:
    gen(*llvm::cast<ExprStmt>(s).expr);
    return;
  case Stmt::Kind::For:
    genFor(llvm::cast<ForStmt>(s));
    return;
  case Stmt::Kind::If:
    genIf(llvm::cast<IfStmt>(s));
    return;
  case Stmt::Kind::While:
    genWhile(llvm::cast<WhileStmt>(s));
    return;
  case Stmt::Kind::Break: {
    auto &br = llvm::cast<BreakStmt>(s);
    env[br.go] =
        constant(loc(s.getLoc()), Elem::I1, ConstVal::ofBool(false), {}, false);
    return;
  }
  }
}

void IRGen::genFor(ForStmt &f) {
  if (f.go)
    return genForWithBreak(f);
  Location l = loc(f.getLoc());
  Value lb = f.start ? genIndexValue(*f.start) : indexConst(l, 0);
  Value ub = genIndexValue(*f.end);
  Value step = f.step ? genIndexValue(*f.step) : indexConst(l, 1);
  llvm::SmallVector<Value, 4> inits;
  for (Symbol *s : f.carried)
    inits.push_back(env.lookup(s));
  auto forOp = scf::ForOp::create(
      b, l, lb, ub, step, inits,
      [&](OpBuilder &nested, Location bl, Value iv, ValueRange iterArgs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        env[f.varSym] =
            arith::IndexCastOp::create(b, loc(f.varLoc), b.getI32Type(), iv);
        for (auto [s, v] : llvm::zip(f.carried, iterArgs))
          env[s] = v;
        // A break inside belongs to this loop, which has none.
        Symbol *savedGo = innerGo;
        innerGo = nullptr;
        genBlock(*f.body);
        innerGo = savedGo;
        llvm::SmallVector<Value, 4> yields;
        for (Symbol *s : f.carried)
          yields.push_back(env.lookup(s));
        scf::YieldOp::create(b, bl, yields);
      });
  for (auto [s, v] : llvm::zip(f.carried, forOp.getResults()))
    env[s] = v;
}

void IRGen::genIf(IfStmt &s) {
  if (s.cond->cval) {
    if (s.cond->cval->b)
      genBlock(*s.thenBlock);
    else if (s.elseStmt)
      genStmt(*s.elseStmt);
    return;
  }
  Location l = loc(s.getLoc());
  Value cond = gen(*s.cond);
  llvm::SmallVector<Type, 4> types;
  llvm::SmallVector<Value, 4> before;
  for (Symbol *sym : s.carried) {
    types.push_back(typeOf(sym->type));
    before.push_back(env.lookup(sym));
  }
  bool withElse = s.elseStmt || !types.empty();
  auto ifOp = scf::IfOp::create(b, l, types, cond, withElse);
  auto fill = [&](Block *block, auto &&body) {
    if (!block->empty() && block->back().hasTrait<OpTrait::IsTerminator>())
      block->back().erase();
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(block);
    for (auto [sym, v] : llvm::zip(s.carried, before))
      env[sym] = v;
    body();
    llvm::SmallVector<Value, 4> yields;
    for (Symbol *sym : s.carried)
      yields.push_back(env.lookup(sym));
    scf::YieldOp::create(b, l, yields);
  };
  fill(&ifOp.getThenRegion().front(), [&] { genBlock(*s.thenBlock); });
  if (withElse)
    fill(&ifOp.getElseRegion().front(), [&] {
      if (s.elseStmt)
        genStmt(*s.elseStmt);
    });
  for (auto [sym, v] : llvm::zip(s.carried, ifOp.getResults()))
    env[sym] = v;
}

//===----------------------------------------------------------------------===//
// Kernel
//===----------------------------------------------------------------------===//

void IRGen::run() {
  KernelDecl &decl = *k.decl;
  llvm::SmallVector<Type, 8> argTypes;
  llvm::SmallVector<Attribute, 8> argAttrs;
  for (ArgInfo &a : k.args) {
    Type elem = elemType(a.elem);
    llvm::SmallVector<NamedAttribute, 2> attrs;
    attrs.push_back(b.getNamedAttr("tile.name", b.getStringAttr(a.sym->name)));
    if (a.isGlobal) {
      int64_t rank = a.dims.size();
      llvm::SmallVector<int64_t, 4> shape(rank, ShapedType::kDynamic);
      llvm::SmallVector<int64_t, 4> strides(rank, ShapedType::kDynamic);
      strides.back() = 1;
      auto layout = StridedLayoutAttr::get(ctx, 0, strides);
      argTypes.push_back(MemRefType::get(shape, elem, layout));
      llvm::SmallVector<Attribute, 4> dims;
      for (auto [size, name] : llvm::zip(a.dims, a.dimNames))
        dims.push_back(name.empty() ? Attribute(b.getI64IntegerAttr(size))
                                    : Attribute(b.getStringAttr(name)));
      attrs.push_back(b.getNamedAttr("tile.dims", b.getArrayAttr(dims)));
    } else {
      argTypes.push_back(elem);
    }
    argAttrs.push_back(b.getDictionaryAttr(attrs));
  }

  b.setInsertionPointToEnd(module.getBody());
  auto fnType = b.getFunctionType(argTypes, {});
  // KernelOp's builder moves the insertion point into its new regions and
  // clears it, so the op is attached to the module by hand.
  auto kernel = tile::KernelOp::create(b, loc(decl.loc), decl.name, fnType);
  if (!kernel->getBlock())
    module.getBody()->push_back(kernel);
  kernel.setArgAttrsAttr(b.getArrayAttr(argAttrs));
  if (!k.params.empty()) {
    llvm::SmallVector<NamedAttribute, 8> params;
    for (ParamValue &p : k.params) {
      Attribute v;
      switch (p.kind) {
      case ParamDecl::Kind::Int:
        v = b.getI64IntegerAttr(p.value.i);
        break;
      case ParamDecl::Kind::Bool:
        v = b.getBoolAttr(p.value.b);
        break;
      case ParamDecl::Kind::Type:
        v = TypeAttr::get(elemType(p.type));
        break;
      }
      params.push_back(b.getNamedAttr(p.name, v));
    }
    kernel.setParamsAttr(b.getDictionaryAttr(params));
  }
  // Block arguments carry the argument's source location.
  for (Region *r : {&kernel.getBody(), &kernel.getGrid()})
    for (auto [arg, a] : llvm::zip(r->front().getArguments(), k.args))
      arg.setLoc(loc(a.sym->loc));

  // Grid rule.
  entry = &kernel.getGrid().front();
  sizes.clear();
  b.setInsertionPointToEnd(entry);
  llvm::SmallVector<Value, 3> grid;
  for (ExprPtr &e : decl.grid)
    grid.push_back(genIndexValue(*e));
  while (grid.size() < 3)
    grid.push_back(indexConst(loc(decl.gridLoc), 1));
  tile::YieldOp::create(b, loc(decl.gridLoc), grid);

  // Body.
  entry = &kernel.getBody().front();
  sizes.clear();
  env.clear();
  b.setInsertionPointToEnd(entry);
  genBlock(*decl.body);
  tile::ReturnOp::create(b, loc(decl.body->endLoc));
}

void fa::frontend::generateKernel(CheckedKernel &kernel, ModuleOp module,
                                  llvm::SourceMgr &srcMgr) {
  IRGen(kernel, module, srcMgr).run();
}
