//===- KernelToFunc.cpp - tile.kernel to host functions over the grid -----===//
//
// A kernel runs its body once per program id. On the host the grid becomes
// three nested loops in a generated entry function; the body becomes a
// function that receives its program id and the grid size as arguments.
//
//===----------------------------------------------------------------------===//

#include "fa/Conversion/TileToHost/Passes.h"
#include "fa/Dialect/Tile/IR/TileDialect.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace fa {
#define GEN_PASS_DEF_CONVERTTILEKERNELTOFUNC
#include "fa/Conversion/TileToHost/Passes.h.inc"
} // namespace fa

using namespace mlir;
using namespace fa;

std::string fa::getHostEntryName(StringRef kernel) { return kernel.str(); }
std::string fa::getHostGridName(StringRef kernel) {
  return (kernel + "__grid").str();
}
std::string fa::getHostProgramName(StringRef kernel) {
  return (kernel + "__program").str();
}
std::string fa::getHostGridSizeName(StringRef kernel) {
  return (kernel + "__grid_size").str();
}

namespace {

/// Number of extra `i32` arguments of the program function: the program id
/// (x, y, z) followed by the grid size (x, y, z).
constexpr unsigned kNumGridArgs = 6;

/// Moves `region` into the body of `func`, whose type must accept the
/// region's arguments (plus `extraArgs` trailing `i32` arguments).
void moveRegionInto(Region &region, func::FuncOp func, unsigned extraArgs) {
  func.getBody().takeBody(region);
  Block &entry = func.getBody().front();
  for (unsigned i = 0; i < extraArgs; ++i)
    entry.addArgument(IntegerType::get(func.getContext(), 32), func.getLoc());
}

LogicalResult convertKernel(tile::KernelOp kernel, ModuleOp module) {
  MLIRContext *ctx = kernel.getContext();
  Location loc = kernel.getLoc();
  StringRef name = kernel.getSymName();
  ArrayRef<Type> argTypes = kernel.getArgumentTypes();
  OpBuilder b(kernel);

  for (const std::string &generated :
       {getHostGridName(name), getHostProgramName(name),
        getHostGridSizeName(name)})
    if (module.lookupSymbol(generated))
      return kernel.emitError()
             << "cannot lower kernel '" << name << "' to host code: symbol '"
             << generated << "' already exists";

  for (Operation &op : kernel.getGrid().front())
    if (isa<tile::ProgramIdOp, tile::NumProgramsOp>(op))
      return op.emitError("the grid region cannot use program ids");

  // Grid function: the grid region returning its three sizes.
  Type indexTy = b.getIndexType();
  auto gridFn = func::FuncOp::create(
      b, loc, getHostGridName(name),
      b.getFunctionType(argTypes, {indexTy, indexTy, indexTy}));
  gridFn.setPrivate();
  moveRegionInto(kernel.getGrid(), gridFn, 0);
  tile::YieldOp yield = cast<tile::YieldOp>(gridFn.front().getTerminator());
  b.setInsertionPoint(yield);
  func::ReturnOp::create(b, yield.getLoc(), yield.getSizes());
  yield.erase();

  // Program function: the body with program ids as trailing arguments.
  SmallVector<Type> programArgTypes(argTypes);
  programArgTypes.append(kNumGridArgs, b.getI32Type());
  b.setInsertionPoint(kernel);
  auto programFn = func::FuncOp::create(b, loc, getHostProgramName(name),
                                        b.getFunctionType(programArgTypes, {}));
  programFn.setPrivate();
  moveRegionInto(kernel.getBody(), programFn, kNumGridArgs);
  Block &body = programFn.front();
  unsigned firstGridArg = argTypes.size();
  programFn.walk([&](Operation *op) {
    if (auto pid = dyn_cast<tile::ProgramIdOp>(op)) {
      pid.replaceAllUsesWith(body.getArgument(firstGridArg + pid.getAxis()));
      pid.erase();
    } else if (auto np = dyn_cast<tile::NumProgramsOp>(op)) {
      np.replaceAllUsesWith(body.getArgument(firstGridArg + 3 + np.getAxis()));
      np.erase();
    } else if (auto ret = dyn_cast<tile::ReturnOp>(op)) {
      OpBuilder rb(ret);
      func::ReturnOp::create(rb, ret.getLoc());
      ret.erase();
    }
  });

  // Entry function: evaluate the grid, then loop z, y, x over the programs.
  auto entryFn = func::FuncOp::create(b, loc, getHostEntryName(name),
                                      b.getFunctionType(argTypes, {}));
  entryFn->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                   UnitAttr::get(ctx));
  if (ArrayAttr argAttrs = kernel.getArgAttrsAttr())
    entryFn.setAllArgAttrs(argAttrs);
  if (DictionaryAttr params = kernel.getParamsAttr())
    entryFn->setAttr("tile.params", params);
  Block *entry = entryFn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  SmallVector<Value> args(entry->getArguments());
  auto grid = func::CallOp::create(b, loc, gridFn, args);
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> gridI32;
  for (Value size : grid.getResults())
    gridI32.push_back(arith::IndexCastOp::create(b, loc, b.getI32Type(), size));
  // ids[axis] is the induction variable of the loop over that axis.
  SmallVector<Value, 3> ids(3);
  for (int axis = 2; axis >= 0; --axis) {
    auto loop = scf::ForOp::create(b, loc, c0, grid.getResult(axis), c1);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    ids[axis] = arith::IndexCastOp::create(b, loc, b.getI32Type(),
                                           loop.getInductionVar());
  }
  SmallVector<Value> callArgs(args);
  callArgs.append(ids.begin(), ids.end());
  callArgs.append(gridI32.begin(), gridI32.end());
  func::CallOp::create(b, loc, programFn, callArgs);
  b.setInsertionPointToEnd(entry);
  func::ReturnOp::create(b, loc);

  // Grid size along one axis, public: the runner reads the grid before it
  // runs anything, to refuse grids too large to loop over.
  SmallVector<Type> sizeArgTypes(argTypes);
  sizeArgTypes.push_back(b.getIndexType());
  b.setInsertionPoint(kernel);
  auto sizeFn =
      func::FuncOp::create(b, loc, getHostGridSizeName(name),
                           b.getFunctionType(sizeArgTypes, b.getIndexType()));
  sizeFn->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                  UnitAttr::get(ctx));
  Block *sizeEntry = sizeFn.addEntryBlock();
  b.setInsertionPointToStart(sizeEntry);
  auto sizes = func::CallOp::create(b, loc, gridFn,
                                    sizeEntry->getArguments().drop_back());
  Value axis = sizeEntry->getArguments().back();
  Value size = sizes.getResult(2);
  for (int i = 1; i >= 0; --i) {
    Value isAxis =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, axis,
                              arith::ConstantIndexOp::create(b, loc, i));
    size = arith::SelectOp::create(b, loc, isAxis, sizes.getResult(i), size);
  }
  func::ReturnOp::create(b, loc, size);

  kernel.erase();
  return success();
}

struct ConvertTileKernelToFuncPass
    : fa::impl::ConvertTileKernelToFuncBase<ConvertTileKernelToFuncPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<tile::KernelOp> kernels(module.getOps<tile::KernelOp>());
    for (tile::KernelOp kernel : kernels)
      if (failed(convertKernel(kernel, module)))
        return signalPassFailure();
  }
};

} // namespace
