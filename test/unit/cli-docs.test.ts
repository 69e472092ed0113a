// The README's Command line section against the flags commander actually registers, both ways: a flag added
// without a line in the README fails here, and so does a documented flag that no longer exists. A default written
// in a command's synopsis (`[--port 4000]`) or in a one-flag row of the run table must be the code's default.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { parseDuration } from '../../src/load/duration.js';

const ROOT = join(import.meta.dirname, '..', '..');

interface DocumentedCommand {
  /** The synopsis cell, e.g. `rookery fixture [--port 4000] …`. */
  synopsis: string;
  flags: Set<string>;
}

/** Flags written in a piece of Markdown: `--name` or `-o`, at the start or after a space, `[`, `|` or a backtick. */
function flagsIn(text: string): string[] {
  return [...text.matchAll(/(?:^|[\s[`|])(--?[a-zA-Z][\w-]*)/g)].map((m) => m[1] as string);
}

/** Table cells of a Markdown row, with escaped pipes (`\|`) kept inside their cell. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

function readCommandLineSection(): { commands: Map<string, DocumentedCommand>; run: Set<string>; demo: Set<string> } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Command line\n');
  const end = readme.indexOf('\n## ', start + 1);
  expect(start, 'README.md has a "## Command line" section').toBeGreaterThan(0);
  const lines = readme.slice(start, end).split('\n');

  const commands = new Map<string, DocumentedCommand>();
  const run = new Set<string>();
  const demo = new Set<string>();
  let inRunTable = false;
  for (const line of lines) {
    if (!line.startsWith('|')) {
      if (inRunTable && line.trim() === '') inRunTable = false;
      continue;
    }
    const [first = '', , third] = cells(line);
    if (first === 'flag') {
      inRunTable = true;
      continue;
    }
    const command = /^`rookery (\w+)/.exec(first);
    if (command) {
      // Only the synopsis counts: the description may name other commands' flags.
      commands.set(command[1] as string, { synopsis: first, flags: new Set(flagsIn(first)) });
    } else if (inRunTable) {
      for (const f of flagsIn(first)) {
        run.add(f);
        if (third === '✓') demo.add(f);
      }
    }
  }
  return { commands, run, demo };
}

/** What an option answers to: its long name, and its short one when it has one. */
const namesOf = (o: Option): string[] => [o.long, o.short].filter((n): n is string => n !== undefined);

/** Compares registered and documented flags both ways; returns the two differences (empty when they agree). */
function diff(cmd: Command, documented: Set<string>): { undocumented: string[]; unknown: string[] } {
  const registered = cmd.options;
  const undocumented = registered.filter((o) => !namesOf(o).some((n) => documented.has(n))).map((o) => o.flags);
  const known = new Set(registered.flatMap(namesOf));
  const unknown = [...documented].filter((f) => !known.has(f));
  return { undocumented, unknown };
}

/**
 * The default the code gives an option: commander's registered one, else the literal one its help text states —
 * `(default 15s)`, `(…; default 100)` — which the CLI builds from the code's constants where a registered default
 * would be wrong (it would override the scenario's options). `(default: what memory holds)` states none.
 */
function codeDefault(o: Option): string | undefined {
  if (o.defaultValue !== undefined && typeof o.defaultValue !== 'boolean') return String(o.defaultValue);
  return /(?:\(|; )default ([^\s:;,)]+)[;,)]/.exec(o.description)?.[1];
}

/** A synopsis value that stands for one (`N`, `NAME`, `ROUTE=BYTES,…`, or the option's own `<file>`, `<url>`). */
function isPlaceholder(written: string, o: Option): boolean {
  return (/[A-Z]/.test(written) && !/[a-z]/.test(written)) || written === /<([^>]+)>/.exec(o.flags)?.[1];
}

/** Equal as written, as durations (60s = 1m), or as the package-relative end of an absolute path (the demo scenario). */
function sameDefault(code: string, written: string): boolean {
  if (code === written || code.endsWith(`/${written}`)) return true;
  try {
    return parseDuration(code, 'code') === parseDuration(written, 'README');
  } catch {
    return false;
  }
}

describe('README Command line section ↔ the flags commander registers', () => {
  const program = buildProgram();
  const doc = readCommandLineSection();

  it('lists every command, and only commands that exist', () => {
    expect([...doc.commands.keys()].sort()).toEqual(program.commands.map((c) => c.name()).sort());
  });

  it.each(program.commands.map((c) => [c.name(), c] as const))('rookery %s: every flag documented, every documented flag exists', (name, cmd) => {
    const documented = name === 'run' ? doc.run : name === 'demo' ? new Set([...doc.commands.get(name)!.flags, ...doc.demo]) : doc.commands.get(name)!.flags;
    if (name === 'ctl') {
      // `rookery ctl add|remove|status`: the same flags on each sub-command, none on ctl itself.
      expect(cmd.commands.map((c) => c.name()).sort()).toEqual(['add', 'remove', 'status']);
      for (const sub of cmd.commands) expect(diff(sub, documented), `rookery ctl ${sub.name()}`).toEqual({ undocumented: [], unknown: [] });
      return;
    }
    expect(documented.size, `flags documented for rookery ${name}`).toBeGreaterThan(0);
    expect(diff(cmd, documented)).toEqual({ undocumented: [], unknown: [] });
  });

  it('the run table marks exactly the flags rookery demo shares with rookery run', () => {
    const run = program.commands.find((c) => c.name() === 'run')!;
    const demo = program.commands.find((c) => c.name() === 'demo')!;
    const demoLongs = new Set(demo.options.map((o) => o.long));
    const shared = run.options.map((o) => o.long!).filter((l) => demoLongs.has(l));
    expect(shared.sort()).toEqual([...doc.demo].sort());
    // The demo's target is the fixture it starts: a --target would be overridden without a word, so there is none.
    expect(demoLongs.has('--target')).toBe(false);
  });

  it('a default written in a synopsis is the code’s: registered with commander, or stated by the help text', () => {
    let checked = 0;
    for (const [name, { synopsis }] of doc.commands) {
      const cmd = program.commands.find((c) => c.name() === name)!;
      const options = name === 'ctl' ? cmd.commands.flatMap((c) => c.options) : cmd.options;
      for (const m of synopsis.matchAll(/\[(--[\w-]+) ([^\s\]\\|]+)\]/g)) {
        const [flag, written] = [m[1] as string, m[2] as string];
        const option = options.find((o) => o.long === flag);
        expect(option, `rookery ${name} ${flag}`).toBeDefined();
        if (isPlaceholder(written, option!)) continue;
        const value = codeDefault(option!);
        expect(value, `rookery ${name} ${flag}: README says ${written}, but neither commander nor the help text has a default`).toBeDefined();
        expect(sameDefault(value!, written), `rookery ${name} ${flag}: the code says ${value}, README says ${written}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(20);
  });

  it('a default written in a README table row of one `rookery run` flag is the code’s', () => {
    const run = program.commands.find((c) => c.name() === 'run')!;
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    let checked = 0;
    for (const row of readme.split('\n').filter((l) => l.startsWith('| `--'))) {
      const [first = '', meaning = ''] = cells(row);
      const flags = flagsIn(first);
      const written = /\(default `?([^`\s:;,)]+)`?[;,)]/.exec(meaning)?.[1];
      const option = run.options.find((o) => o.long === flags[0]);
      if (flags.length !== 1 || written === undefined || !option) continue;
      const value = codeDefault(option);
      expect(value, `rookery run ${flags[0]}: README says ${written}, but neither commander nor the help text has a default`).toBeDefined();
      expect(sameDefault(value!, written), `rookery run ${flags[0]}: the code says ${value}, README says ${written}`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it('the help-text defaults read here are what the help says (the parser itself)', () => {
    const run = program.commands.find((c) => c.name() === 'run')!;
    const help = (long: string) => codeDefault(run.options.find((o) => o.long === long)!);
    expect([help('--graceful-stop'), help('--action-timeout'), help('--checkpoint'), help('--settle'), help('--visual-sample'), help('--config'), help('--browsers')]).toEqual(['10s', '15s', '10s', '5s', '0.05', undefined, undefined]);
  });
});
