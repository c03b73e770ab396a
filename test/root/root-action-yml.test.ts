import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../support/harness.js';

describe('root action.yml', () => {
  it('is the union of its parts, generated and not drifting', () => {
    const r = spawnSync(
      process.execPath,
      [path.join(repoRoot, 'scripts', 'root-action.mjs'), '--check'],
      { encoding: 'utf8' },
    );
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });
});
