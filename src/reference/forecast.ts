import { philox4x32, philoxUnit } from '../layout/philox';

const f = Math.fround;

/**
 * CPU twin of shaders/forecast_tasks.wgsl for one task: same counters, so the same draws. Parameters are
 * rounded to float32 as the shader computes them; the series itself is float64.
 */
export function forecastTaskRef(seed: number, stream: number, step: number, task: number, points: number) {
  const key = [seed, 0x66637374];
  const d0 = philox4x32([task, 0xffffffff, step, stream], key).map(philoxUnit);
  const d1 = philox4x32([task, 0xfffffffe, step, stream], key).map(philoxUnit);
  const kind = d0[0] >= 0.5 ? 1 : 0;
  let q: number[];
  if (kind === 0) {
    q = [0, f(0.5 + f(1.5 * d0[1])), f(0.1 * d0[2]), f(0.2 + d0[3]), f(f(2 * f(Math.PI)) * d1[0])];
  } else {
    const a2 = f(-0.9 + f(1.4 * d0[1]));
    const a1 = f(f(-0.95 + f(1.9 * d0[2])) * f(1 - a2));
    q = [1, a1, a2, f(-1 + 2 * d0[3]), f(-1 + 2 * d1[0])];
  }
  const noise = (u: number, std: number) => (2 * philoxUnit(u) - 1) * Math.sqrt(3) * std;
  const xs: number[] = [];
  for (let i = 0; i < points; i++) {
    const r = philox4x32([task, i, step, stream], key);
    if (kind === 0) xs.push(q[1] * Math.exp(-q[2] * i) * Math.cos(q[3] * i + q[4]) + noise(r[0], 0.05));
    else if (i < 2) xs.push(q[3 + i]);
    else xs.push(q[1] * xs[i - 1] + q[2] * xs[i - 2] + noise(r[0], 0.1));
  }
  return { kind, params: q.slice(1), xs };
}

/**
 * Twin of forecast_windows: per task, one-step-ahead windows of `window` values — support rows inside the
 * context, a query row ending on each future value — from context [B, C] and future [B, P].
 */
export function forecastWindowsRef(
  s: { tasks: number; context: number; horizon: number; window: number },
  context: ArrayLike<number>,
  future: ArrayLike<number>,
) {
  const { tasks: B, context: C, horizon: P, window: W } = s;
  const out = {
    supportX: [] as number[],
    supportY: [] as number[],
    queryX: [] as number[],
    queryY: [] as number[],
  };
  for (let b = 0; b < B; b++) {
    const series = [
      ...Array.from(context).slice(b * C, (b + 1) * C),
      ...Array.from(future).slice(b * P, (b + 1) * P),
    ];
    for (let end = W; end < C; end++) {
      out.supportX.push(...series.slice(end - W, end));
      out.supportY.push(series[end]);
    }
    for (let end = C; end < C + P; end++) {
      out.queryX.push(...series.slice(end - W, end));
      out.queryY.push(series[end]);
    }
  }
  return out;
}
