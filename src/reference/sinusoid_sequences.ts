/**
 * Twin of shaders/sinusoid_sequences.wgsl: from an episode's sequence part [B, K+Q, 3] (support steps
 * (x/5, y/5, 1), then query steps (x/5, 0, 0)), each task's rows as sequences of `steps` steps of 3 inputs:
 *   query row q:    the K support pairs, then (x_q/5, 0, 0)
 *   support row j:  the other K − 1 pairs, then (x_j/5, 0, 0)
 * each left-padded with blank steps (0, 0, 0) to `steps` (default K + 1, what the kernel writes: no blank
 * on query rows, one on support rows). supportX [B, K, steps, 3], queryX [B, Q, steps, 3].
 */
export function sinusoidSequencesRef(
  s: { tasks: number; shots: number; queries: number },
  sequence: ArrayLike<number>,
  steps = s.shots + 1,
): { supportX: number[]; queryX: number[] } {
  const { tasks: B, shots: K, queries: Q } = s;
  const step = (b: number, i: number) =>
    Array.from(sequence).slice((b * (K + Q) + i) * 3, (b * (K + Q) + i + 1) * 3);
  const row = (pairs: number[][], last: number[]) => {
    const blanks = Array.from({ length: steps - pairs.length - 1 }, () => [0, 0, 0]);
    return [...blanks, ...pairs, [last[0], 0, 0]].flat();
  };
  const supportX: number[] = [];
  const queryX: number[] = [];
  for (let b = 0; b < B; b++) {
    const pairs = Array.from({ length: K }, (_, i) => step(b, i));
    for (let j = 0; j < K; j++)
      supportX.push(
        ...row(
          pairs.filter((_, i) => i !== j),
          pairs[j],
        ),
      );
    for (let q = 0; q < Q; q++) queryX.push(...row(pairs, step(b, K + q)));
  }
  return { supportX, queryX };
}
