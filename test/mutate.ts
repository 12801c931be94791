/** Byte-level mutations shared by the seeded fuzz tests (test/fuzz.test.ts, test/omniglot_fuzz.test.ts). */

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Flips, overwrites, inserts, deletes or truncates 1–4 bytes, drawing every choice from `rand`. */
export function mutateBytes(src: Uint8Array, rand: () => number): Uint8Array {
  let b: Uint8Array = Uint8Array.from(src);
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * Math.max(1, b.length));
    const kind = Math.floor(rand() * 5);
    if (kind === 0 && b.length) b[at] ^= 1 << Math.floor(rand() * 8);
    else if (kind === 1 && b.length) b[at] = Math.floor(rand() * 256);
    else if (kind === 2)
      b = concat(b.subarray(0, at), Uint8Array.of(Math.floor(rand() * 256)), b.subarray(at));
    else if (kind === 3) b = concat(b.subarray(0, at), b.subarray(at + 1));
    else b = b.subarray(0, at);
  }
  return b;
}
