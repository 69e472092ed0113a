/**
 * Decoding with a schema, and the one wording of what is wrong: `<path>: expected <what>, got <what it was>`,
 * where the path is written as in JavaScript (`results.metrics[3].count`). Every document Rookery reads from a
 * file or a peer goes through `decode`, so a bad file and a bad frame say where they are bad the same way.
 */
import { z } from 'zod';

/** A document that does not match its schema. Callers that need another error class map it (see `decode`). */
export class ContractError extends Error {
  override name = 'ContractError';
}

/** How a received value is shown in a message: short, never the whole value. */
export function describeValue(x: unknown): string {
  if (x === undefined) return 'nothing (the field is missing)';
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return `the string ${JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x)}`;
  if (typeof x === 'number') return `the number ${x}`;
  return typeof x === 'object' ? 'an object' : typeof x;
}

/** `expected <what>, got <value>`: for schemas that name what they expect (`{ error: expects('…') }`). */
export function expects(what: string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => `expected ${what}, got ${describeValue(issue.input)}` };
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a finite number',
  int: 'a whole number',
  boolean: 'a boolean',
  object: 'an object',
  record: 'an object',
  array: 'an array',
  null: 'null',
};

function quoteAll(values: readonly unknown[]): string {
  const shown = values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
  return shown.length <= 1 ? (shown[0] ?? 'nothing') : `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}

/** Zod issue (raw, with its input) → the words after the path. Schema-level `error`s take precedence over this. */
function wording(issue: z.core.$ZodRawIssue): string {
  const got = describeValue(issue.input);
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${got}`;
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') return min <= 1 ? 'empty' : `shorter than ${min} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return min <= 1 ? `expected a non-empty array, got an empty one` : `has fewer than ${min} items`;
      return `expected a number ${issue.inclusive ? '≥' : '>'} ${min}, got ${got}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') return `longer than ${max} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `more than ${max} items`;
      return `expected a number ${issue.inclusive ? '≤' : '<'} ${max}, got ${got}`;
    }
    case 'invalid_value':
      return `expected ${quoteAll(issue.values)}, got ${got}`;
    case 'unrecognized_keys':
      return `unknown field ${issue.keys.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}`;
    case 'invalid_format':
      return `expected ${issue.format === 'regex' ? `a string matching ${String(issue.pattern)}` : `a ${issue.format}`}, got ${got}`;
    case 'invalid_union':
      return `matches none of the accepted shapes, got ${got}`;
    default:
      return `invalid: ${issue.message ?? issue.code}`;
  }
}

/** `results` + `['metrics', 3, 'count']` → `results.metrics[3].count`. */
export function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return out;
}

/** The first issue, worded, with how many more there were (the first is the one to fix first). */
export function formatIssues(error: z.ZodError, root: string): string {
  const [first] = error.issues;
  if (first === undefined) return `${root}: invalid`;
  const more = error.issues.length - 1;
  return `${formatPath(root, first.path)}: ${first.message}${more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'})` : ''}`;
}

/**
 * Checks `x` against `schema` and returns the parsed value (unknown fields of non-strict objects dropped). On a
 * mismatch throws `makeError(message)`, a ContractError by default, naming the first bad field under `root`.
 */
export function decode<S extends z.ZodType>(schema: S, x: unknown, root: string, makeError: (message: string) => Error = (m) => new ContractError(m)): z.output<S> {
  const parsed = schema.safeParse(x, { error: wording });
  if (parsed.success) return parsed.data;
  throw makeError(formatIssues(parsed.error, root));
}
