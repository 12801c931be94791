/**
 * The CSV reader: RFC 4180 as written by spreadsheets (quotes, CRLF, BOM), TSV by extension, and errors that
 * name the file, the line, the value and the fix. Then the seeded fuzz: mutated CSV and JSON series files
 * give a result or an InputError, nothing else.
 */
import { expect, test } from '@playwright/test';
import { numberColumn, parseCsv, readXY } from '../src/data/csv';
import { parseSeries } from '../src/data/series';
import { rng } from '../src/layout/random';
import { InputError } from '../src/runtime/errors';
import { mutateBytes } from './mutate';

/** The InputError message fn throws (failing the test if it throws anything else, or nothing). */
function inputError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const message = (e as Error).message;
    expect(message).not.toContain('\n'); // one line
    return message;
  }
  throw new Error('expected an InputError, got a result');
}

test('parses quoted fields with commas, "" escapes and newlines, keeping their start lines', () => {
  const t = parseCsv('name,note\n"a, b","say ""hi"""\n"two\nlines",x\nlast,""\n', 'q.csv');
  expect(t.header).toEqual(['name', 'note']);
  expect(t.rows).toEqual([
    ['a, b', 'say "hi"'],
    ['two\nlines', 'x'],
    ['last', ''],
  ]);
  expect(t.lines).toEqual([2, 3, 5]);
});

test('CRLF, a BOM, blank lines, trimmed header names, no final newline', () => {
  const t = parseCsv('\uFEFF x , y \r\n1,2\r\n\r\n   \r\n3,4', 'w.csv');
  expect(t.header).toEqual(['x', 'y']);
  expect(t.rows).toEqual([
    ['1', '2'],
    ['3', '4'],
  ]);
  expect(t.lines).toEqual([2, 5]);
  expect(Array.from(numberColumn(t, 'y'))).toEqual([2, 4]);
});

test('a .tsv file is split on tabs, a .csv on commas', () => {
  const t = parseCsv('id\trate\n1001\t0.097\n"a,b"\t1\n', 'unemployment.tsv');
  expect(t.header).toEqual(['id', 'rate']);
  expect(t.rows).toEqual([
    ['1001', '0.097'],
    ['a,b', '1'],
  ]);
  expect(parseCsv('a\tb\n1\t2\n', 'x.csv').header).toEqual(['a\tb']);
});

test('structural errors name the file, the line and what is expected', () => {
  expect(inputError(() => parseCsv('', 'e.csv'))).toMatch(/^e\.csv: empty file; .*header/);
  expect(inputError(() => parseCsv('\n \r\n', 'e.csv'))).toContain('e.csv: empty file');
  expect(inputError(() => parseCsv('x,,y\n1,2,3\n', 'h.csv'))).toBe(
    'h.csv:1: header column 2 has no name (header: x,,y); name every column',
  );
  expect(inputError(() => parseCsv('\nx,y, x\n', 'd.csv'))).toContain(
    'd.csv:2: header names column "x" twice (columns 1 and 3)',
  );
  const open = inputError(() => parseCsv('x,y\n1,2\n3,"4\n5,6\n', 'u.csv'));
  expect(open).toContain('u.csv:3: a quoted field opened on this line is never closed');
  expect(open).toContain('""');
  expect(inputError(() => parseCsv('x,y\n1,2\n3\n', 'n.csv'))).toBe(
    'n.csv:3: 1 field, expected 2 as in the header (x,y); every row needs one value per column',
  );
  expect(inputError(() => parseCsv('x,y\n"a\nb",2,3\n', 'n.csv'))).toContain('n.csv:2: 3 fields, expected 2');
  expect(inputError(() => parseCsv('x,y\n"1"2,3\n', 'c.csv'))).toContain(
    'c.csv:2: "2" right after the closing quote',
  );
  expect(inputError(() => parseCsv('x,y\n5\'10",3\n', 's.csv'))).toContain(
    's.csv:2: a quote inside the unquoted field',
  );
});

test('numberColumn: missing column, and each kind of bad cell named plainly', () => {
  const t = parseCsv('a,b,c\n1,2,3\n', 'm.csv');
  expect(inputError(() => numberColumn(t, 'x', { example: 'x,y' }))).toBe(
    'm.csv: no column "x" (header: a,b,c); the first line must be a header such as x,y',
  );
  const bad = (cell: string) => inputError(() => numberColumn(parseCsv(`x\n1\n${cell}\n`, 'b.csv'), 'x'));
  expect(bad('abc')).toBe('b.csv:3: column x: "abc" is not a number');
  expect(bad('NaN')).toContain('b.csv:3: column x: "NaN" is NaN');
  expect(bad('-Infinity')).toContain('b.csv:3: column x: "-Infinity" is infinite');
  expect(bad('1e999')).toContain('overflows to Infinity');
  expect(bad('0x10')).toContain('"0x10" is not a number');
  expect(bad('""')).toContain('b.csv:3: column x: empty cell; a number is expected');
  expect(Array.from(numberColumn(parseCsv('x\n -1.5e2 \n.5\n+3\n', 'ok.csv'), 'x'))).toEqual([-150, 0.5, 3]);
});

