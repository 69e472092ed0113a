/** Visual checks without a browser: sampling, pixel comparison, the baseline store, saved artifacts. */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSampled, parseSampleRate } from '../../src/visual/sampling.js';
import { compareImages, decodePng, diffBoundingBox, encodePng, type RgbaImage } from '../../src/visual/compare.js';
import { BaselineStore, fileSafeName, MANIFEST_FILE } from '../../src/visual/baseline-store.js';
import { rebaseVisual, saveVisualArtifacts, visualArtifactsDir } from '../../src/visual/artifacts.js';
import { validateSnapshotArgs, type CheckpointTally } from '../../src/visual/session.js';
import { storeBaselines } from '../../src/cli/commands/baseline.js';
import { renderHtml } from '../../src/report/html.js';
import { fakeResults } from '../support/fake-results.js';

const tmp = mkdtempSync(join(tmpdir(), 'rookery-visual-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function solid(width: number, height: number, rgb: [number, number, number]): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set([...rgb, 255], i);
  return { width, height, data };
}

function paint(img: RgbaImage, box: { x: number; y: number; width: number; height: number }, rgb: [number, number, number]): RgbaImage {
  const data = new Uint8Array(img.data);
  for (let y = box.y; y < box.y + box.height; y++) for (let x = box.x; x < box.x + box.width; x++) data.set([...rgb, 255], (y * img.width + x) * 4);
  return { ...img, data };
}

const entry = { width: 4, height: 4, viewport: { width: 4, height: 4 }, fullPage: false, mask: [], threshold: 0.001, capturedAt: '2024-01-01T00:00:00.000Z' };

describe('sampling', () => {
  it('is deterministic per user and iteration, and hits the share', () => {
    const picks = (rate: number) => Array.from({ length: 20_000 }, (_, i) => isSampled(rate, i % 200, Math.floor(i / 200)));
    const a = picks(0.05);
    expect(picks(0.05)).toEqual(a);
    const share = a.filter(Boolean).length / a.length;
    expect(share).toBeGreaterThan(0.045);
    expect(share).toBeLessThan(0.055);
    // A larger share samples a superset: raising --visual-sample keeps the iterations it already captured.
    const b = picks(0.2);
    expect(a.every((v, i) => !v || b[i])).toBe(true);
    expect(picks(0).some(Boolean)).toBe(false);
    expect(picks(1).every(Boolean)).toBe(true);
  });

  it('spreads over users: not only user 0 or iteration 0', () => {
    const users = new Set<number>();
    for (let u = 0; u < 100; u++) for (let it = 0; it < 20; it++) if (isSampled(0.05, u, it)) users.add(u);
    expect(users.size).toBeGreaterThan(50);
  });

  it('rejects shares outside 0..1 with the flag name', () => {
    expect(parseSampleRate('0.05')).toBe(0.05);
    expect(parseSampleRate(1)).toBe(1);
    expect(() => parseSampleRate('5%')).toThrow(/--visual-sample: "5%" is not a share between 0 and 1/);
    expect(() => parseSampleRate(1.5, 'options.visualSample')).toThrow(/options\.visualSample/);
    expect(() => parseSampleRate('')).toThrow();
  });
});

describe('compareImages', () => {
  const base = solid(40, 30, [240, 242, 245]);

  it('finds no difference between identical images', () => {
    const r = compareImages(base, solid(40, 30, [240, 242, 245]), { threshold: 0 });
    expect(r).toMatchObject({ diffPixels: 0, ratio: 0, mismatch: false, totalPixels: 1200 });
    expect(diffBoundingBox(r.diff)).toBeUndefined();
  });

  it('counts a changed region exactly and boxes it', () => {
    const box = { x: 5, y: 7, width: 10, height: 4 };
    const r = compareImages(base, paint(base, box, [224, 25, 43]), { threshold: 0.01 });
    expect(r.diffPixels).toBe(40);
    expect(r.ratio).toBeCloseTo(40 / 1200, 10);
    expect(r.mismatch).toBe(true);
    expect(diffBoundingBox(r.diff)).toEqual(box);
  });

  it('treats the threshold as the share of pixels still allowed', () => {
    const changed = paint(base, { x: 0, y: 0, width: 12, height: 1 }, [0, 0, 0]); // 12 px = 1 %
    expect(compareImages(base, changed, { threshold: 0.01 }).mismatch).toBe(false);
    expect(compareImages(base, changed, { threshold: 0.0099 }).mismatch).toBe(true);
  });

  it('ignores colour changes below pixelmatch’s per-pixel threshold', () => {
    const nearly = solid(40, 30, [241, 242, 245]);
    expect(compareImages(base, nearly, { threshold: 0 }).diffPixels).toBe(0);
  });

  it('counts the area only one image has when sizes differ', () => {
    const taller = solid(40, 40, [240, 242, 245]);
    const r = compareImages(base, taller, { threshold: 0 });
    expect(r.sizeChanged).toEqual({ baseline: { width: 40, height: 30 }, actual: { width: 40, height: 40 } });
    expect(r.totalPixels).toBe(1600);
    expect(r.diffPixels).toBe(400);
    expect(diffBoundingBox(r.diff)).toEqual({ x: 0, y: 30, width: 40, height: 10 });
  });

  it('round-trips PNG', () => {
    const img = paint(base, { x: 1, y: 1, width: 3, height: 3 }, [10, 20, 30]);
    const back = decodePng(encodePng(img));
    expect(back.width).toBe(40);
    expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
  });
});

describe('baseline store', () => {
  it('makes file-safe names that cannot leave the folder', () => {
    expect(fileSafeName('Stream after add')).toBe('stream-after-add');
    expect(fileSafeName('../../etc/passwd')).toBe('etc-passwd');
    expect(fileSafeName('…')).toBe('unnamed');
  });

  it('writes PNGs and a manifest, keeps other checkpoints, separates names that collide', () => {
    const dir = join(tmp, 'store1');
    const store = new BaselineStore(dir, 'My Scenario');
    expect(store.folder).toBe(join(dir, 'my-scenario'));
    expect(store.has('Cart!')).toBe(false);
    store.write([{ checkpoint: 'Cart!', png: encodePng(solid(4, 4, [1, 2, 3])), entry }]);
    const again = new BaselineStore(dir, 'My Scenario');
    again.write([{ checkpoint: 'cart?', png: encodePng(solid(4, 4, [9, 9, 9])), entry }]);
    const manifest = JSON.parse(readFileSync(join(dir, 'my-scenario', MANIFEST_FILE), 'utf8')) as { checkpoints: Record<string, { file: string }> };
    expect(manifest.checkpoints['Cart!']?.file).toBe('cart.png');
    expect(manifest.checkpoints['cart?']?.file).toBe('cart-2.png');
    const fresh = new BaselineStore(dir, 'My Scenario');
    expect(decodePng(fresh.read('Cart!')).data[0]).toBe(1);
    expect(decodePng(fresh.read('cart?')).data[0]).toBe(9);
  });

  it('refuses a manifest whose file entries point outside the folder', () => {
    const dir = join(tmp, 'store2');
    mkdirSync(join(dir, 's'), { recursive: true });
    writeFileSync(join(dir, 's', MANIFEST_FILE), JSON.stringify({ schema: 'rookery/visual-baselines@1', scenario: 's', checkpoints: { x: { file: '../x.png' } } }));
    expect(() => new BaselineStore(dir, 's').has('x')).toThrow(/not a rookery\/visual-baselines@1 manifest/);
  });
});

describe('rookery baseline: storing', () => {
  const rec = (checkpoint: string, rgb: [number, number, number]) => ({ checkpoint, png: encodePng(solid(4, 4, rgb)), entry });

  it('refuses to overwrite without --update, lists what exists and writes nothing; --update replaces', () => {
    const dir = join(tmp, 'baseline-cmd');
    const first = storeBaselines(new BaselineStore(dir, 'sc'), [rec('home', [1, 1, 1])], false);
    expect(first.code).toBe(0);
    const refused = storeBaselines(new BaselineStore(dir, 'sc'), [rec('home', [2, 2, 2]), rec('new one', [3, 3, 3])], false);
    expect(refused.code).toBe(2);
    expect(refused.message).toMatch(/refusing to overwrite 1 existing baseline \(nothing was written\)/);
    expect(refused.message).toContain('home:');
    expect(refused.message).toContain('--update');
    expect(existsSync(join(dir, 'sc', 'new-one.png'))).toBe(false);
    expect(decodePng(readFileSync(join(dir, 'sc', 'home.png'))).data[0]).toBe(1);
    const updated = storeBaselines(new BaselineStore(dir, 'sc'), [rec('home', [2, 2, 2]), rec('new one', [3, 3, 3])], true);
    expect(updated.code).toBe(0);
    expect(decodePng(readFileSync(join(dir, 'sc', 'home.png'))).data[0]).toBe(2);
    expect(existsSync(join(dir, 'sc', 'new-one.png'))).toBe(true);
  });
});

describe('artifacts', () => {
  it('saves the worst diff per checkpoint next to the results, with relative paths, and rebases them', () => {
    const base = solid(8, 8, [255, 255, 255]);
    const actual = paint(base, { x: 0, y: 0, width: 2, height: 2 }, [0, 0, 0]);
    const tallies: CheckpointTally[] = [
      { name: 'a b', snapshots: 3, mismatches: 1, missingBaseline: 0, worst: { diffPixels: 4, ratio: 4 / 64, mismatch: true, baselinePng: encodePng(base), actualPng: encodePng(actual), sizeChanged: undefined } },
      { name: 'clean', snapshots: 3, mismatches: 0, missingBaseline: 0, worst: undefined },
    ];
    const results = join(tmp, 'results', 'run.json');
    expect(visualArtifactsDir(results)).toBe(join(tmp, 'results', 'run.visual'));
    const v = saveVisualArtifacts(tallies, visualArtifactsDir(results), join(tmp, 'results'));
    expect(v.checkpoints[0]?.worst).toEqual({ diffPixels: 4, ratio: 4 / 64, baseline: 'run.visual/a-b/baseline.png', actual: 'run.visual/a-b/actual.png', diff: 'run.visual/a-b/diff.png' });
    expect(v.checkpoints[1]).toEqual({ name: 'clean', snapshots: 3, mismatches: 0 });
    expect(diffBoundingBox(decodePng(readFileSync(join(tmp, 'results', 'run.visual/a-b/diff.png'))))).toEqual({ x: 0, y: 0, width: 2, height: 2 });
    const moved = rebaseVisual(v, join(tmp, 'results'), join(tmp, 'html', 'deep'));
    expect(moved.checkpoints[0]?.worst?.diff).toBe('../../results/run.visual/a-b/diff.png');
  });
});

describe('u.snapshot arguments', () => {
  it('explains bad names, masks and thresholds', () => {
    expect(validateSnapshotArgs('home', undefined)).toEqual({ mask: [], fullPage: false, threshold: 0.001 });
    expect(() => validateSnapshotArgs('', undefined)).toThrow(/non-empty string/);
    expect(() => validateSnapshotArgs('x', { mask: '#a' as unknown as string[] })).toThrow(/mask must be a list of CSS selectors/);
    expect(() => validateSnapshotArgs('x', { threshold: 5 })).toThrow(/threshold is the share of differing pixels allowed, between 0 and 1/);
  });
});

describe('report panel', () => {
  it('says when sampled snapshots had no baseline, and shows the overhead line', () => {
    const results = fakeResults({
      seed: 3,
      errors: [{ kind: 'visual.no_baseline', count: 3, samples: [{ message: 'no baseline for checkpoint "home" (expected b/s/home.png)', at: 0 }] }],
    });
    results.visual = { checkpoints: [{ name: 'home', snapshots: 0, mismatches: 0 }] };
    const page = renderHtml(results);
    expect(page).toMatch(/data-visual-missing[^>]*>3 sampled snapshots had no baseline and were skipped: no baseline for checkpoint &quot;home&quot;/);
    expect(page).toContain('id="visual-overhead"');
    expect(page).not.toContain('class="visual-case"'); // no images without a mismatch
  });
});
