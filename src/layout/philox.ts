/** Philox4x32-10 on the CPU, bit-exact with shaders/philox.wgsl (checked against Random123's published vectors). */
export function philox4x32(counter: readonly number[], key: readonly number[]): number[] {
  let [c0, c1, c2, c3] = counter.map((v) => v >>> 0);
  let [k0, k1] = key.map((v) => v >>> 0);
  for (let round = 0; round < 10; round++) {
    const p0 = BigInt(0xd2511f53) * BigInt(c0);
    const p1 = BigInt(0xcd9e8d57) * BigInt(c2);
    const hi0 = Number(p0 >> 32n);
    const lo0 = Number(p0 & 0xffffffffn);
    const hi1 = Number(p1 >> 32n);
    const lo1 = Number(p1 & 0xffffffffn);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
    k0 = (k0 + 0x9e3779b9) >>> 0;
    k1 = (k1 + 0xbb67ae85) >>> 0;
  }
  return [c0, c1, c2, c3];
}

/** Uniform in [0, 1) from the top 24 bits, as philoxUnit in WGSL. */
export const philoxUnit = (u: number) => (u >>> 8) / 16777216;
