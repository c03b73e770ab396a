import { describe, expect, it } from '@jest/globals';
import {
  mkdirSync,
  readdirSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { errors, run } from '../support/harness.js';
import { junitXml, workspaceWith } from './make-report.js';

describe('a results file (output) that cannot be written', () => {
  it('fails with one line naming the input, after publishing the rest, and leaves no temporary file', async () => {
    const ws = workspaceWith({ 'r/a.xml': junitXml({ passed: 2, failed: 1 }) });
    // A file stands where the results file's folder should be: found only when writing.
    writeFileSync(path.join(ws, 'out'), 'not a folder');
    const r = await run('publish-junit', {
      workspace: ws,
      inputs: { paths: 'r/*.xml', 'check-run': 'false', output: 'out/results.json' },
    });
    expect(r.exitCode).toBe(1);
    const lines = errors(r);
    expect(lines.at(-1)).toMatch(
      /^publish-junit "JUnit": 1 of 3 tests failed \(1 failures, 0 errors\); input "output": cannot write out\/results\.json: .+; give a file path the step can create$/,
    );
    expect(r.stderr + r.stdout).not.toMatch(/^\s+at /m);
    // Everything else was published: the outputs, the summary, the failure annotation.
    expect(r.outputs).toMatchObject({ total: '3', failed: '1', results: '' });
    expect(r.summary).toMatch(/^### ❌ JUnit: 3 tests, 2 passed, 1 failed/);
    expect(lines).toContain('VMI 0 did not boot');
    expect(readdirSync(ws).sort()).toEqual(['out', 'r']);
  });
});

describe('output: only a regular file inside the workspace or RUNNER_TEMP', () => {
  const ws = workspaceWith({ 'r/a.xml': junitXml({ passed: 1 }) });
  mkdirSync(path.join(ws, 'folder.json'));
  symlinkSync('/dev/full', path.join(ws, 'full.json'));
  it.each([
    ['/dev/full', /is outside the workspace and RUNNER_TEMP/],
    ['../elsewhere.json', /is outside the workspace and RUNNER_TEMP/],
    ['folder.json', /is a folder/],
    ['full.json', /is a symbolic link/],
  ])('refuses %s before anything is written', async (output, why) => {
    const r = await run('publish-junit', {
      workspace: ws,
      inputs: { paths: 'r/*.xml', 'check-run': 'false', output },
    });
    expect(r.exitCode).toBe(1);
    const lines = errors(r);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^input "output": "${output.replace(/[./]/g, '\\$&')}" `));
    expect(lines[0]).toMatch(why);
    expect(lines[0]).toMatch(/allowed: a file path inside the workspace or RUNNER_TEMP/);
    expect(r.summary).toBe('');
    expect(readlinkSync(path.join(ws, 'full.json'))).toBe('/dev/full');
  });

  it('writes a results file under RUNNER_TEMP', async () => {
    const r = await run('publish-junit', {
      workspace: ws,
      inputs: { paths: 'r/*.xml', 'check-run': 'false' },
    });
    expect(r.exitCode).toBe(0);
    expect(statSync(r.outputs.results).isFile()).toBe(true);
  });
});
