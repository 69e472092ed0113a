/**
 * Issue 15's pure parts: output path checks, move-aside and fallback writes, the back-off schedule and its bound,
 * who gives way at the collector's door, log escaping, the private folder and per-run control files, the manual
 * backend's token handling, exit codes for signals, and the progress line's lv_errors.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from '../../src/common/atomic-write.js';
import { OutputPathError, checkOutputPath, moveAsideOldResults, proveWritable, writeWithFallback } from '../../src/report/output-paths.js';
import { ITERATION_BACKOFF, backoffCeiling, backoffDelay, maxAttemptsWithin } from '../../src/load/backoff.js';
import { evictionsFor } from '../../src/cluster/admission.js';
import { escapeForLog } from '../../src/cluster/log-safe.js';
import { PrivateDirError, checkPrivate, privateDir, privateDirPath } from '../../src/cluster/private-dir.js';
import { listControlFiles, readControlFile, writeControlFile } from '../../src/cluster/control-client.js';
import { ManualBackend } from '../../src/cluster/backends/manual.js';
import { signalExitCode } from '../../src/cli/run-support.js';
import { formatProgress } from '../../src/report/progress.js';
import { recordObservation } from '../../src/metrics/record.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { interruptionNote } from '../../src/load/pipeline.js';

const dirs: string[] = [];
const scratch = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'rookery-rel-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('output paths are checked before the run', () => {
  it('refuses a path under a file, a kernel filesystem, a folder, and a path ending in /', () => {
    const d = scratch();
    writeFileSync(join(d, 'somefile'), 'x');
    const cases: Array<[string, RegExp]> = [
      [join(d, 'somefile', 'x.json'), /somefile is a file, not a folder/],
      [join(d, 'somefile', 'deeper', 'x.json'), /somefile is a file, not a folder/],
      ['/proc/x/y.json', /under \/proc, a kernel filesystem/],
      ['/sys/x.json', /under \/sys/],
      ['/dev/x.json', /under \/dev/],
      [d, /is a folder; give a file name/],
      [`${d}/`, /names a folder/],
    ];
    for (const [path, why] of cases) {
      expect(() => checkOutputPath(path, '--out'), path).toThrow(OutputPathError);
      expect(() => checkOutputPath(path, '--out'), path).toThrow(why);
    }
  });

  it('accepts a new file in folders that do not exist yet, and creates nothing while checking', () => {
    const d = scratch();
    const path = join(d, 'a', 'b', 'run.json');
    expect(checkOutputPath(path, '--out')).toBe(path);
    expect(existsSync(join(d, 'a'))).toBe(false);
    proveWritable(path, '--out');
    expect(statSync(join(d, 'a', 'b')).isDirectory()).toBe(true);
  });

  it('moves an older results file aside and removes an older checkpoint', () => {
    const d = scratch();
    const out = join(d, 'run.json');
    writeFileSync(out, 'stale');
    writeFileSync(`${out}.partial`, 'stale checkpoint');
    expect(moveAsideOldResults(out)).toHaveLength(2);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
    expect(readFileSync(`${out}.prev`, 'utf8')).toBe('stale');
    expect(moveAsideOldResults(out)).toEqual([]);
  });

  it('every atomic writer refuses a kernel filesystem instead of hanging in mkdir (report, compare, baselines)', async () => {
    await expect(writeFileAtomic('/proc/x/y/report.html', 'x')).rejects.toThrow(/under \/proc, a kernel filesystem/);
    expect(() => writeFileAtomicSync('/sys/x/diff.png', new Uint8Array(1))).toThrow(/under \/sys/);
    const d = scratch();
    await writeFileAtomic(join(d, 'deep', 'ok.html'), 'ok');
    expect(readFileSync(join(d, 'deep', 'ok.html'), 'utf8')).toBe('ok');
  });

  it('a results write that fails goes to a fallback file, with the reason', async () => {
    const d = scratch();
    const ok = await writeWithFallback(join(d, 'fine.json'), '{"a":1}');
    expect(ok).toEqual({ path: join(d, 'fine.json') });
    writeFileSync(join(d, 'blocker'), 'x');
    const bad = await writeWithFallback(join(d, 'blocker', 'x.json'), '{"b":2}');
    dirs.push(bad.path);
    expect(bad.failed).toMatch(/ENOTDIR|EEXIST/);
    expect(bad.path.startsWith(tmpdir())).toBe(true);
    expect(readFileSync(bad.path, 'utf8')).toBe('{"b":2}');
  });
});

describe('back-off for failing iterations', () => {
  it('doubles from the base to the cap, and each wait is within [ceiling/2, ceiling]', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffCeiling(n, ITERATION_BACKOFF))).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(backoffCeiling(10_000, ITERATION_BACKOFF)).toBe(10_000);
    for (const n of [1, 3, 9]) {
      const c = backoffCeiling(n, ITERATION_BACKOFF);
      expect(backoffDelay(n, ITERATION_BACKOFF, () => 0)).toBe(c / 2);
      expect(backoffDelay(n, ITERATION_BACKOFF, () => 1)).toBe(c);
    }
  });

  it('bounds the attempts of one retrier in a window, whatever the jitter', () => {
    // Minimum waits 125, 250, 500, 1000, 2000, 4000, 5000…: starts at 0, 125, 375, 875, 1875, 3875, 7875 ms.
    expect(maxAttemptsWithin(0, ITERATION_BACKOFF)).toBe(1);
    expect(maxAttemptsWithin(1_000, ITERATION_BACKOFF)).toBe(4);
    expect(maxAttemptsWithin(6_000, ITERATION_BACKOFF)).toBe(6);
    expect(maxAttemptsWithin(60_000, ITERATION_BACKOFF)).toBe(17);
  });
});

describe('collector admission: idle peers cannot lock runners out', () => {
  const peers = (ips: string[]) => ips.map((ip, i) => ({ key: i, ip, since: i }));

  it('a newcomer always gets in: the busiest address gives way, oldest first', () => {
    const limits = { maxPending: 4, maxPerAddress: 3 };
    expect(evictionsFor(peers(['a', 'b']), 'c', limits)).toEqual([]);
    // Full, three from a: a's oldest gives way to anyone.
    expect(evictionsFor(peers(['a', 'a', 'b', 'a']), 'c', limits)).toEqual([0]);
    // a already holds its per-address share: its own oldest gives way to its newcomer.
    expect(evictionsFor(peers(['a', 'b', 'a', 'a']), 'a', limits)).toEqual([0]);
    // 32 idle from one address (the case): one gives way, the runner from that same address gets in.
    expect(evictionsFor(peers(Array.from({ length: 32 }, () => '127.0.0.1')), '127.0.0.1', { maxPending: 32, maxPerAddress: 8 })).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });
});

describe('logs never carry raw peer bytes', () => {
  it('escapes terminal controls, C1 controls and bidi overrides', () => {
    expect(escapeForLog('frame is not JSON: \x1b[2J\x1b]0;pwned\x07 \u202eevil\r\n')).toBe('frame is not JSON: \\x1b[2J\\x1b]0;pwned\\x07 \\u202eevil\\r\\n');
    expect(escapeForLog('runner r1 joined: büro on host-1 — fine')).toBe('runner r1 joined: büro on host-1 — fine');
    expect(escapeForLog('\x9b31m')).toBe('\\x9b31m');
  });
});

describe('private folder and per-run control files', () => {
  it('is created 0700, and refused when open to others, a symlink, or (as root) owned by someone else', () => {
    const root = scratch();
    const dir = privateDir(root);
    expect(dir).toBe(privateDirPath(root));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    chmodSync(dir, 0o755);
    expect(() => privateDir(root)).toThrow(PrivateDirError);
    expect(() => privateDir(root)).toThrow(/open to other users \(mode 755\)/);
    chmodSync(dir, 0o700);
    const elsewhere = scratch();
    const link = join(scratch(), 'link');
    symlinkSync(elsewhere, link);
    expect(() => checkPrivate(link)).toThrow(/symbolic link/);
    if (process.getuid?.() === 0) {
      chownSync(dir, 65534, 65534);
      expect(() => privateDir(root)).toThrow(/belongs to uid 65534/);
      chownSync(dir, 0, 0);
    }
  });

  it('two runs keep two files; they are listed newest first and found by run id', () => {
    const dir = privateDir(scratch());
    const removeA = writeControlFile({ url: 'http://127.0.0.1:1', token: 'a'.repeat(64), pid: process.pid, runId: 'run-a', startedAt: 1_000 }, dir);
    writeControlFile({ url: 'http://127.0.0.1:2', token: 'b'.repeat(64), pid: process.pid, runId: 'run-b', startedAt: 2_000 }, dir);
    expect(listControlFiles(dir).map((f) => f.runId)).toEqual(['run-b', 'run-a']);
    expect(readControlFile('run-a', dir)?.url).toBe('http://127.0.0.1:1');
    expect(statSync(join(dir, 'control-run-a.json')).mode & 0o777).toBe(0o600);
    removeA();
    expect(listControlFiles(dir).map((f) => f.runId)).toEqual(['run-b']);
    expect(() => writeControlFile({ url: 'x', token: 'x', pid: 1, runId: '../escape', startedAt: 0 }, dir)).toThrow(/letters, digits/);
  });
});

describe('manual backend never prints the token', () => {
  it('prints how to pass it (a 0600 file or the environment), and removes the file at the end', async () => {
    const dir = privateDir(scratch());
    const token = 'f'.repeat(64);
    let printed = '';
    const backend = new ManualBackend({ print: (t) => (printed += t), dir });
    await backend.launch({ count: 2, joinUrl: 'ws://10.0.0.1:7700', token, runId: 'm1', runnerArgs: ['--capacity', '5'], log: () => {} });
    expect(printed).not.toContain(token);
    const file = join(dir, 'token-m1');
    expect(printed).toContain(`npx rookery runner --join ws://10.0.0.1:7700 --capacity 5 --token-file ${file}`);
    expect(readFileSync(file, 'utf8').trim()).toBe(token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await backend.shutdown();
    expect(existsSync(file)).toBe(false);

    let fromEnv = '';
    const envBackend = new ManualBackend({ print: (t) => (fromEnv += t), dir, tokenFromEnv: true });
    await envBackend.launch({ count: 1, joinUrl: 'ws://h:1', token, runId: 'm2', runnerArgs: [], log: () => {} });
    expect(fromEnv).not.toContain(token);
    expect(fromEnv).toContain('ROOKERY_TOKEN="$ROOKERY_TOKEN" npx rookery runner --join ws://h:1');
    await envBackend.shutdown();
  });
});

describe('interrupted runs', () => {
  it('exit 128 + the signal number, and name the real signal', () => {
    expect(signalExitCode('SIGINT')).toBe(130);
    expect(signalExitCode('SIGTERM')).toBe(143);
    const ac = new AbortController();
    ac.abort('SIGTERM');
    expect(interruptionNote(ac.signal)).toBe('interrupted (SIGTERM): results are partial');
    const plain = new AbortController();
    plain.abort();
    expect(interruptionNote(plain.signal)).toBe('interrupted (SIGINT): results are partial');
  });
});

describe('errors are visible while the run goes', () => {
  it('the progress line counts LiveView errors', () => {
    const line = formatProgress({ elapsedMs: 5_000, totalMs: 10_000, active: 2, target: 2, iterations: 3, errors: 1, dropped: 0, interval: undefined, health: undefined, saturated: false, lvErrors: 4 });
    expect(line).toContain('errors 1 · lv_errors 4');
  });

  it('a crash that left an event unanswered is recorded as an error of that event, with no latency sample', () => {
    const reg = new MetricsRegistry();
    recordObservation(reg, { type: 'error', kind: 'crash', socket: 's', topic: 'lv:1', view: '/counter', t: 1, detail: 'phx_error', event: 'inc' });
    const snap = reg.takeInterval();
    expect(snap.histograms).toEqual([]);
    expect(snap.counters).toEqual([{ name: 'lv_errors', labels: { kind: 'crash' }, value: 1 }]);
    expect(snap.errors[0]).toMatchObject({ kind: 'lv.crash', samples: [{ message: 'phx_error', context: { view: '/counter', topic: 'lv:1', event: 'inc' } }] });
  });
});
