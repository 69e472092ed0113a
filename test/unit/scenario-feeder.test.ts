import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFeeder, parseCsv } from '../../src/scenario/feeder.js';
import { ScenarioError } from '../../src/scenario/scenario-error.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rookery-feeder-test-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

function feederError(spec: Parameters<typeof loadFeeder>[0]): ScenarioError {
  try {
    loadFeeder(spec, dir);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).kind).toBe('data');
    return error as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

describe('loadFeeder', () => {
  it('gives an empty row to every user when there is no data', () => {
    const feeder = loadFeeder(undefined, dir);
    expect(feeder.size).toBe(0);
    expect(feeder.source).toBe('none');
    expect(feeder.rowFor(0)).toEqual({});
    expect(feeder.rowFor(41)).toEqual({});
  });

  it('hands out inline rows round-robin by user id, frozen and copied', () => {
    const rows = [{ name: 'ada' }, { name: 'bob' }, { name: 'cy' }];
    const feeder = loadFeeder(rows, dir);
    expect([0, 1, 2, 3, 4, 7].map((id) => feeder.rowFor(id).name)).toEqual(['ada', 'bob', 'cy', 'ada', 'bob', 'bob']);
    expect(feeder.size).toBe(3);
    expect(Object.isFrozen(feeder.rowFor(0))).toBe(true);
    rows[0] = { name: 'changed' };
    expect(feeder.rowFor(0).name).toBe('ada');
    expect(() => feeder.rowFor(-1)).toThrow(/user id -1/);
    expect(() => feeder.rowFor(1.5)).toThrow(/user id 1\.5/);
  });

  it('reads a JSON array of objects relative to baseDir', () => {
    file('users.json', JSON.stringify([{ email: 'a@x', n: 1 }, { email: 'b@x', n: 2 }]));
    const feeder = loadFeeder('users.json', dir);
    expect(feeder.source).toBe(join(dir, 'users.json'));
    expect(feeder.rowFor(3)).toEqual({ email: 'b@x', n: 2 });
  });

  it('reads CSV with a header row (absolute paths work too)', () => {
    file('users.csv', '\uFEFFemail,password\r\na@x,"p,1"\r\nb@x,"say ""hi"""\r\n');
    const feeder = loadFeeder(join(dir, 'users.csv'), '/elsewhere');
    expect(feeder.size).toBe(2);
    expect(feeder.rowFor(0)).toEqual({ email: 'a@x', password: 'p,1' });
    expect(feeder.rowFor(1)).toEqual({ email: 'b@x', password: 'say "hi"' });
  });

  it.each<[string, Parameters<typeof loadFeeder>[0], string | RegExp]>([
    ['a missing file', 'missing.json', `data file ${'DIR'}/missing.json not found`],
    ['an unsupported extension', 'users.txt', /unsupported type "\.txt"; use \.json \(an array of objects\) or \.csv \(with a header row\)/],
    ['invalid JSON', 'bad.json', /bad\.json is not valid JSON: /],
    ['JSON that is not an array', 'object.json', /object\.json must hold a JSON array of objects, but holds an object/],
    ['JSON rows that are not objects', 'numbers.json', /numbers\.json: row 1 is a number \(2\), not an object/],
    ['an empty JSON array', 'empty.json', /empty\.json has no rows/],
    ['a CSV with a broken row', 'short.csv', /short\.csv: line 3: 1 fields, but the header has 2/],
    ['a CSV with an unclosed quote', 'unclosed.csv', /unclosed\.csv: line 2: quoted field is never closed/],
    ['a CSV with only a header', 'header.csv', /header\.csv: CSV has a header row but no data rows/],
    ['inline rows that are not objects', [{ a: 1 }, 'x'] as never, /options\.data: row 1 is a string "x", not an object/],
    ['an empty inline array', [], /options\.data has no rows/],
    ['a directory', 'folder.csv', /folder\.csv is a directory/],
  ])('rejects %s', (_name, spec, message) => {
    file('users.txt', 'a');
    file('bad.json', '[{"a":1},]');
    file('object.json', '{"a":1}');
    file('numbers.json', '[{"a":1}, 2]');
    file('empty.json', '[]');
    file('short.csv', 'a,b\n1,2\n3\n');
    file('unclosed.csv', 'a,b\n"1,2\n3,4\n');
    file('header.csv', 'a,b\r\n');
    mkdirSync(join(dir, 'folder.csv'), { recursive: true });
    const error = feederError(spec);
    if (typeof message === 'string') expect(error.message).toBe(message.replace('DIR', dir));
    else expect(error.message).toMatch(message);
  });
});

describe('parseCsv (RFC 4180)', () => {
  it('handles quotes, escaped quotes, embedded commas and newlines, CRLF and LF', () => {
    const text = 'id,note,empty\r\n1,"line one\r\nline two",\r\n2,"a ""quoted"" word, and a comma",""\n3,plain,x';
    expect(parseCsv(text)).toEqual([
      { id: '1', note: 'line one\r\nline two', empty: '' },
      { id: '2', note: 'a "quoted" word, and a comma', empty: '' },
      { id: '3', note: 'plain', empty: 'x' },
    ]);
  });

  it('skips blank lines and keeps values as strings', () => {
    expect(parseCsv('n,v\n\n1,007\n\n')).toEqual([{ n: '1', v: '007' }]);
  });

  it('counts lines inside quoted fields when naming errors', () => {
    expect(() => parseCsv('a,b\n"x\ny",1\n2\n')).toThrow('line 4: 1 fields, but the header has 2');
  });

  it.each([
    ['a,b\n1,"2"x\n', 'line 2: unexpected "x" after a closing quote'],
    ['a,b\n1,2"3\n', /line 2: a quote inside an unquoted field/],
    ['a,,c\n1,2,3\n', 'line 1: header column 2 is empty'],
    ['a,a\n1,2\n', 'line 1: header column "a" appears twice'],
    ['', 'CSV has no header row'],
  ])('rejects %j', (text, message) => {
    expect(() => parseCsv(text)).toThrow(message);
  });
});
