// RUN: fa-opt %s -split-input-file -convert-tilegpu-to-llvm-amd -verify-diagnostics
// The AMD conversion lowers only AMD targets, with their warp size.

// expected-error @+1 {{target 'sm_80' is not a amd target; its lowering is the nvidia one}}
module attributes {tilegpu.target = #tilegpu.target<"sm_80", warps = 4, threads_per_warp = 32>} {
}

// -----

// expected-error @+1 {{module target has 32 threads per warp, but a warp of gfx942 has 64}}
module attributes {tilegpu.target = #tilegpu.target<"gfx942", warps = 4, threads_per_warp = 32>} {
}
