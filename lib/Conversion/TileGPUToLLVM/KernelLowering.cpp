//===- KernelLowering.cpp - the kernel driver: function, ABI, dispatch ----===//
//
// Builds the LLVM function of a `tile.kernel` with the launch ABI, sets up
// the thread's lane and warp, and lowers the body op by op through the
// LoweringRegistry. Also the helpers the lowerings share (layouts, thread
// coordinates, shared-memory and global addressing).
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace fa;
using namespace fa::tilegpu;

SmallVector<KernelABIParam> fa::getKernelABI(tile::KernelOp kernel) {
  SmallVector<KernelABIParam> abi;
  MLIRContext *ctx = kernel.getContext();
  ctx->getOrLoadDialect<LLVM::LLVMDialect>(); // for the pointer type
  Type i64 = IntegerType::get(ctx, 64);
  for (auto [i, t] : llvm::enumerate(kernel.getArgumentTypes())) {
    if (auto m = dyn_cast<MemRefType>(t)) {
      abi.push_back({unsigned(i), KernelABIParam::Pointer, 0,
                     LLVM::LLVMPointerType::get(ctx, 1)});
      for (unsigned d = 0; d < m.getRank(); ++d)
        abi.push_back({unsigned(i), KernelABIParam::Size, d, i64});
      for (unsigned d = 0; d + 1 < m.getRank(); ++d)
        abi.push_back({unsigned(i), KernelABIParam::Stride, d, i64});
      if (auto desc =
              getKernelArgAttr<DictionaryAttr>(kernel, i, "tilegpu.descriptor"))
        abi.push_back({unsigned(i), KernelABIParam::Descriptor, 0,
                       LLVM::LLVMPointerType::get(ctx), desc});
    } else {
      abi.push_back({unsigned(i), KernelABIParam::Scalar, 0, t});
    }
  }
  return abi;
}

//===----------------------------------------------------------------------===//
// Registry
//===----------------------------------------------------------------------===//

void LoweringRegistry::add(StringRef key, OpLoweringFn fn,
                           OpLoweringGuard applies) {
  auto &list = entries[key];
  list.insert(list.begin(), Entry{std::move(fn), std::move(applies)});
}

LogicalResult LoweringRegistry::lower(Operation *op, KernelLowering &kl) const {
  for (StringRef key :
       {op->getName().getStringRef(), op->getName().getDialectNamespace()}) {
    auto it = entries.find(key);
    if (it == entries.end())
      continue;
    for (const Entry &e : it->second)
      if (!e.applies || e.applies(op, kl))
        return e.fn(op, kl);
  }
  return op->emitError() << "'" << op->getName()
                         << "' has no lowering for target '"
                         << kl.target.getName() << "'";
}

//===----------------------------------------------------------------------===//
// Kernel driver
//===----------------------------------------------------------------------===//

KernelLowering::KernelLowering(tile::KernelOp kernel, const TargetInfo &target,
                               const LoweringRegistry &registry,
                               unsigned numWarps)
    : kernel(kernel), target(target), registry(registry), numWarps(numWarps),
      b(kernel.getContext()), loc(kernel.getLoc()), ctx(kernel.getContext()) {}

