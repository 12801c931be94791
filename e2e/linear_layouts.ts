/**
 * Operand layouts the linear kernels' tests write by hand (e2e/linear.spec.ts, e2e/linear_forward_broadcast.spec.ts):
 * buffers of whole vec4s filled with poison (1e6) wherever a kernel must not read or write — before a view's
 * offset, in the gaps between strided rows, after the last row.
 */

/** A buffer of `offset + n` floats rounded up to whole vec4s, every float poison. */
export function poisoned(offset: number, n: number): number[] {
  return new Array<number>(Math.ceil((offset + n) / 4) * 4).fill(1e6);
}

/**
 * X's rows (row-major [rows, inF]) laid out in blocks of 5 rows with `gap` poisoned floats after each block,
 * the whole `offset` floats into its buffer: the RowLayout to pass and the buffer.
 */
export function blockedRows(x: number[], rows: number, inF: number, offset: number, gap: number) {
  const block = 5;
  const xRows = { block, blockStride: block * inF + gap, rowStride: inF };
  const xBuf = poisoned(offset, Math.ceil(rows / block) * xRows.blockStride);
  for (let q = 0; q < rows; q++) {
    const at = offset + Math.floor(q / block) * xRows.blockStride + (q % block) * inF;
    for (let i = 0; i < inF; i++) xBuf[at + i] = x[q * inF + i];
  }
  return { xRows, xBuf };
}

/** `values` at `offset` in a poisoned buffer. */
export function placed(values: number[], offset: number): number[] {
  const buf = poisoned(offset, values.length);
  values.forEach((v, i) => (buf[offset + i] = v));
  return buf;
}

/**
 * Y's buffer: rows of `yRow` floats from `offset`, poison between and around them; with `y0` (row-major
 * [rows, outF], for accumulate) its values in the rows, else poison there too.
 */
export function outputRows(rows: number, outF: number, offset: number, yRow: number, y0?: number[]) {
  const yBuf = poisoned(offset, rows * yRow);
  if (y0)
    for (let q = 0; q < rows; q++)
      for (let o = 0; o < outF; o++) yBuf[offset + q * yRow + o] = y0[q * outF + o];
  return yBuf;
}
