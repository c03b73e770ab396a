import { describe, expect, it } from '@jest/globals';
import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findNode24 } from '../../shared/harness/runner.js';
import { repoRoot, run } from '../support/harness.js';
import { junitXml, workspaceWith } from './make-report.js';

/**
 * The bundle leaves V8's TurboFan out of reading one to 128 MiB of reports (tiering.ts). Run as
 * the runner runs it, with V8's --trace-opt, which prints each function V8 marks for a
 * compiler: the same reading, a little under 1 MiB, marks functions for TurboFan; a little
 * over, none, while Maglev is still used. Tiering follows how much code ran, not the clock,
 * so the counts do not depend on the machine's speed.
 */
function tracingNode(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'virt-ci-trace-opt-'));
  const file = path.join(dir, 'node');
  const node = findNode24(repoRoot);
  // Node, not a shell: a shell drops the step's INPUT_FAIL-ON and other names with a '-'.
  writeFileSync(
    file,
    `#!${node}\nconst r = require('node:child_process').spawnSync(${JSON.stringify(node)}, ['--trace-opt', ...process.argv.slice(2)], { stdio: 'inherit' });\nprocess.exit(r.status ?? 1);\n`,
  );
  chmodSync(file, 0o755);
  return file;
}

async function readTraced(passed: number) {
  const ws = workspaceWith({ 'r/junit.xml': junitXml({ passed, failed: 40, detailBytes: 400 }) });
  const bytes = statSync(path.join(ws, 'r', 'junit.xml')).size;
  const r = await run('publish-junit', {
    workspace: ws,
    node: tracingNode(),
    inputs: { paths: 'r/*.xml', 'check-run': 'false', 'fail-on': 'none' },
  });
  expect(r.exitCode).toBe(0);
  expect(r.outputs.total).toBe(String(passed + 40));
  const marks = (compiler: string) =>
    r.stdout
      .split('\n')
      .filter((l) => /^\[marking .* for optimization to/.test(l) && l.includes(compiler)).length;
  return { bytes, turbofan: marks('to TURBOFAN'), maglev: marks('to MAGLEV') };
}

describe('publish-junit: V8 tiering for a read of a few megabytes', () => {
  it('marks reading code for TurboFan under 1 MiB and for Maglev only over it', async () => {
    const under = await readTraced(8_000);
    const over = await readTraced(11_500);
    expect(under.bytes).toBeLessThan(1024 * 1024);
    expect(over.bytes).toBeGreaterThan(1024 * 1024);
    expect(under.turbofan).toBeGreaterThan(0);
    expect(over.maglev).toBeGreaterThan(0);
    expect(over.turbofan).toBe(0);
  });
});