LogicalResult KernelLowering::run() {
  // Function with the ABI's parameters.
  SmallVector<KernelABIParam> abi = getKernelABI(kernel);
  SmallVector<Type> argTypes;
  for (const KernelABIParam &p : abi)
    argTypes.push_back(p.type);
  b.setInsertionPoint(kernel);
  auto fnTy =
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), argTypes);
  auto func = LLVM::LLVMFuncOp::create(b, loc, kernel.getSymName(), fnTy);
  unsigned threads = numWarps * target.getWarpSize();
  // A warp-specialized kernel launches its producer warps after the
  // consumers (the target caps its registers for them to be moved).
  if (auto p = kernel->getAttrOfType<IntegerAttr>("tilegpu.producer_warps")) {
    func->setAttr(kWarpSpecializedAttr, b.getI32IntegerAttr(threads));
    threads += unsigned(p.getInt()) * target.getWarpSize();
  }
  target.markKernel(func, threads);
  if (auto p = kernel->getAttrOfType<IntegerAttr>(kMinProgramsPerSMAttr))
    if (failed(target.capRegisters(func, threads, unsigned(p.getInt()))))
      return failure();
  Block *entry = func.addEntryBlock(b);
  b.setInsertionPointToStart(entry);

  Block &body = kernel.getBody().front();
  for (auto [i, p] : llvm::enumerate(abi)) {
    Value arg = entry->getArgument(i);
    Value orig = body.getArgument(p.arg);
    switch (p.kind) {
    case KernelABIParam::Pointer:
      globals[orig].ptr = arg;
      globals[orig].elem = cast<MemRefType>(orig.getType()).getElementType();
      break;
    case KernelABIParam::Size:
      globals[orig].sizes.push_back(arg);
      break;
    case KernelABIParam::Stride:
      globals[orig].strides.push_back(arg);
      break;
    case KernelABIParam::Descriptor: {
      globals[orig].descriptor = arg;
      auto bytes = p.descriptor.getAs<IntegerAttr>("bytes");
      auto align = p.descriptor.getAs<IntegerAttr>("align");
      if (!bytes || !align)
        return kernel.emitError("tilegpu.descriptor of argument ")
               << p.arg << " needs integer 'bytes' and 'align'";
      if (failed(target.markDescriptorParam(func, i, bytes.getInt(),
                                            align.getInt())))
        return failure();
      break;
    }
    case KernelABIParam::Scalar:
      map.map(orig, arg);
      break;
    }
  }
  for (auto &[orig, g] : globals) {
    g.strides.push_back(c64(1));
    // Sizes fixed at compile time (tile.dims integers, static memref
    // sizes) are constants: bounds checks against them fold away. The
    // launcher checks them against the actual tensors.
    auto arg = cast<BlockArgument>(orig);
    auto mt = cast<MemRefType>(orig.getType());
    auto dims =
        getKernelArgAttr<ArrayAttr>(kernel, arg.getArgNumber(), "tile.dims");
    for (unsigned d = 0; d < g.sizes.size(); ++d) {
      if (!mt.isDynamicDim(d))
        g.sizes[d] = c64(mt.getDimSize(d));
      else if (dims && d < dims.size())
        if (auto n = dyn_cast<IntegerAttr>(dims[d]))
          g.sizes[d] = c64(n.getInt());
    }
  }

  Value tid = target.threadId(b, loc);
  lane = arith::RemUIOp::create(b, loc, tid, c32(target.getWarpSize()));
  warp = arith::DivUIOp::create(b, loc, tid, c32(target.getWarpSize()));
  smem = LLVM::AddressOfOp::create(b, loc, sharedPtrTy(), kSharedSymbol);

  if (failed(lowerBlock(body)))
    return failure();
  LLVM::ReturnOp::create(b, loc, ValueRange{});
  return success();
}

LogicalResult KernelLowering::lowerBlock(Block &block) {
  for (Operation &op : block) {
    if (op.hasTrait<OpTrait::IsTerminator>())
      continue;
    loc = op.getLoc();
    // A lazy tile's consumer produces it a K step at a time; any other
    // user gets all its registers first.
    for (Value v : op.getOperands()) {
      auto it = lazy.find(v);
      if (it != lazy.end() && it->second.consumer != &op &&
          failed(materialize(&op, v, std::nullopt)))
        return failure();
    }
    if (failed(registry.lower(&op, *this)))
      return failure();
  }
  return success();
}

