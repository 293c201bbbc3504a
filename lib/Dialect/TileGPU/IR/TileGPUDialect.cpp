//===- TileGPUDialect.cpp - the FlashTile `tilegpu` dialect ---------------===//

#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "fa/Dialect/TileGPU/IR/LinearLayout.h"
#include "fa/Dialect/TileGPU/IR/ModuleTarget.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace fa::tilegpu;

static ParseResult parseShape(AsmParser &parser, SmallVector<int64_t> &shape,
                              Type &elementType) {
  if (parser.parseDimensionList(shape, /*allowDynamic=*/false,
                                /*withTrailingX=*/true) ||
      parser.parseType(elementType))
    return failure();
  return success();
}

static void printShape(AsmPrinter &printer, ArrayRef<int64_t> shape,
                       Type elementType) {
  for (int64_t d : shape)
    printer << d << "x";
  printer << elementType;
}

/// `, panel = P` and `, pad = Q`, each optional (0 when absent), in either
/// order.
static ParseResult parsePanelPad(AsmParser &parser, unsigned &panel,
                                 unsigned &pad) {
  panel = 0;
  pad = 0;
  while (succeeded(parser.parseOptionalComma())) {
    StringRef key;
    unsigned value = 0;
    SMLoc loc = parser.getCurrentLocation();
    if (parser.parseKeyword(&key) || parser.parseEqual() ||
        parser.parseInteger(value))
      return failure();
    if (key == "panel")
      panel = value;
    else if (key == "pad")
      pad = value;
    else
      return parser.emitError(loc, "expected 'panel' or 'pad'");
  }
  return success();
}

static void printPanelPad(AsmPrinter &printer, unsigned panel, unsigned pad) {
  if (panel)
    printer << ", panel = " << panel;
  if (pad)
    printer << ", pad = " << pad;
}

#include "fa/Dialect/TileGPU/IR/TileGPUOpsDialect.cpp.inc"

#include "fa/Dialect/TileGPU/IR/TileGPUAttrInterfaces.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "fa/Dialect/TileGPU/IR/TileGPUAttrs.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "fa/Dialect/TileGPU/IR/TileGPUOpsTypes.cpp.inc"

#define GET_OP_CLASSES
#include "fa/Dialect/TileGPU/IR/TileGPUOps.cpp.inc"

void TileGPUDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "fa/Dialect/TileGPU/IR/TileGPUAttrs.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "fa/Dialect/TileGPU/IR/TileGPUOpsTypes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "fa/Dialect/TileGPU/IR/TileGPUOps.cpp.inc"
      >();
}

Operation *TileGPUDialect::materializeConstant(OpBuilder &builder,
                                               Attribute value, Type type,
                                               Location loc) {
  return arith::ConstantOp::materialize(builder, value, type, loc);
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

static bool isPow2(int64_t x) { return x > 0 && (x & (x - 1)) == 0; }

LogicalResult
BlockedEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                            ArrayRef<unsigned> spt, ArrayRef<unsigned> tpw,
                            ArrayRef<unsigned> wpc, ArrayRef<unsigned> order) {
  size_t rank = spt.size();
  if (tpw.size() != rank || wpc.size() != rank || order.size() != rank)
    return emitError() << "blocked layout parameters must all have rank "
                       << rank;
  int64_t lanes = 1;
  SmallVector<bool> seen(rank, false);
  for (size_t i = 0; i < rank; ++i) {
    if (!isPow2(spt[i]) || !isPow2(tpw[i]) || !isPow2(wpc[i]))
      return emitError() << "blocked layout sizes must be powers of two";
    lanes *= tpw[i];
    if (order[i] >= rank || seen[order[i]])
      return emitError() << "blocked layout order must be a permutation";
    seen[order[i]] = true;
  }
  // The product is the warp size the layout is for (32 or 64); the lowering
  // checks it against the target's.
  if (lanes != 32 && lanes != 64)
    return emitError() << "threadsPerWarp must multiply to a warp size (32 or "
                          "64), got "
                       << lanes;
  return success();
}

static unsigned product(ArrayRef<unsigned> v) {
  unsigned p = 1;
  for (unsigned x : v)
    p *= x;
  return p;
}

