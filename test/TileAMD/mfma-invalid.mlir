// RUN: fa-opt %s -split-input-file -verify-diagnostics

// expected-error @below {{mfma instrShape must be [32, 32, 8] or [16, 16, 16]}}
func.func private @f(tensor<64x64xf32, #tileamd.mfma<warpsPerCTA = [4, 1], instrShape = [32, 32, 16]>>)

// -----

// expected-error @below {{mfma warpsPerCTA must be two powers of two}}
func.func private @f(tensor<64x64xf32, #tileamd.mfma<warpsPerCTA = [3, 1], instrShape = [16, 16, 16]>>)

// -----

// expected-error @below {{mfma warpsPerCTA must be two powers of two}}
func.func private @f(tensor<64x64xf32, #tileamd.mfma<warpsPerCTA = [4], instrShape = [16, 16, 16]>>)