test('readXY: y required for a support set, optional for a query set', () => {
  expect(readXY('x,y\n0,1\n2,3.5\n', 's.csv', { y: 'required' })).toEqual({ x: [0, 2], y: [1, 3.5] });
  expect(readXY('y,x,id\n1,0,a\n', 's.csv', { y: 'required' })).toEqual({ x: [0], y: [1] });
  expect(readXY('x\n0\n2\n', 'q.csv', { y: 'optional' })).toEqual({ x: [0, 2] });
  expect(readXY('x,y\n0,1\n', 'q.csv', { y: 'optional' })).toEqual({ x: [0], y: [1] });
  expect(inputError(() => readXY('x\n0\n', 's.csv', { y: 'required' }))).toBe(
    's.csv: no column "y" (header: x); the first line must be a header such as x,y',
  );
  expect(inputError(() => readXY('a,b\n0,1\n', 'q.csv', { y: 'optional' }))).toContain(
    'q.csv: no column "x" (header: a,b); the first line must be a header such as x or x,y',
  );
  expect(inputError(() => readXY('x,y\n0,1\n2,\n', 'q.csv', { y: 'optional' }))).toBe(
    'q.csv:3: column y: empty cell; a number is expected',
  );
  expect(inputError(() => readXY('x,y\n', 's.csv', { y: 'required' }))).toBe(
    's.csv: no data rows after the header',
  );
  expect(inputError(() => readXY('0,1\n2,3\n', 's.csv', { y: 'required' }))).toContain(
    's.csv: no column "x" (header: 0,1)',
  );
});

const N = 10_000;

/** Mutates `valid` N times with seed `seed`, runs `parse` on each, and counts results and InputErrors. */
function fuzz(valid: string, seed: number, parse: (text: string) => unknown) {
  const rand = rng(seed);
  const bytes = new TextEncoder().encode(valid);
  const decoder = new TextDecoder();
  const counts = { ok: 0, rejected: 0 };
  const t0 = Date.now();
  for (let i = 0; i < N; i++) {
    const text = decoder.decode(mutateBytes(bytes, rand));
    try {
      parse(text);
      counts.ok++;
    } catch (e) {
      if (!(e instanceof InputError)) {
        throw new Error(
          `case ${i}: untyped ${(e as Error).name}: ${(e as Error).message} for ${JSON.stringify(text)}`,
        );
      }
      // A plain check: expect() per case would cost more than the parsing.
      if ((e as Error).message.includes('\n')) throw new Error(`case ${i}: a message of several lines`);
      counts.rejected++;
    }
  }
  return { ...counts, ms: Date.now() - t0 };
}

test(`readXY: ${N} mutated x,y files give a result or an InputError`, () => {
  const valid = 'x,y\r\n-1.25,0.5\r\n"0.0",1e-3\r\n2,3\r\n4.5,-6\r\n';
  const r = fuzz(valid, 20261201, (text) => readXY(text, 'fuzz.csv', { y: 'required' }));
  expect(r.rejected).toBeGreaterThan(N / 2); // most edits must be caught (a digit for a digit is not)
  expect(r.ms).toBeLessThan(30_000); // no pathological slow path
});

test(`parseSeries: ${N} mutated JSON series files give a result or an InputError`, () => {
  const valid = JSON.stringify([
    { series: 'A', year: 2000, month: 1, count: 430, rate: 2.1 },
    { series: 'A', year: 2000, month: 2, count: 409, rate: 2 },
    { series: 'B', year: 2000, month: 1, count: 12, rate: 0.5 },
    { series: 'B', year: 2000, month: 2, count: 15, rate: 0.7 },
  ]);
  const r = fuzz(valid, 99, (text) => parseSeries(text, 'fuzz.json', { value: 'rate' }));
  expect(r.rejected).toBeGreaterThan(N / 2);
  expect(r.ms).toBeLessThan(30_000);
});

test(`parseSeries: ${N} mutated long-layout CSV files give a result or an InputError`, () => {
  const valid =
    'symbol,date,price\nMSFT,Jan 1 2000,39.81\nMSFT,Feb 1 2000,36.35\nAAPL,Jan 1 2000,25.94\nAAPL,Feb 1 2000,28.66\n';
  const r = fuzz(valid, 7, (text) => parseSeries(text, 'fuzz.csv'));
  expect(r.rejected).toBeGreaterThan(N / 2);
  expect(r.ms).toBeLessThan(30_000);
});