unsigned BlockedEncodingAttr::getNumWarps() const {
  return product(getWarpsPerCTA());
}
unsigned BlockedEncodingAttr::getLanesPerWarp() const {
  return product(getThreadsPerWarp());
}
unsigned DotOperandEncodingAttr::getNumWarps() const {
  return cast<DistributedLayoutAttrInterface>(getParent()).getNumWarps();
}
unsigned DotOperandEncodingAttr::getLanesPerWarp() const {
  return cast<DistributedLayoutAttrInterface>(getParent()).getLanesPerWarp();
}
unsigned SliceEncodingAttr::getNumWarps() const {
  return cast<DistributedLayoutAttrInterface>(getParent()).getNumWarps();
}
unsigned SliceEncodingAttr::getLanesPerWarp() const {
  return cast<DistributedLayoutAttrInterface>(getParent()).getLanesPerWarp();
}

LogicalResult TargetAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 StringRef name, unsigned warps,
                                 unsigned threadsPerWarp) {
  if (name.empty())
    return emitError() << "target name must not be empty";
  if (!isPow2(warps) || warps > 16)
    return emitError() << "warps must be 1, 2, 4, 8 or 16, got " << warps;
  if (threadsPerWarp != 32 && threadsPerWarp != 64)
    return emitError() << "threads_per_warp must be 32 or 64, got "
                       << threadsPerWarp;
  return success();
}

LogicalResult TileGPUDialect::verifyOperationAttribute(Operation *op,
                                                       NamedAttribute attr) {
  if (attr.getName() != fa::tilegpu::kTargetAttrName)
    return success();
  if (!isa<ModuleOp>(op) || !isa<TargetAttr>(attr.getValue()))
    return op->emitError() << "'" << attr.getName().getValue()
                           << "' must be a #tilegpu.target on a module";
  return success();
}

TargetAttr fa::tilegpu::getModuleTarget(Operation *op) {
  auto module =
      isa<ModuleOp>(op) ? cast<ModuleOp>(op) : op->getParentOfType<ModuleOp>();
  if (!module)
    return {};
  return module->getAttrOfType<TargetAttr>(kTargetAttrName);
}

void fa::tilegpu::setModuleTarget(ModuleOp module, TargetAttr target) {
  module->setAttr(kTargetAttrName, target);
}

LogicalResult
DotOperandEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               unsigned opIdx, Attribute parent) {
  if (opIdx > 1)
    return emitError() << "dot operand index must be 0 (A) or 1 (B)";
  if (!isa<MmaLayoutAttrInterface>(parent) ||
      !isa<DistributedLayoutAttrInterface>(parent))
    return emitError() << "dot operand parent must be an mma layout";
  return success();
}

LogicalResult
SliceEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                          unsigned dim, Attribute parent) {
  if (!isa<DistributedLayoutAttrInterface>(parent))
    return emitError() << "slice parent must be a register layout";
  return success();
}

LogicalResult
SharedBufferType::verify(function_ref<InFlightDiagnostic()> emitError,
                         ArrayRef<int64_t> shape, Type elementType,
                         Attribute encoding) {
  auto shared = dyn_cast<SharedEncodingAttr>(encoding);
  if (!shared)
    return emitError() << "shared buffer needs a #tilegpu.shared layout";
  if (shared.getOrder().size() != shape.size())
    return emitError() << "shared layout order has rank "
                       << shared.getOrder().size() << ", buffer has rank "
                       << shape.size();
  unsigned panel = shared.getPanel();
  if (panel && (shape.size() < 2 || shape[shared.getOrder()[0]] % panel))
    return emitError() << "shared layout panel of " << panel
                       << " columns must divide the rows of a buffer of "
                          "rank 2 or more";
  return success();
}

LogicalResult
SharedEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                           unsigned vec, unsigned perPhase, unsigned maxPhase,
                           ArrayRef<unsigned> order, unsigned panel,
                           unsigned pad) {
  if (panel && (!llvm::isPowerOf2_32(panel) || panel % vec))
    return emitError() << "shared layout panel must be 0 or a power of two "
                          "multiple of vec, got "
                       << panel;
  if (pad && (maxPhase > 1 || panel))
    return emitError() << "shared layout pad needs unswizzled rows without "
                          "panels (maxPhase 1, panel 0)";
  return success();
}