LogicalResult KernelLowering::materialize(Operation *user, Value v,
                                          std::optional<int64_t> kStep) {
  auto it = lazy.find(v);
  if (it == lazy.end())
    return success();
  auto produce = it->second.produce;
  // Produced into a copy: the producer may add entries to `regs`, which can
  // move the entry of `v`.
  SmallVector<Value> out = regs.lookup(v);
  if (failed(produce(kStep, out)))
    return failure();
  regs[v] = std::move(out);
  if (!kStep) {
    lazy.erase(v);
    for (Value r : regs[v])
      if (!r)
        return user->emitError("operand registers were not all produced");
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Kernel-level ops: program ids and tensor sizes
//===----------------------------------------------------------------------===//

static LogicalResult lowerProgramId(tile::ProgramIdOp op, KernelLowering &kl) {
  kl.map.map(op.getResult(), kl.target.programId(kl.b, kl.loc, op.getAxis()));
  return success();
}

static LogicalResult lowerNumPrograms(tile::NumProgramsOp op,
                                      KernelLowering &kl) {
  kl.map.map(op.getResult(), kl.target.numPrograms(kl.b, kl.loc, op.getAxis()));
  return success();
}

static LogicalResult lowerDim(memref::DimOp op, KernelLowering &kl) {
  auto it = kl.globals.find(op.getSource());
  std::optional<int64_t> d = op.getConstantIndex();
  if (it == kl.globals.end() || !d)
    return op->emitError("memref.dim needs a kernel argument and a constant "
                         "dimension on the GPU");
  kl.map.map(op.getResult(),
             arith::IndexCastOp::create(kl.b, kl.loc, kl.b.getIndexType(),
                                        it->second.sizes[*d]));
  return success();
}

void fa::populateKernelLowerings(LoweringRegistry &registry) {
  registry.add(lowerProgramId);
  registry.add(lowerNumPrograms);
  registry.add(lowerDim);
}

void fa::populateGenericLowerings(LoweringRegistry &registry) {
  populateKernelLowerings(registry);
  populateElementwiseLowerings(registry);
  populateViewLowerings(registry);
  populateReduceLowerings(registry);
  populateLoadStoreLowerings(registry);
  populateSharedMemoryLowerings(registry);
  populateControlFlowLowerings(registry);
  populateScalarLowerings(registry);
  populateGatherLowerings(registry);
}

//===----------------------------------------------------------------------===//
// The conversion of a module
//===----------------------------------------------------------------------===//

LogicalResult fa::lowerTileGPUKernels(ModuleOp module,
                                      const LoweringRegistry &registry,
                                      llvm::StringRef defaultTarget,
                                      llvm::StringRef vendor) {
  tilegpu::TargetAttr targetAttr = tilegpu::getModuleTarget(module);
  std::string name =
      targetAttr ? targetAttr.getName().str() : defaultTarget.str();
  std::string error;
  auto target = createTargetInfo(name, error);
  if (!target)
    return module.emitError(error);
  if (target->getVendor() != vendor)
    return module.emitError()
           << "target '" << name << "' is not a " << vendor
           << " target; its lowering is the " << target->getVendor() << " one";
  if (targetAttr && targetAttr.getThreadsPerWarp() != target->getWarpSize())
    return module.emitError()
           << "module target has " << targetAttr.getThreadsPerWarp()
           << " threads per warp, but a warp of " << name << " has "
           << target->getWarpSize();
  unsigned numWarps = targetAttr ? targetAttr.getWarps() : 4;
  SmallVector<tile::KernelOp> kernels(module.getOps<tile::KernelOp>());
  if (!kernels.empty() && !module.lookupSymbol(kSharedSymbol)) {
    OpBuilder b(module.getBodyRegion());
    auto arr = LLVM::LLVMArrayType::get(b.getI8Type(), 0);
    LLVM::GlobalOp::create(b, module.getLoc(), arr, /*isConstant=*/false,
                           LLVM::Linkage::External, kSharedSymbol, Attribute(),
                           /*alignment=*/16, target->getSharedAddressSpace());
  }
  for (tile::KernelOp kernel : kernels) {
    KernelLowering lowering(kernel, *target, registry, numWarps);
    if (failed(lowering.run()))
      return failure();
    kernel.erase();
  }
  return success();
}
