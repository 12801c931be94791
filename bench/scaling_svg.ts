/**
 * The meta-training curve (tasks/s against the meta-batch, one line per learner) as a standalone SVG file:
 * what `metarnn bench` writes beside its JSON report. Plain text, no DOM, so Node writes it as it is; the
 * page draws the same points with its own charts (app/page/bench_results.ts). The run report's chart
 * (src/report/svg.ts lineChart) has no log x axis, which the meta-batch (32 … 1,024) needs; its ticks and
 * escaping are reused here.
 */
import { escapeXml as escape, formatTick, niceTicks } from '../src/report/svg';
import { META_LEARNERS, type MetaLearnerName } from './cases';

export interface CurvePoint {
  learner: MetaLearnerName;
  metaBatch: number;
  tasksPerSecond: number | null;
}

/** The same colours as the page's charts (app/page/plot.ts COLORS.loss and COLORS.metric). */
const COLOR: Record<MetaLearnerName, string> = { blackbox: '#1f6fb2', maml: '#d9480f' };

/** Tasks/s against the meta-batch on a log2 axis; `subtitle` says where it was measured. */
export function scalingSvg(points: readonly CurvePoint[], subtitle: string): string {
  const [W, H] = [640, 380];
  const m = { left: 64, right: 20, top: 56, bottom: 48 };
  const ok = points.filter((p): p is CurvePoint & { tasksPerSecond: number } => p.tasksPerSecond !== null);
  const batches = [...new Set(points.map((p) => p.metaBatch))].sort((a, b) => a - b);
  const lo = Math.log2(batches[0] ?? 1);
  const hi = Math.log2(batches[batches.length - 1] ?? 2);
  const top = Math.max(0, ...ok.map((p) => p.tasksPerSecond));
  const yTicks = top > 0 ? niceTicks(0, top * 1.05) : [0, 1];
  const yMax = Math.max(top * 1.05, yTicks[yTicks.length - 1]);
  const x = (b: number) =>
    m.left +
    (hi > lo ? ((Math.log2(b) - lo) / (hi - lo)) * (W - m.left - m.right) : (W - m.left - m.right) / 2);
  const y = (v: number) => H - m.bottom - (v / yMax) * (H - m.top - m.bottom);
  const f = (v: number) => v.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" ` +
      `font-family="sans-serif" font-size="12" role="img" aria-labelledby="title">`,
    `<title id="title">Meta-training tasks/s against the meta-batch</title>`,
    `<desc>${escape(ok.map((p) => `${p.learner} ${p.metaBatch}: ${p.tasksPerSecond.toFixed(1)} tasks/s`).join('; '))}</desc>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${m.left}" y="20" font-size="15" font-weight="bold">Meta-training tasks/s against the meta-batch</text>`,
    `<text x="${m.left}" y="38" fill="#555">${escape(subtitle)}</text>`,
  ];
  for (const v of yTicks) {
    out.push(
      `<line x1="${m.left}" x2="${W - m.right}" y1="${f(y(v))}" y2="${f(y(v))}" stroke="#e5e5e5"/>`,
      `<text x="${m.left - 6}" y="${f(y(v))}" text-anchor="end" dominant-baseline="middle">${formatTick(v)}</text>`,
    );
  }
  for (const b of batches) {
    out.push(
      `<line x1="${f(x(b))}" x2="${f(x(b))}" y1="${H - m.bottom}" y2="${H - m.bottom + 5}" stroke="#333"/>`,
      `<text x="${f(x(b))}" y="${H - m.bottom + 18}" text-anchor="middle">${b}</text>`,
    );
  }
  out.push(
    `<line x1="${m.left}" x2="${W - m.right}" y1="${H - m.bottom}" y2="${H - m.bottom}" stroke="#333"/>`,
    `<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${H - m.bottom}" stroke="#333"/>`,
    `<text x="${(m.left + W - m.right) / 2}" y="${H - 8}" text-anchor="middle">meta-batch (tasks per step, log scale)</text>`,
    `<text transform="translate(16 ${(m.top + H - m.bottom) / 2}) rotate(-90)" text-anchor="middle">tasks/s</text>`,
  );
  const learners = (Object.keys(META_LEARNERS) as MetaLearnerName[]).filter((l) =>
    ok.some((p) => p.learner === l),
  );
  learners.forEach((l, i) => {
    const line = ok.filter((p) => p.learner === l).sort((a, b) => a.metaBatch - b.metaBatch);
    const path = line.map((p) => `${f(x(p.metaBatch))},${f(y(p.tasksPerSecond))}`).join(' ');
    out.push(`<g class="series" data-learner="${l}">`);
    out.push(`<polyline points="${path}" fill="none" stroke="${COLOR[l]}" stroke-width="2"/>`);
    for (const p of line) {
      out.push(
        `<circle cx="${f(x(p.metaBatch))}" cy="${f(y(p.tasksPerSecond))}" r="3.5" fill="${COLOR[l]}">` +
          `<title>${escape(`${l}, meta-batch ${p.metaBatch}: ${p.tasksPerSecond.toFixed(1)} tasks/s`)}</title></circle>`,
      );
    }
    out.push('</g>');
    const ly = m.top + 6 + i * 18;
    out.push(
      `<line x1="${m.left + 12}" x2="${m.left + 36}" y1="${ly}" y2="${ly}" stroke="${COLOR[l]}" stroke-width="2"/>`,
      `<text x="${m.left + 42}" y="${ly}" dominant-baseline="middle">${escape(META_LEARNERS[l])}</text>`,
    );
  });
  out.push('</svg>', '');
  return out.join('\n');
}
