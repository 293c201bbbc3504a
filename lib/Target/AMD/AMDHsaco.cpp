//===- AMDHsaco.cpp - AMDGPU assembly -> object -> hsaco, and metadata ----===//
//
// The assembly is assembled in process by LLVM's MC layer (the AMDGPU asm
// parser), the relocatable object linked by `ld.lld -shared` into a code
// object, and the code object's metadata note (NT_AMDGPU_METADATA,
// MessagePack) read back for the report: registers, spills, scratch, LDS.
//
//===----------------------------------------------------------------------===//

#include "fa/Target/AMD/AMDTarget.h"

#include "llvm/BinaryFormat/ELF.h"
#include "llvm/BinaryFormat/MsgPackDocument.h"
#include "llvm/MC/MCAsmBackend.h"
#include "llvm/MC/MCAsmInfo.h"
#include "llvm/MC/MCCodeEmitter.h"
#include "llvm/MC/MCContext.h"
#include "llvm/MC/MCInstrInfo.h"
#include "llvm/MC/MCObjectFileInfo.h"
#include "llvm/MC/MCObjectWriter.h"
#include "llvm/MC/MCParser/MCAsmParser.h"
#include "llvm/MC/MCParser/MCTargetAsmParser.h"
#include "llvm/MC/MCRegisterInfo.h"
#include "llvm/MC/MCStreamer.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/MCTargetOptions.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;
using namespace fa;

/// Assembles AMDGPU assembly `text` for `chip` into a relocatable ELF
/// object; on failure `error` holds the assembler's diagnostics.
static bool assembleObject(StringRef text, StringRef chip,
                           SmallVectorImpl<char> &object, std::string &error) {
  llvm::Triple triple("amdgcn-amd-amdhsa");
  const llvm::Target *t = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!t)
    return false;
  llvm::SourceMgr srcMgr;
  srcMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text),
                            llvm::SMLoc());
  llvm::raw_string_ostream diags(error);
  srcMgr.setDiagHandler(
      [](const llvm::SMDiagnostic &d, void *os) {
        d.print("fa-compile", *static_cast<llvm::raw_ostream *>(os));
      },
      &diags);
  llvm::MCTargetOptions mcOptions;
  std::unique_ptr<llvm::MCRegisterInfo> mri(t->createMCRegInfo(triple));
  std::unique_ptr<llvm::MCAsmInfo> mai(
      t->createMCAsmInfo(*mri, triple, mcOptions));
  std::unique_ptr<llvm::MCSubtargetInfo> sti(
      t->createMCSubtargetInfo(triple, chip, ""));
  std::unique_ptr<llvm::MCInstrInfo> mcii(t->createMCInstrInfo());
  if (!mri || !mai || !sti || !mcii) {
    error = "the AMDGPU MC layer is unavailable";
    return false;
  }
  llvm::MCContext ctx(triple, mai.get(), mri.get(), sti.get(), &srcMgr,
                      &mcOptions);
  std::unique_ptr<llvm::MCObjectFileInfo> mofi(
      t->createMCObjectFileInfo(ctx, /*PIC=*/true));
  ctx.setObjectFileInfo(mofi.get());
  llvm::raw_svector_ostream os(object);
  std::unique_ptr<llvm::MCCodeEmitter> emitter(
      t->createMCCodeEmitter(*mcii, ctx));
  std::unique_ptr<llvm::MCAsmBackend> backend(
      t->createMCAsmBackend(*sti, *mri, mcOptions));
  if (!emitter || !backend) {
    error = "the AMDGPU MC layer is unavailable";
    return false;
  }
  std::unique_ptr<llvm::MCObjectWriter> writer =
      backend->createObjectWriter(os);
  std::unique_ptr<llvm::MCStreamer> streamer(
      t->createMCObjectStreamer(triple, ctx, std::move(backend),
                                std::move(writer), std::move(emitter), *sti));
  std::unique_ptr<llvm::MCAsmParser> parser(
      llvm::createMCAsmParser(srcMgr, ctx, *streamer, *mai));
  std::unique_ptr<llvm::MCTargetAsmParser> tap(
      t->createMCAsmParser(*sti, *parser, *mcii, mcOptions));
  if (!tap) {
    error = "the AMDGPU assembly parser is unavailable";
    return false;
  }
  parser->setTargetParser(*tap);
  if (parser->Run(/*NoInitialTextSection=*/false)) {
    if (error.empty())
      error = "the AMDGPU assembler failed";
    return false;
  }
  return true;
}

