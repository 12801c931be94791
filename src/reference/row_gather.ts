/**
 * Float64 reference of shaders/row_gather.wgsl: y (a copy of `y0`) with row r's first `cols` values replaced
 * by x's row index[r]; rows of x and y are their strides apart.
 */
export function rowGatherRef(
  s: { rows: number; cols: number },
  x: ArrayLike<number>,
  xStride: number,
  index: ArrayLike<number>,
  y0: ArrayLike<number>,
  yStride: number,
): number[] {
  const y = Array.from(y0);
  for (let r = 0; r < s.rows; r++)
    for (let c = 0; c < s.cols; c++) y[r * yStride + c] = x[index[r] * xStride + c];
  return y;
}
