import { describe, expect, it } from '@jest/globals';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { errors, run } from '../support/harness.js';
import { junitXml, workspaceWith } from './make-report.js';

describe('a results file (output) that cannot be written', () => {
  it('fails with one line naming the input, after publishing the rest, and leaves no temporary file', async () => {
    const ws = workspaceWith({ 'r/a.xml': junitXml({ passed: 2, failed: 1 }) });
    // A folder already holds the name given as the results file.
    mkdirSync(path.join(ws, 'out', 'results.json'), { recursive: true });
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
    expect(readdirSync(path.join(ws, 'out'))).toEqual(['results.json']);
  });
});
