/**
 * `rookery baseline <scenario.ts>`: runs the scenario once (one user, one iteration, no load, every snapshot
 * captured) and stores each checkpoint's screenshot as its baseline in a folder the user commits. Existing
 * baselines are only replaced with --update; without it nothing is written and the command says which exist.
 */
import type { Command } from 'commander';
import { relative } from 'node:path';
import { runLocal, type RunLocalOptions } from '../../load/run-local.js';
import { BaselineStore } from '../../visual/baseline-store.js';
import { DEFAULT_VISUAL_DIR } from '../../visual/run-visual.js';
import { ACTION_TIMEOUT_HELP } from '../run-support.js';
import type { RecordedSnapshot } from '../../visual/session.js';
import type { Results } from '../../metrics/model.js';

export interface BaselineFlags {
  target?: string;
  dir: string;
  update?: boolean;
  input?: 'fast' | 'playwright';
  actionTimeout?: string;
}

export interface BaselineOutcome {
  /** 0 written, 2 refused or failed. */
  code: number;
  written: string[];
  /** Baselines that exist and were not overwritten (no --update). */
  refused: string[];
  message: string;
}

/** Decides what to write; pure apart from the store's reads and writes. */
export function storeBaselines(store: BaselineStore, recorded: readonly RecordedSnapshot[], update: boolean): BaselineOutcome {
  const show = (p: string): string => relative(process.cwd(), p) || p;
  const existing = recorded.filter((r) => store.has(r.checkpoint));
  if (existing.length > 0 && !update) {
    const list = existing.map((r) => `  ${r.checkpoint}: ${show(store.pathOf(r.checkpoint))}`).join('\n');
    return {
      code: 2,
      written: [],
      refused: existing.map((r) => store.pathOf(r.checkpoint)),
      message: `refusing to overwrite ${existing.length} existing baseline${existing.length === 1 ? '' : 's'} (nothing was written):\n${list}\npass --update to replace them`,
    };
  }
  const written = store.write(recorded.map((r) => ({ checkpoint: r.checkpoint, png: r.png, entry: r.entry })));
  const lines = recorded.map((r, i) => `  ${r.checkpoint}: ${show(written[i]!)} (${r.entry.width}×${r.entry.height}${r.entry.mask.length > 0 ? `, masked: ${r.entry.mask.join(' ')}` : ''})`);
  return {
    code: 0,
    written,
    refused: [],
    message: `${existing.length > 0 ? 'updated' : 'wrote'} ${recorded.length} baseline${recorded.length === 1 ? '' : 's'} in ${show(store.folder)}:\n${lines.join('\n')}\ncommit this folder; \`rookery run\` compares sampled snapshots against it`,
  };
}

function firstUserError(results: Results): string | undefined {
  const failed = results.counters.filter((c) => c.name === 'iterations' && c.labels.result === 'error').reduce((n, c) => n + c.value, 0);
  if (failed === 0 && !results.meta.interrupted) return undefined;
  return results.errors.find((e) => e.kind.startsWith('user.'))?.samples[0]?.message ?? results.meta.interrupted ?? 'the iteration failed';
}

export async function baselineCommand(scenarioFile: string, flags: BaselineFlags, log: (line: string) => void): Promise<BaselineOutcome> {
  const options: RunLocalOptions = {
    scenarioFile,
    overrides: {
      target: flags.target,
      users: 1,
      ramp: 0,
      // Long enough for any single iteration; the one-iteration budget ends the run.
      duration: '10m',
      iterations: 1,
      browsers: 1,
      contextsPerBrowser: 1,
      input: flags.input,
      actionTimeout: flags.actionTimeout,
    },
    visual: { mode: 'record', dir: flags.dir, sample: 1 },
    log,
  };
  const outcome = await runLocal(options);
  const failure = firstUserError(outcome.results);
  if (failure) return { code: 2, written: [], refused: [], message: `the scenario's iteration failed, no baseline written: ${failure}` };
  const recorded = outcome.visual?.recorded() ?? [];
  if (recorded.length === 0) {
    return { code: 2, written: [], refused: [], message: `${outcome.results.meta.scenario} took no snapshots: add \`await u.snapshot('name')\` at the checkpoints to compare` };
  }
  return storeBaselines(new BaselineStore(outcome.visual!.baselineDir, outcome.results.meta.scenario), recorded, flags.update ?? false);
}

export function registerBaseline(program: Command): void {
  program
    .command('baseline')
    .description('Record visual baselines: run the scenario once (one user, no load) and store each u.snapshot() checkpoint')
    .argument('<scenario>', 'scenario file (.ts or .js) whose default export is defineScenario({...})')
    .option('--target <url>', 'base URL of the app (overrides options.target)')
    .option('--dir <dir>', 'baselines folder (commit it)', DEFAULT_VISUAL_DIR)
    .option('--update', 'replace existing baselines')
    .option('--input <mode>', 'fast or playwright (use what your runs use)')
    .option('--action-timeout <duration>', ACTION_TIMEOUT_HELP)
    .action(async (scenarioFile: string, flags: BaselineFlags) => {
      const log = (line: string): void => void process.stderr.write(`${line}\n`);
      const outcome = await baselineCommand(scenarioFile, flags, log);
      (outcome.code === 0 ? process.stdout : process.stderr).write(`${outcome.code === 0 ? '' : 'rookery baseline: '}${outcome.message}\n`);
      process.exitCode = outcome.code;
    });
}
