//===- Passes.td - tile-level optimization passes ----------*- tablegen -*-===//
#ifndef FA_TRANSFORMS_PASSES
#define FA_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def TileExp2Fold : Pass<"tile-exp2-fold"> {
  let summary = "rewrite exp on f32 tiles to exp2, folding log2(e) and the "
                "softmax scale into the score multiply";
  let description = [{
    Every `math.exp` on an f32 tile becomes `math.exp2` of its argument times
    log2(e); a scalar multiplier already present (`exp(x * scale)`) absorbs
    the constant, and `exp((s - m) * scale)` with `m` a broadcast row
    statistic becomes `exp2(fma(s, scale*log2e, -(m*scale*log2e)))`, and
    `exp(x * scale - m)` becomes `exp2(fma(x, scale*log2e, -(m*log2e)))`.
    Masked scores `exp(select(c, x * scale, C) - m)` (any chain of selects
    with constant false values) become `exp2(select(c, x * (scale*log2e),
    C*log2e) - m*log2e)`, with `m` scaled before its broadcast.

    An online-softmax loop (an `scf.for` whose iteration argument `m` is a
    running row maximum computed from `m` and a scaled score tile
    `s = x * splat(scale)` with operations that commute with a positive scale:
    max/min, row max/min reductions, selects with constants such as
    `select(mask, s, -inf)` or the guard `select(m == -inf, 0, m)`, add/sub,
    broadcasts) is moved to the base-2 domain: the score tile is computed as
    `x * splat(scale * log2e)`, the running maximum is carried scaled by
    log2(e), and `exp(s - m)` / `exp(m_old - m_new)` become `exp2` of the
    differences: one multiply and one subtraction per score element. The loop's initial value is scaled on entry and its
    result scaled back (times ln 2) for its users (for example
    `lse = m + log(l)`), so every value outside the rewritten chain keeps its
    natural-log meaning. The rewrite is exact up to float rounding.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "fa::tile::TileDialect"];
}