int64_t SharedBufferType::getNumElements() const {
  int64_t n = 1;
  for (int64_t d : getShape())
    n *= d;
  // Padded rows: `pad` more elements per row of the fastest dimension.
  auto enc = dyn_cast<SharedLayoutAttrInterface>(getEncoding());
  if (enc && enc.getPad() && !getShape().empty()) {
    int64_t len = getShape()[enc.getOrder()[0]];
    n = n / len * (len + enc.getPad());
  }
  return n;
}

unsigned fa::tilegpu::getNumWarps(Attribute layout) {
  auto d = dyn_cast_or_null<DistributedLayoutAttrInterface>(layout);
  return d ? d.getNumWarps() : 0;
}

bool fa::tilegpu::isDistributedLayout(Attribute layout) {
  return isa_and_nonnull<DistributedLayoutAttrInterface>(layout);
}

BlockedEncodingAttr fa::tilegpu::getDefaultBlocked(MLIRContext *ctx,
                                                   ArrayRef<int64_t> shape,
                                                   unsigned numWarps,
                                                   unsigned threadsPerWarp,
                                                   unsigned elemBits) {
  unsigned rank = shape.size();
  SmallVector<unsigned> spt(rank, 1), tpw(rank, 1), wpc(rank, 1), order;
  for (int d = rank - 1; d >= 0; --d)
    order.push_back(d);
  unsigned last = rank - 1;
  unsigned vec = std::max(1u, 128 / std::max(8u, elemBits));
  spt[last] = std::min<int64_t>(vec, shape[last]);
  // Lanes: fastest dimension first, as far as the shape allows.
  unsigned lanes = threadsPerWarp;
  for (unsigned d : order) {
    int64_t room = std::max<int64_t>(1, shape[d] / spt[d]);
    while (lanes > 1 && tpw[d] < room) {
      tpw[d] *= 2;
      lanes /= 2;
    }
  }
  tpw[order.back()] *= lanes; // leftover lanes replicate the slowest dim
  // Warps: slowest dimension first.
  unsigned warps = numWarps;
  for (int i = rank - 1; i >= 0; --i) {
    unsigned d = order[i];
    int64_t room = std::max<int64_t>(1, shape[d] / (spt[d] * tpw[d]));
    while (warps > 1 && wpc[d] < room) {
      wpc[d] *= 2;
      warps /= 2;
    }
  }
  wpc[order.back()] *= warps;
  return BlockedEncodingAttr::get(ctx, spt, tpw, wpc, order);
}

Attribute fa::tilegpu::permuteLayout(Attribute layout, ArrayRef<int32_t> perm) {
  auto b = dyn_cast<BlockedEncodingAttr>(layout);
  if (!b)
    return {};
  unsigned rank = perm.size();
  SmallVector<unsigned> spt(rank), tpw(rank), wpc(rank), order(rank);
  SmallVector<unsigned> inverse(rank);
  for (unsigned i = 0; i < rank; ++i) {
    spt[i] = b.getSizePerThread()[perm[i]];
    tpw[i] = b.getThreadsPerWarp()[perm[i]];
    wpc[i] = b.getWarpsPerCTA()[perm[i]];
    inverse[perm[i]] = i;
  }
  for (unsigned i = 0; i < rank; ++i)
    order[i] = inverse[b.getOrder()[i]];
  return BlockedEncodingAttr::get(layout.getContext(), spt, tpw, wpc, order);
}

unsigned fa::tilegpu::sharedElementBits(Type elem) {
  return std::max(8u, elem.getIntOrFloatBitWidth());
}

