/**
 * Which fixtures a Playwright test function asks for. Playwright decides this from the function's source: the
 * first parameter must be an object destructuring pattern, and its property names are the fixtures
 * (`async ({ page, lv: verbs }) => …` asks for `page` and `lv`). `rookery run` reads them the same way, so a test
 * that needs a fixture Rookery cannot provide is refused before any browser starts, with its name.
 * Pure: source text in, names or a readable reason out.
 */

export type FixtureParams =
  | { ok: true; names: string[] }
  | { ok: false; reason: string };

/** Fixture names of `fn`'s first parameter (none when it takes no parameter). */
export function fixtureParams(fn: (...args: never[]) => unknown): FixtureParams {
  return fixtureParamsOfSource(Function.prototype.toString.call(fn));
}

export function fixtureParamsOfSource(source: string): FixtureParams {
  const text = stripComments(source).trim();
  const params = parameterList(text);
  if (params === undefined) return { ok: true, names: [] };
  const first = splitTopLevel(params)[0]?.trim() ?? '';
  if (first === '') return { ok: true, names: [] };
  if (!first.startsWith('{') || !first.endsWith('}')) {
    return { ok: false, reason: `its first parameter must use object destructuring, like Playwright requires (e.g. \`async ({ page, lv }) => …\`), not \`${first}\`` };
  }
  const names: string[] = [];
  for (const raw of splitTopLevel(first.slice(1, -1))) {
    const prop = raw.trim();
    if (prop === '') continue;
    if (prop.startsWith('...')) return { ok: false, reason: `a rest property (\`${prop}\`) hides which fixtures it uses; list them explicitly` };
    const key = prop.split(/[:=]/, 1)[0]!.trim().replace(/^(['"])(.*)\1$/, '$2');
    names.push(key);
  }
  return { ok: true, names };
}

/** The text between the parameter list's parentheses; a bare `x => …` arrow gives `x`; undefined when none. */
function parameterList(text: string): string | undefined {
  const bareArrow = /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(text);
  if (bareArrow) return bareArrow[1];
  const open = text.indexOf('(');
  if (open < 0) return undefined;
  let list: string | undefined;
  scan(text.slice(open), (c, i, depth) => {
    if (c !== ')' || depth !== 0) return false;
    list = text.slice(open + 1, open + i);
    return true;
  });
  return list;
}

/** Splits at commas outside brackets and strings. */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  scan(text, (c, i, depth) => {
    if (c === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
    return false;
  });
  out.push(text.slice(start));
  return out;
}

/**
 * Visits the characters outside string literals with the bracket depth after them (a closing bracket is seen at its
 * outer depth); stops when `visit` returns true.
 */
function scan(text: string, visit: (c: string, i: number, depth: number) => boolean): void {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') depth--;
    if (visit(c, i, depth)) return;
  }
}

function stripComments(text: string): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
      out += ' ';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    out += c;
  }
  return out;
}
