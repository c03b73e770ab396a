import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PromotionError } from '../../actions/promote-digest/promote.js';
import { run } from '../../actions/promote-digest/promote-digest.js';
import { writeImage, writeIndex } from './support/images.js';
import { options } from './support/options.js';

// The promotion record is written after the tags moved: a write that fails then must still
// report what was promoted (the step's outputs and summary come from the error's result).
describe('promotion record', () => {
  it('reports the promotion when the record cannot be written after the tags moved', async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'pd-record-'));
    writeIndex(
      path.join(work, 'src'),
      [writeImage(path.join(work, 'src'), { layers: [1000] })],
      'dev',
    );
    // The record's temporary file cannot be created: a folder has its name.
    mkdirSync(path.join(work, 'out', `promotion.json.tmp-${process.pid}`), { recursive: true });
    const err = await run({
      ...options(work, { source: 'oci:src:dev', targets: [':test-kvm'] }),
      record: 'out/promotion.json',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PromotionError);
    expect((err as Error).message).toMatch(
      /^input "record": "out\/promotion\.json" could not be written: (Error: )?EISDIR: .*; the promotion itself succeeded$/,
    );
    expect((err as PromotionError).result.targets.map((t) => [t.target, t.status])).toEqual([
      ['oci:src:test-kvm', 'created'],
    ]);
    expect(readdirSync(path.join(work, 'out'))).toEqual([`promotion.json.tmp-${process.pid}`]);
  });
});
