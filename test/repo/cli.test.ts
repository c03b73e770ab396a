import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findNode24 } from '../../shared/harness/runner.js';
import { repoRoot } from '../support/harness.js';

const node = findNode24(repoRoot);
const cli = path.join(repoRoot, 'dist', 'cli', 'index.js');

function virtCi(...args: string[]) {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'cli-'));
  return { cwd, ...spawnSync(node, [cli, ...args], { cwd, encoding: 'utf8', timeout: 60_000 }) };
}

describe('virt-ci run --event', () => {
  it('names the event file and says it does not exist', () => {
    const r = virtCi('run', 'select-tests', '--event', 'no-such-event.json');
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toMatch(
      /^virt-ci: --event ".*no-such-event\.json": does not exist; give a JSON webhook payload file$/,
    );
  });

  it('names the event file when it is not JSON, in one line', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cli-event-'));
    const file = path.join(dir, 'event.json');
    writeFileSync(file, '{"pull_request": ');
    const r = virtCi('run', 'select-tests', '--event', file);
    expect(r.status).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`--event ${JSON.stringify(file)}: not valid JSON (`);
  });
});
