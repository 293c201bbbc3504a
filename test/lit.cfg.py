# lit configuration for FlashTile.
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "FLASHTILE"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".tile", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.fa_obj_root, "test")

config.substitutions.append(("%fa_src_root", config.fa_src_root))
config.substitutions.append(("%kernels", os.path.join(config.fa_src_root, "kernels")))

llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()

tool_dirs = [config.fa_tools_dir, config.llvm_tools_dir]
tools = [ToolSubst(name, unresolved="ignore") for name in
         ["fa-opt", "fa-compile", "fa-run", "fa-exec", "fa-parse-fuzzer", "fa-ir-fuzzer",
          "fa-sidecar-fuzzer", "fa-device-info", "fa-run-gpu",
          "fa-gpu", "mlir-runner"]]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# Host execution tests run lowered code with mlir-runner and its print helpers.
_llvm_lib_dir = os.path.join(os.path.dirname(config.llvm_tools_dir), "lib")
config.substitutions.append(("%mlir_runner_utils",
                             os.path.join(_llvm_lib_dir, "libmlir_runner_utils.so")))
config.substitutions.append(("%mlir_c_runner_utils",
                             os.path.join(_llvm_lib_dir, "libmlir_c_runner_utils.so")))
llvm_config.with_environment("PATH", config.fa_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# fa-parse-fuzzer is built (clang with FA_ENABLE_FUZZER).
if os.path.exists(os.path.join(config.fa_tools_dir, "fa-parse-fuzzer")):
    config.available_features.add("fuzzer")
for _fuzzer in ["ir", "sidecar"]:
    if os.path.exists(os.path.join(config.fa_tools_dir, "fa-%s-fuzzer" % _fuzzer)):
        config.available_features.add("%s-fuzzer" % _fuzzer)

# A CUDA driver (libcuda.so.1) on this machine: GPU tests may run.
import ctypes.util, subprocess
def _has_cuda_driver():
    try:
        out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    except OSError:
        return False
    return "libcuda.so.1" in out
if _has_cuda_driver():
    config.available_features.add("cuda-driver")

# ptxas (CUDA toolkit) on this machine: cubin tests may run. CI installs only
# Debian packages, so those tests are REQUIRES: ptxas; PTX tests always run.
import shutil
def _find_ptxas():
    home = os.environ.get("CUDA_HOME")
    for cand in ([os.path.join(home, "bin", "ptxas")] if home else []) + [
            "/usr/local/cuda/bin/ptxas", shutil.which("ptxas") or "",
            # installed by scripts/setup.sh from PyPI when there is no toolkit
            os.path.join(config.fa_src_root, ".deps", "cuda", "nvidia",
                         "cuda_nvcc", "bin", "ptxas")]:
        if cand and os.access(cand, os.X_OK):
            return cand
    return None
_ptxas = _find_ptxas()
if _ptxas:
    config.available_features.add("ptxas")
    # The compiler honours FA_PTXAS before its own search.
    config.environment["FA_PTXAS"] = _ptxas
llvm_config.with_system_environment(["CUDA_HOME"])
