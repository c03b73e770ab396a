import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { action } from '../../actions/publish-junit/action.js';
import { DirectoryStore } from '../../shared/history/directory-store.js';
import { scaledPolicy } from '../../shared/retry.js';
import { runInProcess } from '../support/in-process.js';
import { workspaceWith } from './make-report.js';

/**
 * publish-junit with a history folder over simulated runs: what each run's summary and
 * outputs say must be what the runs before it imply.
 */
type Outcome = 'pass' | 'fail' | 'flaky' | 'skip';

/** A gotestsum-style report (go.version: a repeated case is a rerun). */
function report(tests: Record<string, Outcome>): string {
  const cases = Object.entries(tests).flatMap(([name, o]) => {
    const pass = `<testcase classname="pkg" name="${name}" time="0.5"></testcase>`;
    const fail = `<testcase classname="pkg" name="${name}" time="0.5"><failure message="boom">boom</failure></testcase>`;
    if (o === 'pass') return [pass];
    if (o === 'fail') return [fail];
    if (o === 'flaky') return [fail, pass];
    return [`<testcase classname="pkg" name="${name}"><skipped/></testcase>`];
  });
  return `<?xml version="1.0"?><testsuites><testsuite name="pkg"><properties><property name="go.version" value="go1.22"/></properties>${cases.join('')}</testsuite></testsuites>`;
}

let clock = Date.parse('2026-11-20T10:00:00Z');

async function publishRun(
  historyDir: string,
  tests: Record<string, Outcome>,
  run: { id: string; attempt?: number; sha: string; branch?: string },
  extra: Record<string, string> = {},
) {
  const ws = workspaceWith({ 'junit/report.xml': report(tests) });
  clock += 3_600_000;
  const now = new Date(clock);
  return runInProcess(
    'publish-junit',
    action,
    (real) => ({ ...real, retry: scaledPolicy(0), now: () => now }),
    {
      workspace: ws,
      inputs: {
        paths: 'junit/*.xml',
        'check-run': 'false',
        'fail-on': 'none',
        history: historyDir,
        ...extra,
      },
      env: {
        GITHUB_RUN_ID: run.id,
        GITHUB_RUN_ATTEMPT: String(run.attempt ?? 1),
        GITHUB_SHA: run.sha.padEnd(40, '0'),
        GITHUB_REF: `refs/heads/${run.branch ?? 'main'}`,
      },
    },
  );
}

const json = (s: string | undefined) => JSON.parse(s ?? 'null') as unknown;

describe('publish-junit history (folder)', () => {
  it('tells new, known flaky, persistent and fixed apart across runs, and records every run', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pj-history-'));
    const r1 = await publishRun(
      dir,
      { A: 'pass', B: 'pass', S: 'fail', W: 'flaky' },
      { id: '1', sha: 'c1' },
    );
    expect(r1.exitCode).toBe(0);
    expect(r1.outputs['new-failures']).toBe('[]');
    // W failed and passed in one report: flaky by the definition, with no history needed.
    expect(json(r1.outputs['known-flaky'])).toEqual(['pkg.W']);
    expect(r1.summary).toContain('📈 History of default: 0 earlier run(s)');

    const r2 = await publishRun(
      dir,
      { A: 'fail', B: 'pass', S: 'fail', W: 'pass' },
      { id: '2', sha: 'c2' },
    );
    expect(json(r2.outputs['new-failures'])).toEqual(['pkg.A']);
    expect(r2.summary).toContain('🆕 New failures');

    // The same commit again (a re-run attempt): A passes now, so A's failure on c2 was a flake.
    const r3 = await publishRun(
      dir,
      { A: 'pass', B: 'pass', S: 'fail', W: 'pass' },
      { id: '2', attempt: 2, sha: 'c2' },
    );
    expect(r3.outputs['new-failures']).toBe('[]');
    const r4 = await publishRun(
      dir,
      { A: 'fail', B: 'pass', S: 'fail', W: 'pass' },
      { id: '3', sha: 'c3' },
    );
    expect(json(r4.outputs['known-flaky'])).toEqual(['pkg.A']);
    expect(json(r4.outputs['new-failures'])).toEqual([]);
    // S failed in all four runs: persistent, since the first commit.
    expect(r4.summary).toMatch(
      /🧱 Persistent failures\*\*\n\n- pkg\.S: failing for 4 runs, since c100000/,
    );
    const r5 = await publishRun(
      dir,
      { A: 'pass', B: 'pass', S: 'pass', W: 'pass' },
      { id: '4', sha: 'c4' },
    );
    expect(r5.summary).toMatch(/🩹 Fixed: failed in the run before\*\*\n\n- pkg\.A\n- pkg\.S/);
    // Flaky runs over test runs in the window: W once (r1), A twice (r2's failure on c2, r4's
    // failure is on c3 only: not flaky) — A on c2 once.
    const rate = Number(r5.outputs['flake-rate']);
    expect(rate).toBeCloseTo(2 / 20, 6);
    expect(r5.summary).toContain('```mermaid\nxychart-beta');
    const runs = (await new DirectoryStore(dir).read()).runs;
    expect(runs.map((r) => `${r.runId}.${r.runAttempt}`)).toEqual([
      '4.1',
      '3.1',
      '2.2',
      '2.1',
      '1.1',
    ]);
    expect(readdirSync(path.join(dir, 'default'))).toHaveLength(5);
  });
});