static std::string findLld() {
  // FA_LLD names the linker to use (tests set it to a missing file).
  if (const char *explicitPath = std::getenv("FA_LLD"))
    return llvm::sys::fs::can_execute(explicitPath) ? explicitPath : "";
  for (StringRef p : {"/usr/lib/llvm-22/bin/ld.lld"})
    if (llvm::sys::fs::can_execute(p))
      return p.str();
  for (StringRef name : {"ld.lld-22", "ld.lld"})
    if (auto p = llvm::sys::findProgramByName(name))
      return *p;
  return {};
}

FailureOr<std::vector<amd::CodeObjectKernel>>
amd::readCodeObjectKernels(StringRef image, std::string &error) {
  auto elf = llvm::object::ELF64LEFile::create(image);
  if (!elf) {
    error = "not an ELF code object: " + llvm::toString(elf.takeError());
    return failure();
  }
  auto sections = elf->sections();
  if (!sections) {
    error = llvm::toString(sections.takeError());
    return failure();
  }
  std::vector<CodeObjectKernel> kernels;
  bool found = false;
  for (const auto &sec : *sections) {
    if (sec.sh_type != llvm::ELF::SHT_NOTE)
      continue;
    llvm::Error err = llvm::Error::success();
    for (const auto &note : elf->notes(sec, err)) {
      if (note.getName() != "AMDGPU" ||
          note.getType() != llvm::ELF::NT_AMDGPU_METADATA)
        continue;
      StringRef desc = note.getDescAsStringRef(4);
      llvm::msgpack::Document doc;
      if (!doc.readFromBlob(desc, /*Multi=*/false)) {
        error = "unreadable AMDGPU metadata note";
        return failure();
      }
      found = true;
      auto &root = doc.getRoot().getMap(/*Convert=*/true);
      auto list = root.find("amdhsa.kernels");
      if (list == root.end() || !list->second.isArray())
        continue;
      for (auto &entry : list->second.getArray()) {
        if (!entry.isMap())
          continue;
        auto &m = entry.getMap();
        auto num = [&](StringRef key) -> int64_t {
          auto it = m.find(key);
          if (it == m.end())
            return 0;
          if (it->second.getKind() == llvm::msgpack::Type::UInt)
            return it->second.getUInt();
          if (it->second.getKind() == llvm::msgpack::Type::Int)
            return it->second.getInt();
          if (it->second.getKind() == llvm::msgpack::Type::Boolean)
            return it->second.getBool();
          return 0;
        };
        CodeObjectKernel k;
        auto name = m.find(".name");
        if (name != m.end() && name->second.isString())
          k.name = name->second.getString().str();
        k.sgprs = num(".sgpr_count");
        k.vgprs = num(".vgpr_count");
        k.agprs = num(".agpr_count");
        k.sgprSpills = num(".sgpr_spill_count");
        k.vgprSpills = num(".vgpr_spill_count");
        k.scratchBytes = num(".private_segment_fixed_size");
        k.ldsBytes = num(".group_segment_fixed_size");
        k.wavefrontSize = num(".wavefront_size");
        k.maxWorkGroupSize = num(".max_flat_workgroup_size");
        k.kernargBytes = num(".kernarg_segment_size");
        k.dynamicStack = num(".uses_dynamic_stack") != 0;
        kernels.push_back(std::move(k));
      }
    }
    if (err) {
      error = llvm::toString(std::move(err));
      return failure();
    }
  }
  if (!found) {
    error = "the code object has no AMDGPU metadata note";
    return failure();
  }
  return kernels;
}

