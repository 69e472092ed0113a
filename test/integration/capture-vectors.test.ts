/**
 * Keeps the committed fixture vectors honest: re-captures every flow from the real client now and checks the
 * live traffic decodes to the same observation counts as the committed files. With CAPTURE_VECTORS=1 it
 * rewrites the committed files instead (after a client upgrade).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { captureVectors, clientVersion, FLOWS } from '../support/capture-vectors.js';
import { decodeVectorFile, observationCounts } from '../support/vector-replay.js';

const COMMITTED = resolve(import.meta.dirname, `../vectors/fixture-lv-${clientVersion()}`);

describe('fixture vectors from the real client', () => {
  it('live capture decodes like the committed vectors', async () => {
    if (process.env.CAPTURE_VECTORS) {
      await captureVectors(COMMITTED);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'rookery-vectors-'));
    try {
      await captureVectors(dir);
      for (const name of Object.keys(FLOWS)) {
        const live = observationCounts(decodeVectorFile(readFileSync(join(dir, `${name}.jsonl`), 'utf8')));
        const committed = observationCounts(decodeVectorFile(readFileSync(join(COMMITTED, `${name}.jsonl`), 'utf8')));
        expect(live, name).toEqual(committed);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
