// RUN: fa-opt %s -split-input-file -verify-diagnostics
// Verifier errors of the wgmma (version 3) accumulator layout.

// expected-error @+1 {{wgmma warpsPerCTA must be [4k, n] (the warps of a warpgroup along M)}}
#m = #tilenv.mma<version = 3, warpsPerCTA = [2, 4], instrShape = [64, 64, 16]>
func.func private @f(tensor<64x64xf32, #m>)

// -----

// expected-error @+1 {{wgmma with warpgroups along N needs a power-of-two instruction N}}
#m = #tilenv.mma<version = 3, warpsPerCTA = [4, 2], instrShape = [64, 96, 16]>
func.func private @f(tensor<64x192xf32, #m>)

// -----

// expected-error @+1 {{wgmma instrShape must be [64, N, 16]}}
#m = #tilenv.mma<version = 3, warpsPerCTA = [4, 1], instrShape = [64, 512, 16]>
func.func private @f(tensor<64x64xf32, #m>)

// -----

// expected-error @+1 {{wgmma instrShape must be [64, N, 16]}}
#m = #tilenv.mma<version = 3, warpsPerCTA = [4, 1]>
func.func private @f(tensor<64x64xf32, #m>)

// -----

// expected-error @+1 {{mma version 2 takes no instrShape}}
#m = #tilenv.mma<version = 2, warpsPerCTA = [4, 1], instrShape = [64, 64, 16]>
func.func private @f(tensor<64x64xf32, #m>)

// -----

// expected-error @+1 {{mma version must be 2}}
#m = #tilenv.mma<version = 4, warpsPerCTA = [4, 1]>
func.func private @f(tensor<64x64xf32, #m>)
