/**
 * Tiny runtime shape checks for data that crosses a file or process boundary (results files, runner snapshots).
 * Each check names the path of the offending field, so a bad file says where it is bad.
 */
import type { Labels } from './model.js';

export class ShapeError extends Error {
  override name = 'ShapeError';
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return `the string ${JSON.stringify(x.length > 40 ? x.slice(0, 40) + '…' : x)}`;
  if (typeof x === 'number') return `the number ${x}`;
  return typeof x === 'object' ? 'an object' : typeof x;
}

export function fail(path: string, expected: string, got: unknown): never {
  throw new ShapeError(`${path}: expected ${expected}, got ${describe(got)}`);
}

export function object(x: unknown, path: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) fail(path, 'an object', x);
  return x as Record<string, unknown>;
}

export function array(x: unknown, path: string): unknown[] {
  if (!Array.isArray(x)) fail(path, 'an array', x);
  return x;
}

export function string(x: unknown, path: string): string {
  if (typeof x !== 'string') fail(path, 'a string', x);
  return x;
}

export function number(x: unknown, path: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) fail(path, 'a finite number', x);
  return x;
}

export function boolean(x: unknown, path: string): boolean {
  if (typeof x !== 'boolean') fail(path, 'a boolean', x);
  return x;
}

export function nullableNumber(x: unknown, path: string): number | null {
  return x === null ? null : number(x, path);
}

export function labels(x: unknown, path: string): Labels {
  const o = object(x, path);
  for (const [k, v] of Object.entries(o)) string(v, `${path}.${k}`);
  return o as Labels;
}

export function numberRecord(x: unknown, path: string): Readonly<Record<string, number>> {
  const o = object(x, path);
  for (const [k, v] of Object.entries(o)) number(v, `${path}.${k}`);
  return o as Record<string, number>;
}

export function stringRecord(x: unknown, path: string): Readonly<Record<string, string>> {
  const o = object(x, path);
  for (const [k, v] of Object.entries(o)) string(v, `${path}.${k}`);
  return o as Record<string, string>;
}

/** Checks every element of an array field with `check`, passing each element's path. */
export function each<T>(x: unknown, path: string, check: (item: unknown, path: string) => T): T[] {
  return array(x, path).map((item, i) => check(item, `${path}[${i}]`));
}
