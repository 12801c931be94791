/**
 * A strict, small CSV reader (RFC 4180) for the tables users hand us: regression support and query sets
 * (`x,y`) and time series. Pure, so that the page reads a dropped file exactly as the CLI reads a path
 * (series_file.ts does the Node reading). Strict because a silently misread cell becomes a wrong model:
 * every row must have the header's field count, quotes must be well formed, and numbers are read by a
 * grammar, not by `Number()` (which takes '' as 0 and '0x10' as 16).
 */
import { InputError } from '../runtime/errors';

export interface CsvTable {
  /** Named in messages. */
  file: string;
  /** Column names, trimmed, non-empty and distinct. */
  header: string[];
  /** Data rows, each with header.length fields, as written (a quoted field unquoted). */
  rows: string[][];
  /** lines[i]: the 1-based line of the file on which rows[i] starts, for messages. */
  lines: number[];
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** Tab for a .tsv file, comma otherwise: the one thing the extension decides. */
export function separatorFor(file: string): ',' | '\t' {
  return /\.tsv$/i.test(file) ? '\t' : ',';
}

/** A value for a one-line message: quoted and escaped (JSON.stringify keeps newlines out), and cut short. */
export function show(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/** A header for a message: the first names, then how many there are. */
export function listNames(names: string[], sep = ','): string {
  return names.length > 12
    ? `${names.slice(0, 12).join(sep)}${sep}… (${names.length} columns)`
    : names.join(sep);
}

/** Line breaks (LF, CRLF, or a lone CR) in text[from, to). */
function countBreaks(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) n++;
  }
  return n;
}

interface CsvRecord {
  fields: string[];
  line: number;
}

/** The file's records, blank lines skipped; each field's quotes removed and `""` unescaped. */
function splitRecords(text: string, file: string, sep: number): CsvRecord[] {
  const out: CsvRecord[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let quoted = false;
    for (;;) {
      if (text.charCodeAt(i) === QUOTE) {
        quoted = true;
        const opened = line;
        let value = '';
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) {
            throw new InputError(
              `${file}:${opened}: a quoted field opened on this line is never closed; end it with " ` +
                '(a quote inside a quoted field is written "")',
            );
          }
          line += countBreaks(text, i, q);
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(i, q + 1);
            i = q + 2;
            continue;
          }
          value += text.slice(i, q);
          i = q + 1;
          break;
        }
        fields.push(value);
        const c = text.charCodeAt(i);
        if (c === sep) {
          i++;
          continue;
        }
        if (i >= n || c === LF || c === CR) break;
        throw new InputError(
          `${file}:${line}: ${show(text[i])} right after the closing quote of field ${fields.length}; ` +
            'a field ends at its closing quote (a quote inside a quoted field is written "")',
        );
      }
      let j = i;
      for (; j < n; j++) {
        const c = text.charCodeAt(j);
        if (c === sep || c === LF || c === CR) break;
        if (c === QUOTE) {
          throw new InputError(
            `${file}:${line}: a quote inside the unquoted field ${show(text.slice(i, j + 1))}; put the whole ` +
              'field in quotes and write each quote in it as ""',
          );
        }
      }
      fields.push(text.slice(i, j));
      i = j;
      if (i < n && text.charCodeAt(i) === sep) {
        i++;
        continue;
      }
      break;
    }
    if (i < n) {
      i += text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
    }
    if (!quoted && fields.length === 1 && fields[0].trim() === '') continue;
    out.push({ fields, line: start });
  }
  return out;
}

/** A CSV file (a TSV file when `file` ends in .tsv) with a header line; a UTF-8 BOM is dropped. */
export function parseCsv(text: string, file: string): CsvTable {
  const sepChar = separatorFor(file);
  const records = splitRecords(
    text.charCodeAt(0) === 0xfeff ? text.slice(1) : text,
    file,
    sepChar.charCodeAt(0),
  );
  if (!records.length) {
    throw new InputError(
      `${file}: empty file; the first line must be a header naming the columns, such as x,y`,
    );
  }
  const first = records[0];
  const header = first.fields.map((name) => name.trim());
  const shown = listNames(header, sepChar === '\t' ? '<tab>' : ',');
  header.forEach((name, c) => {
    if (!name) {
      throw new InputError(
        `${file}:${first.line}: header column ${c + 1} has no name (header: ${shown}); name every column`,
      );
    }
    const before = header.indexOf(name);
    if (before < c) {
      throw new InputError(
        `${file}:${first.line}: header names column "${name}" twice (columns ${before + 1} and ${c + 1}); ` +
          'give each column its own name',
      );
    }
  });
  const rows: string[][] = [];
  const lines: number[] = [];
  for (let r = 1; r < records.length; r++) {
    const { fields, line } = records[r];
    if (fields.length !== header.length) {
      throw new InputError(
        `${file}:${line}: ${fields.length} field${fields.length === 1 ? '' : 's'}, expected ${header.length} ` +
          `as in the header (${shown}); every row needs one value per column`,
      );
    }
    rows.push(fields);
    lines.push(line);
  }
  return { file, header, rows, lines };
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A cell as a finite number, or (a string) why it is not one, phrased to follow "column x: ". Surrounding
 * spaces are allowed; NaN, Infinity and empty cells are each named as such, since each means a different fix.
 */
export function cellNumber(cell: string): number | string {
  const s = cell.trim();
  if (!s) return 'empty cell; a number is expected';
  if (/^[+-]?nan$/i.test(s)) return `${show(cell)} is NaN (not a number); give a finite number`;
  if (/^[+-]?inf(inity)?$/i.test(s)) return `${show(cell)} is infinite; give a finite number`;
  if (!NUMBER.test(s)) return `${show(cell)} is not a number`;
  const v = Number(s);
  return Number.isFinite(v) ? v : `${show(cell)} is too large (overflows to Infinity); give a finite number`;
}

export interface NumberColumnOptions {
  /** The header the message suggests when the column is missing (default: the column's name). */
  example?: string;
}

/** A column of finite numbers, by header name. */
export function numberColumn(table: CsvTable, name: string, opts: NumberColumnOptions = {}): Float64Array {
  const c = table.header.indexOf(name);
  if (c < 0) {
    throw new InputError(
      `${table.file}: no column "${name}" (header: ${listNames(table.header)}); the first line must be a ` +
        `header such as ${opts.example ?? name}`,
    );
  }
  const out = new Float64Array(table.rows.length);
  table.rows.forEach((row, r) => {
    const v = cellNumber(row[c]);
    if (typeof v === 'string') throw new InputError(`${table.file}:${table.lines[r]}: column ${name}: ${v}`);
    out[r] = v;
  });
  return out;
}

export interface XY {
  x: number[];
  /** Absent when y was optional and the file has no y column. */
  y?: number[];
}

/**
 * A regression set from an `x,y` CSV: support sets need y (`y: 'required'`); query sets may leave it out
 * (`'optional'`), but a y column, once there, needs a value in every row. Other columns are ignored.
 */
export function readXY(text: string, file: string, opts: { y: 'required' | 'optional' }): XY {
  const table = parseCsv(text, file);
  const example = opts.y === 'required' ? 'x,y' : 'x or x,y';
  const x = numberColumn(table, 'x', { example });
  const hasY = opts.y === 'required' || table.header.includes('y');
  const y = hasY ? numberColumn(table, 'y', { example }) : undefined;
  if (!table.rows.length) throw new InputError(`${file}: no data rows after the header`);
  return y ? { x: Array.from(x), y: Array.from(y) } : { x: Array.from(x) };
}
