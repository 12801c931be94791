/**
 * The report's SVG charts and page, in Node: axis ticks, what gets drawn (and what is left out), escaping,
 * and that the page stands alone (no scripts, no external resources).
 */
import { expect, test } from '@playwright/test';
import { renderReport, type ForecastPanel, type MetricsLine, type SinusoidPanel } from '../src/report/report';
import { formatTick, lineChart, logTicks, niceTicks } from '../src/report/svg';

const count = (s: string, what: string) => s.split(what).length - 1;

test('niceTicks are round steps covering the range', () => {
  expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  expect(niceTicks(-5, 5, 6)).toEqual([-4, -2, 0, 2, 4]);
  expect(niceTicks(20, 40)).toEqual([20, 25, 30, 35, 40]);
  expect(niceTicks(3, 3)).toEqual([3]);
});

test('logTicks: decades, or round linear values over a short range', () => {
  expect(logTicks(0.005, 20)).toEqual([0.01, 0.1, 1, 10]);
  expect(logTicks(1.5, 8)).toEqual([2, 4, 6, 8]);
  expect(formatTick(0.001)).toBe('0.001');
  expect(formatTick(1e-4)).toBe('1e-4');
  expect(formatTick(250000)).toBe('3e5');
});

test('lineChart draws each series, breaks lines at non-finite points and escapes text', () => {
  const svg = lineChart(
    [
      {
        name: 'a < b',
        points: [
          [0, 1],
          [1, NaN],
          [2, 3],
          [3, 4],
        ],
        color: '#123',
      },
      {
        name: 'dots',
        points: [
          [0, 2],
          [1, 2],
        ],
        color: '#456',
        line: false,
      },
      {
        name: 'band',
        points: [
          [0, 1],
          [3, 2],
        ],
        band: [
          [0, 0.5, 1.5],
          [3, 1, 3],
        ],
        color: '#789',
        markers: true,
      },
    ],
    { title: 'T & "q"', xLabel: 'step', yLabel: 'loss' },
  );
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.endsWith('</svg>')).toBe(true);
  expect(svg).toContain('T &#38; &#34;q&#34;');
  expect(svg).toContain('a &#60; b');
  expect(svg).not.toContain('NaN');
  expect(count(svg, '<polyline')).toBe(3); // 'a' split in two at the NaN, plus 'band'
  expect(count(svg, '<circle')).toBe(2 + 2 + 1); // dots, band markers, the legend's dot
  expect(count(svg, '<polygon')).toBe(1);
});

test('log scale leaves out values <= 0; an empty chart says so', () => {
  const svg = lineChart(
    [
      {
        name: 'l',
        points: [
          [0, 0],
          [1, 10],
          [2, 1],
          [3, -1],
        ],
        color: '#000',
      },
    ],
    {
      title: 'log',
      logY: true,
    },
  );
  expect(count(svg, '<polyline')).toBe(1);
  const pts = /<polyline points="([^"]+)"/.exec(svg)![1].split(' ');
  expect(pts).toHaveLength(2);
  // 10 sits at the top of the plot area and 1 at the bottom: a log axis spanning exactly one decade.
  const ys = pts.map((p) => Number(p.split(',')[1]));
  expect(ys[0]).toBeLessThan(ys[1]);
  expect(lineChart([{ name: 'x', points: [], color: '#000' }], { title: 'e' })).toContain('no data yet');
});

test('renderReport is one self-contained page with the charts it has data for', () => {
  const metrics: MetricsLine[] = [
    { step: 10, loss: 4, stepsPerSecond: 5, seconds: 2 },
    { step: 20, loss: 2, stepsPerSecond: 5, seconds: 4 },
    { step: 20, metric: 'mse', mean: 1.5, ci95: 0.2, tasks: 100 },
  ];
  const config = { task: 'sinusoid', shots: 2, note: '<script>alert(1)</script>' };
  const plain = renderReport({ title: 'run', status: 'finished: 20 steps', config, metrics });
  expect(count(plain, '<svg')).toBe(2);
  expect(plain).not.toMatch(/<script|<link|src=|href=/i);
  expect(plain).toContain('1.5 ± 0.2');

  const grid = [-5, 0, 5];
  const panel: SinusoidPanel = {
    amp: 1,
    phase: 0,
    support: [
      { x: 1, y: Math.sin(1) },
      { x: 2, y: Math.sin(2) },
    ],
    grid,
    before: [0, 0, 0],
    after: grid.map(Math.sin),
  };
  const test = { episodes: 600, metric: 'mse' as const, mean: 0.7, ci95: 0.05 };
  const full = renderReport({ title: 'run', status: 's', config, metrics, sinusoid: [panel, panel], test });
  expect(count(full, '<svg')).toBe(4);
  expect(full).toContain('600 held-out tasks');
  expect(full).toContain('after 2 shots');
});

test('renderReport draws one forecast panel per held-out series: context, true future and forecast', () => {
  const metrics: MetricsLine[] = [{ step: 10, loss: 1, stepsPerSecond: 5, seconds: 2 }];
  const panel = (kind: string, shift: number): ForecastPanel => ({
    kind,
    context: [0, 1, 0, -1].map((v) => v + shift),
    truth: [0, 1],
    forecast: [0.2, 0.7],
  });
  const html = renderReport({
    title: 'run',
    status: 's',
    config: { task: 'forecast' },
    metrics,
    forecast: [panel('AR(2)', 0), panel('damped oscillator', 1)],
  });
  expect(count(html, '<svg')).toBe(2 + 2);
  expect(html).toContain('Held-out forecasting tasks');
  expect(html).toContain('held-out series 2 (damped oscillator): 2 steps ahead');
  const plain = renderReport({ title: 'run', status: 's', config: {}, metrics });
  expect(plain).not.toContain('forecasting');
  // Per panel: context, truth and forecast lines.
  expect(count(html, '<polyline') - count(plain, '<polyline')).toBe(2 * 3);
  // Truth and forecast start at the last context point (t = 3), so each line has one point more than its values.
  const forecastLine = [...html.matchAll(/<polyline points="([^"]+)"[^>]*stroke-dasharray="5 3"/g)];
  expect(forecastLine).toHaveLength(2);
  expect(forecastLine[0][1].split(' ')).toHaveLength(3);
});
