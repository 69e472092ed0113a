/**
 * `rookery setup`: find a Chromium that starts, or install one (src/browser/setup.ts decides; this file does the
 * side effects: spawning apt-get / Playwright's installer, launching the browser once).
 */
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { discoverChromium, type DiscoveredBrowser } from '../../browser/discover.js';
import { playwrightChromium } from '../../browser/playwright-lazy.js';
import { chromiumArgs } from '../../browser/flags.js';
import { setupBrowser, type CommandResult, type HostFacts, type SetupVia } from '../../browser/setup.js';

interface SetupFlags {
  via: string;
}

export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description('Find a Chromium that starts, or install one (apt as root on Debian/Ubuntu, else Playwright\'s download). Safe to run again.')
    .option('--via <method>', 'auto | apt | playwright', 'auto')
    .action(async (flags: SetupFlags) => {
      const via = flags.via;
      if (via !== 'auto' && via !== 'apt' && via !== 'playwright') throw new Error(`--via must be auto, apt or playwright, got ${JSON.stringify(via)}`);
      const log = (line: string) => process.stdout.write(`${line}\n`);
      await setupBrowser(via as SetupVia, {
        host: hostFacts(),
        discover: () => discoverChromium(),
        smokeTest,
        run: (command, args, options) => runStreaming(command === 'playwright' ? process.execPath : command, command === 'playwright' ? [playwrightCli(), ...args] : args, options, log),
        log,
      });
    });
}

function hostFacts(): HostFacts {
  const os = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
  const field = (name: string) => (new RegExp(`^${name}="?([^"\\n]*)"?`, 'm').exec(os)?.[1] ?? '').toLowerCase();
  return {
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    hasAptGet: ['/usr/bin/apt-get', '/bin/apt-get'].some((p) => existsSync(p)),
    osId: field('ID'),
    osIdLike: field('ID_LIKE'),
  };
}

async function smokeTest(found: DiscoveredBrowser): Promise<string> {
  const browser = await playwrightChromium().launch({ executablePath: found.executablePath, headless: true, args: chromiumArgs([]), timeout: 30_000 });
  try {
    const page = await browser.newPage();
    await page.setContent('<p id="ok">ok</p>');
    if ((await page.textContent('#ok')) !== 'ok') throw new Error('a blank page did not render');
    return browser.version();
  } finally {
    await browser.close();
  }
}

function playwrightCli(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('playwright/package.json')), 'cli.js');
}

/** Runs a command, streaming its output indented under ours, killed after the timeout. */
function runStreaming(command: string, args: readonly string[], options: { timeoutMs: number; env?: Record<string, string> }, log: (line: string) => void): Promise<CommandResult> {
  return new Promise((resolve) => {
    let output = '';
    let pending = '';
    const child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    const timer = setTimeout(() => {
      output += `\n(killed after ${Math.round(options.timeoutMs / 1000)} s)`;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    const onData = (d: Buffer) => {
      const text = d.toString();
      output += text;
      pending += text;
      const lines = pending.split(/\r?\n|\r/);
      pending = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) log(`  | ${l}`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, output: `${output}\n${err.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (pending.trim()) log(`  | ${pending}`);
      resolve({ code: code ?? 1, output });
    });
  });
}
