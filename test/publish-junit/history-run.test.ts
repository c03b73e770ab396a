import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { collect } from '../../actions/publish-junit/collect.js';
import { HistoryCollector } from '../../actions/publish-junit/history-run.js';
import { testKey } from '../../shared/history/entry.js';
import { workspaceWith } from './make-report.js';

/**
 * What the history records of one run: attempts of one test merge only where the tally merges
 * them; two tests that merely share a name never make a flaky pass out of a failure.
 */
async function recorded(files: Record<string, string>, flaky = true) {
  const ws = workspaceWith(files);
  const c = new HistoryCollector(flaky);
  const paths = Object.keys(files).map((f) => path.join(ws, f));
  const { tally } = await collect(paths, {
    workspace: ws,
    flaky,
    observe: (tc, shared) => c.add(tc, shared),
  });
  return { tests: c.tests(), totals: tally.totals };
}

const suite = (cases: string, props = '') =>
  `<?xml version="1.0"?><testsuites><testsuite name="s">${props}${cases}</testsuite></testsuites>`;
const pass = (n: string) => `<testcase classname="pkg" name="${n}" time="1"/>`;
const fail = (n: string) =>
  `<testcase classname="pkg" name="${n}" time="2"><failure message="x">x</failure></testcase>`;
const GO = '<properties><property name="go.version" value="go1.22"/></properties>';

describe('what the history records of a run', () => {
  it('a failure and a pass of one name in reports of different folders: failed, never flaky', async () => {
    const r = await recorded({ 'a/r.xml': suite(fail('T')), 'b/r.xml': suite(pass('T')) });
    expect(r.tests.get(testKey('pkg', 'T'))).toEqual({
      outcome: 'failed',
      attempts: 1,
      durationMs: 3000,
    });
    expect(r.totals).toMatchObject({ total: 2, failed: 1, flaky: 0 });
  });

  it('a run and its rerun in one folder: flaky, two attempts', async () => {
    const r = await recorded({
      'j/run.xml': suite(fail('T')).replace(
        '<testsuites>',
        '<testsuites timestamp="2026-01-01T00:00:00Z">',
      ),
      'j/rerun.xml': suite(pass('T')).replace(
        '<testsuites>',
        '<testsuites timestamp="2026-01-01T01:00:00Z">',
      ),
    });
    expect(r.tests.get(testKey('pkg', 'T'))).toMatchObject({ outcome: 'flaky', attempts: 2 });
    expect(r.totals).toMatchObject({ total: 1, flaky: 1 });
  });

  it("gotestsum's rerun in one report is flaky; a plain report's repeated name is two tests", async () => {
    const go = await recorded({ 'r.xml': suite(fail('T') + pass('T'), GO) });
    expect(go.tests.get(testKey('pkg', 'T'))?.outcome).toBe('flaky');
    const plain = await recorded({ 'r.xml': suite(fail('T') + pass('T')) });
    expect(plain.tests.get(testKey('pkg', 'T'))?.outcome).toBe('failed');
    expect(plain.totals).toMatchObject({ total: 2, failed: 1, passed: 1, flaky: 0 });
  });

  it("Surefire's flakyFailure is flaky; its rerunFailure stays failed with every attempt counted", async () => {
    const r = await recorded({
      'r.xml': suite(
        '<testcase classname="pkg" name="F" time="1"><flakyFailure message="m" type="t">x</flakyFailure></testcase>' +
          '<testcase classname="pkg" name="R" time="1"><failure message="m">x</failure><rerunFailure message="m">x</rerunFailure><rerunFailure message="m">x</rerunFailure></testcase>',
      ),
    });
    expect(r.tests.get(testKey('pkg', 'F'))).toMatchObject({ outcome: 'flaky', attempts: 2 });
    expect(r.tests.get(testKey('pkg', 'R'))).toMatchObject({ outcome: 'failed', attempts: 3 });
  });

  it('with flaky: false every case stands alone, and the worst of one name is recorded', async () => {
    const r = await recorded({ 'r.xml': suite(fail('T') + pass('T'), GO) }, false);
    expect(r.tests.get(testKey('pkg', 'T'))?.outcome).toBe('failed');
  });

  it('skipped tests are recorded as skipped, with no attempt', async () => {
    const r = await recorded({
      'r.xml': suite('<testcase classname="pkg" name="S"><skipped/></testcase>'),
    });
    expect(r.tests.get(testKey('pkg', 'S'))).toEqual({
      outcome: 'skipped',
      attempts: 0,
      durationMs: 0,
    });
  });
});