SharedEncodingAttr fa::tilegpu::getSwizzledShared(MLIRContext *ctx,
                                                  ArrayRef<int64_t> shape,
                                                  ArrayRef<unsigned> order,
                                                  unsigned elemBits) {
  // 16-byte chunks; rows shorter than 128 bytes share a phase.
  unsigned vec = std::max(1u, 128 / elemBits);
  int64_t rowBytes = shape[order[0]] * elemBits / 8;
  if (shape.size() < 2 || rowBytes < 16 || shape[order[0]] % vec != 0)
    return SharedEncodingAttr::get(ctx, 1, 1, 1, order);
  unsigned perPhase = std::max<int64_t>(1, 128 / rowBytes);
  unsigned maxPhase = std::min<int64_t>(8, rowBytes / 16);
  return SharedEncodingAttr::get(ctx, vec, perPhase, maxPhase, order);
}

//===----------------------------------------------------------------------===//
// Ops
//===----------------------------------------------------------------------===//

OpFoldResult ConvertLayoutOp::fold(FoldAdaptor adaptor) {
  if (getSrc().getType() == getType())
    return getSrc();
  // convert(convert(x)) is one conversion.
  if (auto inner = getSrc().getDefiningOp<ConvertLayoutOp>()) {
    getSrcMutable().assign(inner.getSrc());
    return getResult();
  }
  // Constant splats take any layout.
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getSrc()))
    if (dense.isSplat())
      return DenseElementsAttr::get(getType(),
                                    dense.getSplatValue<Attribute>());
  return {};
}

namespace {
/// A splat takes the layout its user wants directly.
struct ConvertOfSplat : OpRewritePattern<ConvertLayoutOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvertLayoutOp op,
                                PatternRewriter &rewriter) const override {
    auto splat = op.getSrc().getDefiningOp<fa::tile::SplatOp>();
    if (!splat)
      return failure();
    rewriter.replaceOpWithNewOp<fa::tile::SplatOp>(op, op.getType(),
                                                   splat.getValue());
    return success();
  }
};
} // namespace

void ConvertLayoutOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                  MLIRContext *context) {
  results.add<ConvertOfSplat>(context);
}

LogicalResult LocalAllocOp::verify() {
  auto srcTy = getSrc().getType();
  auto bufTy = getType();
  if (srcTy.getShape() != bufTy.getShape() ||
      srcTy.getElementType() != bufTy.getElementType())
    return emitOpError("buffer shape and element type must match the tile");
  return success();
}

LogicalResult LocalStoreOp::verify() {
  auto srcTy = getSrc().getType();
  auto bufTy = getDst().getType();
  if (srcTy.getShape() != bufTy.getShape() ||
      srcTy.getElementType() != bufTy.getElementType())
    return emitOpError("buffer shape and element type must match the tile");
  return success();
}

LogicalResult LocalLoadOp::verify() {
  auto bufTy = getSrc().getType();
  auto resTy = getType();
  if (resTy.getShape() != bufTy.getShape() ||
      resTy.getElementType() != bufTy.getElementType())
    return emitOpError("result shape and element type must match the buffer");
  return success();
}

LogicalResult AllocRingOp::verify() {
  auto ty = getType();
  auto enc = cast<SharedEncodingAttr>(ty.getEncoding());
  if (ty.getShape().size() < 2 || enc.getOrder().back() != 0)
    return emitOpError("ring needs a leading slot dimension that is the "
                       "slowest in the shared order");
  return success();
}

LogicalResult RingSlotOp::verify() {
  auto ring = getRing().getType();
  auto slot = getType();
  if (ring.getShape().drop_front() != slot.getShape() ||
      ring.getElementType() != slot.getElementType())
    return emitOpError("slot type must be the ring without its slot dimension");
  auto re = cast<SharedEncodingAttr>(ring.getEncoding());
  auto se = cast<SharedEncodingAttr>(slot.getEncoding());
  if (re.getVec() != se.getVec() || re.getPerPhase() != se.getPerPhase() ||
      re.getMaxPhase() != se.getMaxPhase() || re.getPanel() != se.getPanel() ||
      re.getPad() != se.getPad())
    return emitOpError("slot swizzle must be the ring's");
  return success();
}