def TileCausalSplit : Pass<"tile-causal-split"> {
  let summary = "split masked key-block loops into unmasked and masked parts "
                "and skip fully masked blocks";
  let description = [{
    Looks for an `scf.for` whose body masks a score tile with
    `arith.select(mask, s, -inf)` (or a chain of them), where `mask` is an
    `arith.cmpi` (or an `arith.andi` of several, possibly broadcast) between
    integer tiles that are affine in the loop
    induction variable plus an `iota` along one axis (the causal mask
    `row >= col`, or the key-length mask `col < NK`). An affine analysis
    through `tile.splat`, `tile.broadcast`, `tile.expand_dims`, `arith.addi`,
    `arith.subi`, `arith.muli` by a constant and `arith.index_cast` gives, per
    mask, the last block in which it is all true and the first block from
    which it is all false.

    The loop is split into a loop over the blocks that need no mask (the
    select is replaced by its true value) followed by a loop over the blocks
    that keep it, threading the iteration arguments through both. When the
    masked tile is only consumed as softmax scores (row-max reductions and
    `exp`/`exp2` of a difference) and the loop writes no memory, blocks in
    which every score is -inf contribute nothing, and the upper bound is
    tightened so that they are never visited. The masked loop is marked
    `tile.masked_blocks` so that it is not split again.

    A mask that switches on as the loop advances (the causal mask over the
    query blocks of the attention backward) splits the loop the other way:
    the blocks that need the mask come first, then the blocks that do not;
    no block is skipped. Selects whose mask does not depend on the loop stay
    in both loops. Loops that write memory are split too (the iterations and
    their order are unchanged). Masks switching in both directions, and
    anything else, are left unchanged.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::scf::SCFDialect"];
}

def TileLongestFirst : Pass<"tile-longest-first"> {
  let summary = "start the programs with the most loop iterations first";
  let description = [{
    GPUs start a grid's programs roughly in the order of their index along
    axis 0, then 1, then 2. When a loop's trip count grows with a program
    index (the causal forward: query block `i` visits `i + 1` key blocks),
    the heaviest programs start last and the grid ends on a long tail with
    most of the machine idle. This pass renumbers such an axis, replacing
    `program_id x` with `num_programs x - 1 - program_id x`, so that the
    programs with the most work start first.

    An axis is renumbered when the trip count of at least one `scf.for` of
    the kernel is non-decreasing in its program index and depends on it,
    and no loop's trip count is decreasing in it or depends on it in a way
    the analysis cannot order. The analysis follows `arith.addi`, `subi`,
    `muli` and `divsi`/`divui` by constants, `minsi`/`maxsi`/`minui`/`maxui`
    and casts; anything else that depends on the index is unknown. Programs
    run in no defined order, so the renumbering changes no result; kernels
    with `tile.atomic_add` are left alone (their programs may communicate
    through memory, and a spin on another program's update must not be
    reordered behind it).
  }];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def TileScaleFma : Pass<"tile-scale-fma"> {
  let summary = "fuse a tile's scale into the subtraction that reads it "
                "(fma)";
  let description = [{
    For an f32 tile `s = x * splat(k)` whose users are only subtractions
    with `s` on the left (`s - b`, at least one) and, when `k` is a
    constant, row max/min reductions (`tile.reduce max|min`), each
    subtraction becomes `math.fma(x, splat(k), -b)`, with `b` negated at
    the root of its broadcast chain (a row vector), and each reduction the
    reduction of `x` (max for k >= 0, min for k < 0) times `k`. The multiply
    disappears: in an online softmax that reduces its unscaled scores
    (after `tile-exp2-fold`) each score costs one fma before its exp2
    instead of a multiply and a subtraction. Reductions under a runtime
    scale are left alone (their sign is unknown). The row maximum is
    unchanged (rounding is monotone); the fma rounds once.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "fa::tile::TileDialect"];
}

def TileBoundsElim : Pass<"tile-bounds-elim"> {
  let summary = "mark tile.load dimensions that loop bounds keep inside the "
                "global tensor";
  let description = [{
    A `tile.load` whose offset along a global dimension is the induction
    variable of an enclosing `scf.for` with a constant lower bound >= 0 stays
    in bounds along that dimension when the loop's upper bound is at most
    `size - T + 1`, T being the tile's extent there: every iteration then has
    `iv + T <= size`. The pass proves this from the upper bound's arithmetic
    (`arith.minsi`, `arith.maxsi` with a constant no larger than the lower
    bound, additions and subtractions of constants, `arith.index_cast`) and
    sets the load's `in_bounds` flag for that tile dimension; a code
    generator may then drop the bounds check. The size is `memref.dim` of the
    loaded tensor, or of another kernel argument whose `tile.dims` gives that
    dimension the same name (the launch contract makes them equal). A constant
    offset `c >= 0` into a dimension of static size `n` (from the type, or an
    integer in `tile.dims`) is in bounds when `c + T <= n`. The
    unmasked key-block loop of `tile-causal-split`, which runs while
    `n0 + BLOCK_N <= NK`, is the case this is for.
  }];
  let dependentDialects = ["fa::tile::TileDialect"];
}

def TilePadPow2 : Pass<"tile-pad-pow2"> {
  let summary = "round tile shapes up to powers of two, masking the padding";
  let description = [{
    GPU layouts need tile dimensions that are powers of two. Every tile of
    another shape (a 128x80 tile of head dimension 80) is retyped to the next
    power of two along each dimension (128x128), and the padding elements are
    kept from changing the kernel's results:

    - loads, gathers, stores and atomic adds get an extent mask
      (`iota < extent` along each padded dimension), except along a
      dimension whose padding starts at the end of the global tensor (a
      constant offset `c` with `c + extent` equal to the tensor's static
      size, as for a whole head dimension): the bounds check drops it there,
      so the load stays a plain copy that the pipeliner can prefetch. Loads
      lose their `in_bounds` flags on padded dimensions;
    - a reduction along a padded dimension reads the combiner's neutral
      element in the padding (0 for sum, -inf or the smallest integer for
      max, +inf or the largest for min), and a dot whose K is padded reads
      zeros in both operands' padding: a `select(mask, x, neutral)` is
      inserted unless the padding is known to hold that value already.

    The padding's value is tracked where it is a known constant: a load
    reads its `padding` value (zero by default) there, splat constants and
    layout ops (`trans`, `expand_dims`, `broadcast` along unpadded
    dimensions) keep it, element-wise ops fold it, and a dot whose operands'
    padding rows and columns are zero keeps its accumulator's. Iteration
    arguments of loops are not tracked. A non-splat constant tile of a
    padded shape, and any operation other than the tile ops, structured
    control flow and element-wise arith/math ops on a padded tile, is an
    error at its location.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "fa::tile::TileDialect"];
}

#endif // FA_TRANSFORMS_PASSES
