// Shared by the three linear kernels (prepended to linear_forward, linear_backward_input and
// linear_backward_weight by their wrappers): the uniforms, packed by linearParams in src/kernels/linear_tile.ts,
// the strided row addressing of X, and the 4x4 register tile each invocation owns.

struct Params {
  groups: u32, rowsPerGroup: u32, inF: u32, outF: u32,
  xOffset: u32, xBlock: u32, xBlockStride: u32, xRowStride: u32,
  wOffset: u32, wGroupStride: u32, bOffset: u32, bGroupStride: u32,
  yOffset: u32, yRowStride: u32, ySplit: u32, ySkip: u32,
}

@group(0) @binding(0) var<uniform> p: Params;

// Start of X row q: rows come in blocks of xBlock, so that a GRU's hidden sequence [B, T+1, H] is read in
// place (RowLayout in src/kernels/linear_tile.ts).
fn xRow(q: u32) -> u32 {
  return p.xOffset + (q / p.xBlock) * p.xBlockStride + (q % p.xBlock) * p.xRowStride;
}

// The tile invocation t owns in a grid of n x n tiles (n = 4, or 8 for linear_backward_weight's VEC4) over
// [rows, cols], column tiles fastest, as linearTiles sizes the dispatch: its first row and column; past the
// last tile, valid is false and the invocation returns.
struct Tile { row0: u32, col0: u32, valid: bool }

fn tileOfSide(t: u32, rows: u32, cols: u32, n: u32) -> Tile {
  let colTiles = (cols + n - 1u) / n;
  let rowTiles = (rows + n - 1u) / n;
  return Tile((t / colTiles) * n, (t % colTiles) * n, t < colTiles * rowTiles);
}

fn tileOf(t: u32, rows: u32, cols: u32) -> Tile {
  return tileOfSide(t, rows, cols, 4u);
}

// Indices i0 .. i0 + 3 clamped to n − 1: a tile's edge loads repeat the last element instead of branching in
// the inner loop, and its stores skip the clamped ones.
fn clamp4(i0: u32, n: u32) -> vec4<u32> {
  return min(vec4<u32>(i0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(n - 1u));
}