LogicalResult TransViewOp::verify() {
  auto src = getSrc().getType();
  auto dst = getType();
  if (src.getShape().size() != 2 || dst.getShape().size() != 2 ||
      src.getShape()[0] != dst.getShape()[1] ||
      src.getShape()[1] != dst.getShape()[0] ||
      src.getElementType() != dst.getElementType())
    return emitOpError("result must be the 2-D buffer transposed");
  auto se = cast<SharedEncodingAttr>(src.getEncoding());
  auto de = cast<SharedEncodingAttr>(dst.getEncoding());
  if (se.getVec() != de.getVec() || se.getPerPhase() != de.getPerPhase() ||
      se.getMaxPhase() != de.getMaxPhase() || se.getPanel() != de.getPanel() ||
      se.getPad() || de.getPad() || se.getOrder()[0] != 1 - de.getOrder()[0])
    return emitOpError("result layout must be the source's transposed");
  return success();
}

LogicalResult DotAsyncOp::verify() {
  auto aTy = getA().getType(), bTy = getB().getType();
  auto accTy = getAcc().getType(), resTy = getType();
  if (aTy.getRank() != 2 || bTy.getRank() != 2 || accTy.getRank() != 2 ||
      aTy.getDimSize(1) != bTy.getDimSize(0) ||
      accTy.getDimSize(0) != aTy.getDimSize(0) ||
      accTy.getDimSize(1) != bTy.getDimSize(1))
    return emitOpError("operands must be 2-D tiles M x K, K x N and M x N");
  if (accTy != resTy)
    return emitOpError("result type must be the accumulator's");
  // The result is unfinished: only a wait may read it.
  for (Operation *user : getResult().getUsers())
    if (!isa<DotWaitOp>(user))
      return emitOpError("result may only be read by tilegpu.dot_wait, not '")
             << user->getName() << "'";
  return success();
}

LogicalResult DotWaitOp::verify() {
  if (getInputs().empty())
    return emitOpError("waits for at least one tile");
  if (getPendingsAttr().getValue().isNegative())
    return emitOpError("pendings must be non-negative");
  if (getInputs().getTypes() != getOutputs().getTypes())
    return emitOpError("results must have the operands' types");
  for (Value v : getInputs())
    if (!v.getDefiningOp<DotAsyncOp>())
      return emitOpError("operands must be results of tilegpu.dot_async");
  return success();
}

SmallVector<int64_t> ReduceAsyncOp::getTileDims() {
  if (auto dims = getDims())
    return SmallVector<int64_t>(dims->begin(), dims->end());
  int64_t rank = cast<MemRefType>(getBase().getType()).getRank();
  return {rank - 2, rank - 1};
}

LogicalResult ReduceAsyncOp::verify() {
  auto srcTy = getSrc().getType();
  auto mt = cast<MemRefType>(getBase().getType());
  int64_t rank = mt.getRank();
  if (srcTy.getShape().size() != 2)
    return emitOpError("source must be a 2-D buffer (rows x columns)");
  if (srcTy.getElementType() != mt.getElementType())
    return emitOpError("element types of the buffer and the tensor differ");
  auto enc = dyn_cast<SharedEncodingAttr>(srcTy.getEncoding());
  if (!enc || enc.getOrder()[0] != 1 || enc.getMaxPhase() != 1 ||
      enc.getPanel() != 0)
    return emitOpError("source rows must be stored contiguously (order "
                       "[1, 0], no swizzle, no panels; padding allowed)");
  if (int64_t(getOffsets().size()) != rank)
    return emitOpError("needs one offset per dimension of the tensor");
  if (rank < 2)
    return emitOpError("tensor must have at least two dimensions");
  SmallVector<int64_t> dims = getTileDims();
  if (dims.size() != 2 || dims[0] < 0 || dims[0] >= dims[1] ||
      dims[1] != rank - 1)
    return emitOpError("dims must be a dimension of the tensor, then its "
                       "innermost one");
  if (!matchPattern(getOffsets()[rank - 1], m_Zero()))
    return emitOpError("rows must start at offset 0 of the innermost "
                       "dimension");
  if (!mt.isDynamicDim(rank - 1) &&
      mt.getDimSize(rank - 1) != srcTy.getShape()[1])
    return emitOpError("rows must span the tensor's innermost dimension");
  return success();
}

LogicalResult ReduceWaitOp::verify() {
  if (getPendingsAttr().getValue().isNegative())
    return emitOpError("pendings must be non-negative");
  return success();
}
