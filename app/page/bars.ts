/**
 * A horizontal bar chart in SVG, for a handful of labelled values (the bench ratios): readable as text by
 * screen readers (a title, a description listing every value, a <title> per bar) and styled only through
 * attributes, which the page's Content-Security-Policy allows.
 */
const SVG = 'http://www.w3.org/2000/svg';

export interface Bar {
  label: string;
  value: number;
  color: string;
}

function el(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Bars from 0 with a reference line at 1 (= ours); the SVG scales to its container's width. */
export function barChart(bars: Bar[], o: { id: string; title: string; unit: string }): SVGElement {
  const [width, labelW, valueW, rowH, top] = [640, 230, 70, 24, 8];
  const height = top * 2 + rowH * bars.length;
  const max = Math.max(1, ...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)));
  const x = (v: number) => labelW + ((width - labelW - valueW) * Math.max(0, v)) / max;
  const fmt = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(1)}${o.unit}`;
  const svg = el('svg', {
    id: o.id,
    class: 'bars',
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-labelledby': `${o.id}-title ${o.id}-desc`,
    'data-bars': bars.length,
  });
  svg.append(
    el('title', { id: `${o.id}-title` }, o.title),
    el('desc', { id: `${o.id}-desc` }, bars.map((b) => `${b.label}: ${fmt(b.value)}`).join('; ')),
  );
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const g = el('g', { class: 'bar' });
    g.append(
      el('title', {}, `${b.label}: ${fmt(b.value)}`),
      el(
        'text',
        { x: labelW - 8, y: y + rowH / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle' },
        b.label,
      ),
      el('rect', {
        x: labelW,
        y: y + 3,
        width: Math.max(1, x(b.value) - labelW),
        height: rowH - 6,
        fill: b.color,
      }),
      el('text', { x: x(b.value) + 6, y: y + rowH / 2, 'dominant-baseline': 'middle' }, fmt(b.value)),
    );
    svg.append(g);
  });
  svg.append(
    el('line', {
      x1: x(1),
      x2: x(1),
      y1: top / 2,
      y2: height - top / 2,
      stroke: '#333',
      'stroke-dasharray': '4 3',
    }),
  );
  return svg;
}
