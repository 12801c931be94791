import { philox4x32, philoxUnit } from '../layout/philox';

/** CPU twin of shaders/sinusoid_tasks.wgsl for one task: same counters, so the same draws. */
export function sinusoidTaskRef(seed: number, stream: number, step: number, task: number, points: number) {
  const key = [seed, 0x6d657461];
  const t = philox4x32([task, 0xffffffff, step, stream], key);
  const amp = Math.fround(0.1 + Math.fround(4.9 * philoxUnit(t[0])));
  const phase = Math.fround(Math.fround(Math.PI) * philoxUnit(t[1]));
  const xs: number[] = [];
  for (let i = 0; i < points; i++) {
    const r = philox4x32([task, i, step, stream], key);
    xs.push(Math.fround(-5 + Math.fround(10 * philoxUnit(r[0]))));
  }
  return { amp, phase, xs, ys: xs.map((x) => amp * Math.sin(x + phase)) };
}
