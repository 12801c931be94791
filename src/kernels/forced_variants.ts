import type { Gpu } from '../runtime/gpu';
import { InputError } from '../runtime/errors';

/**
 * Kernel variants a user can force for a whole run — to compare variants on one adapter (BENCHMARKS.md's A/B
 * figures) or to step around a driver's bug — with `METARNN_VARIANTS=key=value,…` in the CLI's environment
 * (passed to the pages as `?variants=`). Each key is the one its wrapper reads from `variants.chosen`:
 * - `linear.vec4`: `on` | `off` — vec4 rows in linear_forward, linear_backward_input and
 *   linear_backward_weight where aligned (useVec4; backward-weight only when its reduction is not split), and
 *   linear_forward's vec4 stores where Y is aligned;
 * - `linear.blocked`: `on` | `off` — linear_forward's blocked kernel (useBlockedLinear);
 * - `linear.broadcast`: `on` | `off` — the broadcast kernel in linearForward and, through Wᵀ, in
 *   linearBackwardInput (useBroadcastLinear);
 * - `reduce.splits`: a count ≥ 1 — the split reductions' chunks (splitCount);
 * - `gru.backward-units`: `1` | `2` | `4` — hidden units per thread asked of gru_backward (gru_tuning.ts);
 * - `gru.unroll`: `on` | `off` — gru_forward's generated straight-line steps where they apply (useUnrolledGru);
 * - `gru.broadcast`: `on` | `off` — gru_forward_broadcast and gru_backward_broadcast in place of gru_forward and
 *   gru_backward (useBroadcastGru in gru_tuning.ts).
 * The GRU's other tiles have their own probe and cache (gru_probe.ts) and are not forced here.
 */
const FORCIBLE: Record<string, (v: string) => boolean> = {
  'linear.vec4': (v) => v === 'on' || v === 'off',
  'linear.blocked': (v) => v === 'on' || v === 'off',
  'linear.broadcast': (v) => v === 'on' || v === 'off',
  'reduce.splits': (v) => /^[1-9][0-9]*$/.test(v) && Number(v) <= 64,
  'gru.backward-units': (v) => v === '1' || v === '2' || v === '4',
  'gru.unroll': (v) => v === 'on' || v === 'off',
  'gru.broadcast': (v) => v === 'on' || v === 'off',
};
const ALLOWED =
  'linear.vec4=on|off, linear.blocked=on|off, linear.broadcast=on|off, reduce.splits=1..64, gru.backward-units=1|2|4, gru.unroll=on|off, gru.broadcast=on|off';

/** Parses `key=value,…` (empty or absent: nothing forced); a bad entry is an InputError naming it. */
export function parseForcedVariants(spec: string | null | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of (spec ?? '').split(',').map((s) => s.trim())) {
    if (!entry) continue;
    const [key, value, ...rest] = entry.split('=').map((s) => s.trim());
    if (value === undefined || rest.length || !Object.hasOwn(FORCIBLE, key) || !FORCIBLE[key](value)) {
      throw new InputError(
        `METARNN_VARIANTS: '${entry}' is not a variant this build can force (allowed: ${ALLOWED})`,
      );
    }
    if (out.has(key)) throw new InputError(`METARNN_VARIANTS: '${key}' is given twice`);
    out.set(key, value);
  }
  return out;
}

/** Applies `spec` (parseForcedVariants) to the device's variants and returns the device. */
export function forceVariants(gpu: Gpu, spec: string | null | undefined): Gpu {
  for (const [k, v] of parseForcedVariants(spec)) gpu.variants.chosen.set(k, v);
  return gpu;
}

/** The forcible variants set on this device (`doctor` shows them), as `key=value`. */
export function forcedVariantsOf(gpu: Gpu): string[] {
  return [...gpu.variants.chosen].filter(([k]) => Object.hasOwn(FORCIBLE, k)).map(([k, v]) => `${k}=${v}`);
}
