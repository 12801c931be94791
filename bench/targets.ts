/**
 * The speed targets of issue 17 ("Faster than every peer"), set for the software adapter (SwiftShader), checked
 * against a finished bench run: our training step against TF.js's, from the medians of the interleaved rounds,
 * and our step's GFLOP/s against the adapter's own matmul. No Node and no DOM: the CLI and the page both use it.
 */
import type { PeerName } from './cases';

export interface TargetCheck {
  /** What is compared, e.g. "step vs tfjs-wasm". */
  target: string;
  case: string;
  /** The figure reached (a ratio or a share); null when it was not measured in this run. */
  value: number | null;
  /** The figure to reach: value ≥ goal. */
  goal: number;
  met: boolean | null;
  unit: '×' | '%';
}

/** What checkTargets reads of a case: the medians' ratios and our share of the matmul speed. */
interface CaseFigures {
  name: string;
  ours: { shareTrainStep?: number };
  peers: Record<PeerName, { stepVsOurs?: number | null }>;
}

/** Peer step time ÷ ours at least this much (the peer's training step takes that many times as long). */
export const PEER_TARGETS: Partial<Record<PeerName, number>> = { 'tfjs-wasm': 1.2, 'tfjs-webgpu': 40 };
/** Our step's GFLOP/s as a share of the adapter's matmul GFLOP/s. */
export const MATMUL_SHARE_TARGET = 0.7;

export function checkTargets(cases: readonly CaseFigures[]): TargetCheck[] {
  const check = (target: string, c: string, value: number | null, goal: number, unit: '×' | '%') => ({
    target,
    case: c,
    value,
    goal,
    met: value === null ? null : value >= goal,
    unit,
  });
  return cases.flatMap((c) => [
    ...Object.entries(PEER_TARGETS).map(([p, goal]) =>
      check(`step vs ${p}`, c.name, c.peers[p as PeerName].stepVsOurs ?? null, goal, '×'),
    ),
    check('step GFLOP/s of matmul', c.name, c.ours.shareTrainStep ?? null, MATMUL_SHARE_TARGET, '%'),
  ]);
}

/** One line per target: "gru-1x64 step vs tfjs-wasm: 2.28× (goal ≥ 1.2×) met"; `ascii` for a terminal. */
export function formatTarget(t: TargetCheck, ascii = false): string {
  const [times, atLeast] = ascii ? ['x', '>='] : ['×', '≥'];
  const f = (x: number) => (t.unit === '%' ? `${(100 * x).toFixed(1)}%` : `${x.toFixed(2)}${times}`);
  const goal = t.unit === '%' ? `${(100 * t.goal).toFixed(0)}%` : `${t.goal}${times}`;
  const status = t.met === null ? 'not measured' : t.met ? 'met' : 'NOT met';
  return `${t.case} ${t.target}: ${t.value === null ? '-' : f(t.value)} (goal ${atLeast} ${goal}) ${status}`;
}