FailureOr<BinaryReport> amd::assembleHsaco(StringRef asmPath,
                                           StringRef hsacoPath,
                                           const GPUOptions &options,
                                           AssemblerError &error) {
  auto text = llvm::MemoryBuffer::getFile(asmPath);
  if (!text) {
    error.message =
        ("cannot read " + asmPath + ": " + text.getError().message()).str();
    return failure();
  }
  std::string lld = findLld();
  if (lld.empty()) {
    error.message =
        "ld.lld not found (looked in $FA_LLD, /usr/lib/llvm-22/bin and "
        "PATH); the assembly was written to " +
        asmPath.str() +
        ". Install LLVM's linker (e.g. the lld-22 package) or set FA_LLD";
    return failure();
  }
  SmallString<0> object;
  std::string asmError;
  if (!assembleObject((*text)->getBuffer(), options.target, object, asmError)) {
    error.message = "assembling " + asmPath.str() + " failed: " + asmError;
    error.inCode = true;
    return failure();
  }
  SmallString<128> objPath, logPath;
  llvm::sys::fs::createTemporaryFile("fa-amdgpu", "o", objPath);
  llvm::sys::fs::createTemporaryFile("fa-lld", "log", logPath);
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(objPath, ec);
    if (ec) {
      error.message = ("cannot write " + objPath + ": " + ec.message()).str();
      return failure();
    }
    os << object;
  }
  std::string out = hsacoPath.str(), in = objPath.str().str();
  SmallVector<StringRef> args = {lld, "-shared", in, "-o", out};
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(logPath),
                                          StringRef(logPath)};
  std::string execError;
  int rc = llvm::sys::ExecuteAndWait(lld, args, std::nullopt, redirects, 0, 0,
                                     &execError);
  auto log = llvm::MemoryBuffer::getFile(logPath);
  std::string logText = log ? (*log)->getBuffer().str() : std::string();
  llvm::sys::fs::remove(logPath);
  llvm::sys::fs::remove(objPath);
  if (rc != 0) {
    error.message = "ld.lld failed (" + lld +
                    " -shared): " + (execError.empty() ? logText : execError);
    error.inCode = execError.empty();
    return failure();
  }
  auto hsaco = llvm::MemoryBuffer::getFile(hsacoPath, /*IsText=*/false);
  if (!hsaco) {
    error.message =
        ("cannot read " + hsacoPath + ": " + hsaco.getError().message()).str();
    return failure();
  }
  auto kernels = readCodeObjectKernels((*hsaco)->getBuffer(), error.message);
  if (failed(kernels))
    return failure();
  BinaryReport report;
  report.tool = lld;
  report.log = logText;
  for (const CodeObjectKernel &k : *kernels) {
    KernelResources &r = report.kernels[k.name];
    r.registers = k.vgprs;
    // VGPR spills cost memory only when they reach scratch (4 bytes a lane
    // each); otherwise they went to AGPRs, as SGPR spills go to VGPR lanes.
    r.spillStores = r.spillLoads = k.scratchBytes ? 4 * k.vgprSpills : 0;
    r.stackBytes = k.scratchBytes;
    r.staticSharedBytes = k.ldsBytes;
    r.details = {{"sgpr_count", k.sgprs},
                 {"vgpr_count", k.vgprs},
                 {"agpr_count", k.agprs},
                 {"sgpr_spill_count", k.sgprSpills},
                 {"vgpr_spill_count", k.vgprSpills},
                 {"scratch_bytes", k.scratchBytes},
                 {"lds_bytes", k.ldsBytes},
                 {"wavefront_size", k.wavefrontSize},
                 {"max_flat_workgroup_size", k.maxWorkGroupSize},
                 {"kernarg_bytes", k.kernargBytes},
                 {"uses_dynamic_stack", k.dynamicStack}};
    if (k.scratchBytes || k.dynamicStack)
      report.warnings.push_back("kernel '" + k.name + "' uses " +
                                std::to_string(k.scratchBytes) +
                                " bytes of scratch per lane");
  }
  return report;
}
