import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PromotionError } from '../../actions/promote-digest/promote.js';
import { run } from '../../actions/promote-digest/promote-digest.js';
import { writeImage, writeIndex } from './support/images.js';
import { runDeps, runOptions } from './support/options.js';

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
    // The record's temporary file cannot be created: its name leads to a folder.
    mkdirSync(path.join(work, 'out'));
    mkdirSync(path.join(work, 'elsewhere'));
    symlinkSync(
      path.join(work, 'elsewhere'),
      path.join(work, 'out', `.promotion.json.${process.pid}.tmp`),
    );
    const outcome = await run(
      runOptions(work, {
        source: 'oci:src:dev',
        targets: [':test-kvm'],
        record: 'out/promotion.json',
      }),
      runDeps(),
    );
    const err = outcome.failure;
    expect(err).toBeInstanceOf(PromotionError);
    expect((err as Error).message).toMatch(
      /^input "record": "out\/promotion\.json" could not be written: (Error: )?EISDIR: .*; the promotion itself succeeded$/,
    );
    expect((err as PromotionError).result.targets.map((t) => [t.target, t.status])).toEqual([
      ['oci:src:test-kvm', 'created'],
    ]);
    // Nothing is left beside the record's path: neither a record nor its temporary file.
    expect(readdirSync(path.join(work, 'out'))).toEqual([]);
    // The step still reports the tags that moved.
    expect(outcome.outputs.record).toBe('');
    expect(outcome.outputs.promoted).toMatchObject([
      { target: 'oci:src:test-kvm', status: 'created' },
    ]);
  });
});
