/**
 * Per-user data (`options.data`): rows from a JSON array or CSV file, or inline, handed out round-robin by user
 * id so user k always gets the same row, on any runner.
 */
import { readFileSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { ScenarioError } from './scenario-error.js';

export type FeederRow = Readonly<Record<string, unknown>>;

export interface Feeder {
  /** Number of rows (0 when the scenario has no data). */
  readonly size: number;
  /** Where the rows came from, for messages: a file path, `inline`, or `none`. */
  readonly source: string;
  /** Row `userId mod size`; an empty object when there is no data. Rows are frozen: users share them. */
  rowFor(userId: number): FeederRow;
}

const EMPTY: FeederRow = Object.freeze({});

/** `spec` is a file path (relative to `baseDir`, normally the scenario's folder), inline rows, or undefined. */
export function loadFeeder(spec: string | readonly object[] | undefined, baseDir: string): Feeder {
  if (spec === undefined) return makeFeeder([], 'none');
  if (typeof spec === 'string') {
    const file = isAbsolute(spec) ? spec : resolve(baseDir, spec);
    return makeFeeder(readRows(file), file);
  }
  if (!Array.isArray(spec)) throw new ScenarioError('data', 'inline', `options.data must be a file path or an array of objects, got ${kindOf(spec)}`);
  return makeFeeder(checkRows(spec, 'options.data', 'inline'), 'inline');
}

function makeFeeder(rows: readonly FeederRow[], source: string): Feeder {
  return {
    size: rows.length,
    source,
    rowFor(userId) {
      if (!Number.isSafeInteger(userId) || userId < 0) throw new RangeError(`rowFor: user id ${userId} must be a whole number ≥ 0`);
      return rows.length === 0 ? EMPTY : (rows[userId % rows.length] as FeederRow);
    },
  };
}

function readRows(file: string): FeederRow[] {
  const ext = extname(file).toLowerCase();
  if (ext !== '.json' && ext !== '.csv') throw new ScenarioError('data', file, `data file ${file}: unsupported type ${JSON.stringify(ext || '(no extension)')}; use .json (an array of objects) or .csv (with a header row)`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? String(error)})`;
    throw new ScenarioError('data', file, `data file ${file} ${why}`, { cause: error });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // spreadsheet exports often start with a BOM
  if (ext === '.csv') {
    try {
      return parseCsv(text);
    } catch (error) {
      throw new ScenarioError('data', file, `data file ${file}: ${(error as Error).message}`, { cause: error });
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError('data', file, `data file ${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(parsed)) throw new ScenarioError('data', file, `data file ${file} must hold a JSON array of objects, but holds ${kindOf(parsed)}`);
  return checkRows(parsed, `data file ${file}`, file);
}

function checkRows(rows: readonly unknown[], what: string, file: string): FeederRow[] {
  if (rows.length === 0) throw new ScenarioError('data', file, `${what} has no rows`);
  return rows.map((row, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new ScenarioError('data', file, `${what}: row ${i} is ${kindOf(row)}, not an object`);
    return Object.freeze({ ...(row as Record<string, unknown>) });
  });
}

/**
 * RFC 4180 CSV with a header row: comma separators, CRLF or LF line ends, quoted fields with `""` for a quote
 * and embedded commas/newlines. Values stay strings. Blank lines are skipped. Errors name the line.
 */
export function parseCsv(text: string): Array<Record<string, string>> {
  const records = readCsvRecords(text);
  const [headerRecord, ...body] = records;
  if (!headerRecord) throw new Error('CSV has no header row');
  const header = headerRecord.fields;
  const seen = new Set<string>();
  for (const [i, name] of header.entries()) {
    if (name === '') throw new Error(`line ${headerRecord.line}: header column ${i + 1} is empty`);
    if (seen.has(name)) throw new Error(`line ${headerRecord.line}: header column ${JSON.stringify(name)} appears twice`);
    seen.add(name);
  }
  if (body.length === 0) throw new Error('CSV has a header row but no data rows');
  return body.map(({ fields, line }) => {
    if (fields.length !== header.length) throw new Error(`line ${line}: ${fields.length} fields, but the header has ${header.length}`);
    return Object.fromEntries(header.map((name, i) => [name, fields[i] as string]));
  });
}

interface CsvRecord {
  fields: string[];
  /** 1-based line where the record starts. */
  line: number;
}

function readCsvRecords(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let atFieldStart = true;
  let recordEmpty = true; // nothing at all on this line yet: blank lines are skipped, not read as [""]

  const endRecord = (): void => {
    if (!recordEmpty) records.push({ fields: [...fields, field], line: recordLine });
    fields = [];
    field = '';
    atFieldStart = true;
    recordEmpty = true;
  };

  while (i < text.length) {
    const ch = text[i] as string;
    if (atFieldStart && ch === '"') {
      const quoteLine = line;
      i++;
      recordEmpty = false;
      for (;;) {
        if (i >= text.length) throw new Error(`line ${quoteLine}: quoted field is never closed`);
        const c = text[i] as string;
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === '\n') line++;
        field += c;
        i++;
      }
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') throw new Error(`line ${line}: unexpected ${JSON.stringify(next)} after a closing quote`);
      atFieldStart = false;
      continue;
    }
    if (ch === ',') {
      fields.push(field);
      field = '';
      atFieldStart = true;
      recordEmpty = false;
      i++;
      continue;
    }
    if (ch === '\r' || ch === '\n') {
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      endRecord();
      line++;
      recordLine = line;
      continue;
    }
    if (ch === '"') throw new Error(`line ${line}: a quote inside an unquoted field; quote the whole field and double the quote ("")`);
    field += ch;
    atFieldStart = false;
    recordEmpty = false;
    i++;
  }
  endRecord();
  return records;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `a string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (value === undefined) return 'undefined';
  return `${typeof value === 'number' ? 'a number' : `a ${typeof value}`} (${String(value)})`;
}
