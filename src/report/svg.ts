/**
 * Small inline-SVG line charts for the run report: no scripts, no external files, so a report.html opens
 * anywhere and can be mailed around. Pure string building; runs in Node and in a page alike.
 */

export type Point = readonly [x: number, y: number];

export interface Series {
  name: string;
  points: readonly Point[];
  color: string;
  /** stroke-dasharray, e.g. '4 3' for a dashed line. */
  dash?: string;
  /** Draw the points as dots; with `line: false` only the dots. */
  markers?: boolean;
  line?: boolean;
  /** A shaded band (x, low, high) drawn under the line, e.g. a 95% interval. */
  band?: readonly (readonly [x: number, lo: number, hi: number])[];
}

export interface ChartOptions {
  title: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Log-scale y axis (values <= 0 are left out). */
  logY?: boolean;
  /** Fixed axis ranges; otherwise the data's, padded for a linear y. */
  x?: readonly [number, number];
  y?: readonly [number, number];
  legend?: boolean;
}

const MARGIN = { left: 56, right: 12, top: 28, bottom: 40 };

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** About `count` round tick values (1, 2, 5 × 10^k steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  return ticks;
}

/** Powers of ten within [lo, hi] (lo > 0); a range with fewer than three gets round linear values instead. */
export function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
    const v = Number((10 ** k).toPrecision(12));
    if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(v);
  }
  return ticks.length >= 3 ? ticks : niceTicks(lo, hi, 4).filter((v) => v > 0);
}

export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

const num = (v: number) => (Math.round(v * 10) / 10).toString();

function extent(values: number[]): [number, number] | null {
  if (!values.length) return null;
  return [Math.min(...values), Math.max(...values)];
}

/** Splits a polyline at left-out points so that a gap shows as a gap, not a straight jump. */
function runs(points: readonly Point[], keep: (p: Point) => boolean): Point[][] {
  const out: Point[][] = [[]];
  for (const p of points) {
    if (keep(p)) out[out.length - 1].push(p);
    else if (out[out.length - 1].length) out.push([]);
  }
  return out.filter((r) => r.length);
}

export function lineChart(series: readonly Series[], o: ChartOptions): string {
  const W = o.width ?? 480;
  const H = o.height ?? 280;
  const plotW = W - MARGIN.left - MARGIN.right;
  const plotH = H - MARGIN.top - MARGIN.bottom;
  const okY = (y: number) => Number.isFinite(y) && (!o.logY || y > 0);
  const keep = (p: Point) => Number.isFinite(p[0]) && okY(p[1]);

  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of series) {
    for (const p of s.points.filter(keep)) {
      xs.push(p[0]);
      ys.push(p[1]);
    }
    for (const [x, lo, hi] of s.band ?? []) {
      if (!Number.isFinite(x)) continue;
      xs.push(x);
      for (const v of [lo, hi]) if (okY(v)) ys.push(v);
    }
  }
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`;
  const title = `<text x="${MARGIN.left}" y="16" font-size="13" font-weight="bold">${escapeXml(o.title)}</text>`;
  const xr = o.x ?? extent(xs);
  let yr = o.y ?? extent(ys);
  if (!xr || !yr) {
    const msg = `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#888">no data yet</text>`;
    return `${head}${title}${msg}</svg>`;
  }
  let [x0, x1] = xr;
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  let [y0, y1] = yr;
  if (o.logY) {
    if (y1 === y0) [y0, y1] = [y0 / 2, y1 * 2];
  } else if (!o.y) {
    const pad = y1 === y0 ? Math.max(1, Math.abs(y0)) * 0.1 : (y1 - y0) * 0.05;
    yr = [y0 - pad, y1 + pad];
    [y0, y1] = yr;
  }
  const ly = (v: number) => (o.logY ? Math.log10(v) : v);
  const sx = (v: number) => MARGIN.left + ((v - x0) / (x1 - x0)) * plotW;
  const sy = (v: number) => MARGIN.top + plotH - ((ly(v) - ly(y0)) / (ly(y1) - ly(y0))) * plotH;
  const clip = `clip${(hash(o.title + series.map((s) => s.name + s.points.length).join()) >>> 0).toString(36)}`;

  const parts: string[] = [head, title];
  parts.push(
    `<defs><clipPath id="${clip}"><rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}"/></clipPath></defs>`,
  );
  // Axes and grid.
  const yTicks = o.logY ? logTicks(y0, y1) : niceTicks(y0, y1);
  for (const t of yTicks) {
    const y = num(sy(t));
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y}" y2="${y}" stroke="#eee"/>`,
      `<text x="${MARGIN.left - 4}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(t)}</text>`,
    );
  }
  for (const t of niceTicks(x0, x1, 6)) {
    const x = num(sx(t));
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#f3f3f3"/>`,
      `<text x="${x}" y="${MARGIN.top + plotH + 14}" text-anchor="middle">${formatTick(t)}</text>`,
    );
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  );
  if (o.xLabel) {
    parts.push(
      `<text x="${MARGIN.left + plotW / 2}" y="${H - 6}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`,
    );
  }
  if (o.yLabel) {
    const cy = MARGIN.top + plotH / 2;
    parts.push(
      `<text x="12" y="${cy}" text-anchor="middle" transform="rotate(-90 12 ${cy})">${escapeXml(o.yLabel)}</text>`,
    );
  }

  // Data, clipped to the plot area (fixed ranges may cut curves).
  parts.push(`<g clip-path="url(#${clip})">`);
  for (const s of series) {
    const band = (s.band ?? []).filter(([x, lo, hi]) => Number.isFinite(x) && okY(lo) && okY(hi));
    if (band.length > 1) {
      const upper = band.map(([x, , hi]) => `${num(sx(x))},${num(sy(hi))}`);
      const lower = band.map(([x, lo]) => `${num(sx(x))},${num(sy(lo))}`).reverse();
      parts.push(
        `<polygon points="${[...upper, ...lower].join(' ')}" fill="${s.color}" fill-opacity="0.18"/>`,
      );
    }
    if (s.line !== false) {
      for (const r of runs(s.points, keep)) {
        const pts = r.map(([x, y]) => `${num(sx(x))},${num(sy(y))}`).join(' ');
        const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
        parts.push(
          `<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="1.6"${dash}><title>${escapeXml(s.name)}</title></polyline>`,
        );
      }
    }
    if (s.markers || s.line === false) {
      for (const [x, y] of s.points.filter(keep)) {
        parts.push(`<circle cx="${num(sx(x))}" cy="${num(sy(y))}" r="3" fill="${s.color}"/>`);
      }
    }
  }
  parts.push('</g>');

  if (o.legend !== false && series.length > 1) {
    const lx = MARGIN.left + plotW - 156;
    parts.push(
      `<rect x="${lx}" y="${MARGIN.top + 2}" width="152" height="${series.length * 14 + 4}" fill="#fff" fill-opacity="0.85"/>`,
    );
    series.forEach((s, i) => {
      const y = MARGIN.top + 10 + i * 14;
      const x = MARGIN.left + plotW - 150;
      const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
      const mark =
        s.line === false
          ? `<circle cx="${x + 9}" cy="${y}" r="3" fill="${s.color}"/>`
          : `<line x1="${x}" x2="${x + 18}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2"${dash}/>`;
      parts.push(mark, `<text x="${x + 24}" y="${y}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
    });
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** A stable id per chart, so that several charts in one page do not share a clip path. */
function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}
