"""The exceptions flashtile raises."""


class FlashTileError(RuntimeError):
    """Base of flashtile's errors that are not argument errors."""


class CompileError(FlashTileError):
    """A kernel did not compile; the message carries the compiler's diagnostics
    (file:line:col with the source line)."""


class ToolkitError(FlashTileError):
    """The CUDA toolkit part the GPU compile needs (ptxas) was not found."""


class LaunchError(FlashTileError):
    """The runtime refused or failed a launch."""


class ArgumentError(ValueError):
    """An argument does not fit the kernel (shape, dtype, device, strides);
    raised before anything is launched."""
