import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { compileGoRegexp, loadGoRegexp } from '../../shared/labels/re2.js';
import { DirectoryStore } from '../../shared/history/directory-store.js';
import { select, selectOptions } from './support/select.js';
import { A, B, C, historyRun, rerunEnv, writeHistory } from './support/history.js';
import { makeWorkspace } from './support/workspace.js';

await loadGoRegexp();

const NOW = () => new Date('2026-11-02T00:00:00.000Z');

async function workspace() {
  const ws = makeWorkspace();
  await writeHistory(path.join(ws, 'history'));
  return ws;
}

describe('quarantine: auto', () => {
  it('leaves out what the history puts over the flake threshold, with reason and until', async () => {
    const ws = await workspace();
    const inputs = { environment: 'test-kvm', history: 'history', quarantine: 'auto' };
    const sel = await select(selectOptions(ws, inputs, rerunEnv(1)), { now: NOW });
    expect(sel.quarantine?.active).toEqual([
      {
        kind: 'test',
        value: A,
        // The wording and the date are shared/history/quarantine.ts's (overBudget).
        reason: expect.stringContaining('flaky in 2 of its last 5 runs'),
        until: expect.stringMatching(/^2026-11-1\d$/),
      },
    ]);
    expect(sel.quarantine?.file).toBe('auto, from the history folder');
    expect(sel.tests).toHaveLength(22);
    expect(sel.tests).not.toContain(A);
    expect(sel.tests).toContain(B);
    expect(sel.quarantinedOut).toBe(1);
    expect(compileGoRegexp(sel.skip).test(`Tests Suite ${A}`)).toBe(true);
    expect(sel.warnings).toEqual([]);
  });

  it('lets a test run again once its quarantine has ended, and shows it as ended', async () => {
    const ws = await workspace();
    const inputs = { environment: 'test-kvm', history: 'history', quarantine: 'auto' };
    const later = () => new Date('2027-01-01T00:00:00.000Z');
    const sel = await select(selectOptions(ws, inputs, rerunEnv(1)), { now: later });
    expect(sel.quarantine?.active).toEqual([]);
    expect(sel.quarantine?.expired.map((e) => e.value)).toEqual([A]);
    expect(sel.tests).toContain(A);
    expect(sel.warnings).toEqual([]);
  });

  it("follows the profile's flake threshold", async () => {
    const ws = makeWorkspace({
      '.github/virt-ci.yaml':
        'version: 1\ndefaults:\n  tests: {inventory: kubevirt-dry-run.json}\nenvironments:\n  test-kvm:\n    tests: {labelFilter: "!l1hv-new && !mshv"}\n    flake: {threshold: 3 in 100}\n',
    });
    await writeHistory(path.join(ws, 'history'));
    const inputs = { environment: 'test-kvm', history: 'history', quarantine: 'auto' };
    const sel = await select(selectOptions(ws, inputs, rerunEnv(1)), { now: NOW });
    expect(sel.quarantine?.active).toEqual([]);
    expect(sel.tests).toContain(A);
  });

  it('without an inventory: the spec text joins the skip pattern', async () => {
    const ws = await workspace();
    const inputs = {
      environment: 'test-kvm',
      inventory: 'none',
      history: 'history',
      quarantine: 'auto',
    };
    const sel = await select(selectOptions(ws, inputs, rerunEnv(1)), { now: NOW });
    expect(sel.args).toEqual([
      '--label-filter=!l1hv-new && !mshv',
      expect.stringMatching(/^--skip=/),
    ]);
    const skip = compileGoRegexp(sel.args[1].slice('--skip='.length));
    expect(skip.test(`Tests Suite ${A}`)).toBe(true);
    expect(skip.test(`Tests Suite ${B}`)).toBe(false);
  });

  it('needs a history: one line naming both inputs', async () => {
    const ws = makeWorkspace();
    expect(() => selectOptions(ws, { quarantine: 'auto' })).toThrow(
      'input "quarantine": auto reads the quarantine from the test history, and input "history" is empty; set input "history" to cache or a folder path',
    );
    expect(() => selectOptions(ws, { rerun: 'failed' })).toThrow(
      'input "rerun": failed needs the test history to know what failed, and input "history" is empty',
    );
    expect(() => selectOptions(ws, { rerun: 'some' })).toThrow(/input "rerun"/);
  });

  it('reports bad entries in one line each and goes on', async () => {
    const ws = await workspace();
    mkdirSync(path.join(ws, 'history', 'test-kvm'), { recursive: true });
    writeFileSync(
      path.join(ws, 'history', 'test-kvm', '2026-11-01T23-00-00-000Z_x-1_zz.json.gz'),
      'not gzip',
    );
    const inputs = { environment: 'test-kvm', history: 'history', quarantine: 'auto' };
    const sel = await select(selectOptions(ws, inputs, rerunEnv(1)), { now: NOW });
    expect(sel.warnings).toEqual([
      expect.stringMatching(
        /^history: skipped test-kvm\/2026-11-01T23-00-00-000Z_x-1_zz\.json\.gz: not a gzipped/,
      ),
    ]);
    expect(sel.tests).not.toContain(A);
  });

  it('a history folder that does not exist yet is an empty history', async () => {
    const ws = makeWorkspace();
    const inputs = { environment: 'test-kvm', history: 'no-such', quarantine: 'auto' };
    const sel = await select(selectOptions(ws, inputs, rerunEnv(1)), { now: NOW });
    expect(sel.tests).toHaveLength(23);
    expect(sel.warnings).toEqual([]);
  });
});

describe('rerun: failed', () => {
  const rerun = (attempt: number, extra: Record<string, string> = {}) =>
    workspace().then((ws) =>
      select(
        selectOptions(
          ws,
          { environment: 'test-kvm', history: 'history', rerun: 'failed', ...extra },
          rerunEnv(attempt),
        ),
      ),
    );

  it('on attempt 2 selects only what failed in attempt 1, and says so', async () => {
    const sel = await rerun(2);
    expect(sel.tests).toEqual([C]);
    expect(sel.rerun).toEqual({ attempt: 2, failed: 1, of: 23 });
    // Ginkgo gets the exact name: the label filter alone would run all 23.
    expect(sel.args).toEqual([
      '--label-filter=!l1hv-new && !mshv',
      `--focus=^(?:Tests Suite ${C.replace(/[[\]]/g, '\\$&')})$`,
    ]);
    expect(sel.notices).toEqual([]);
  });

  it('each shard re-runs its own failures, or all of its tests when none failed there', async () => {
    const shards = await Promise.all(
      ['1', '2'].map((i) => rerun(2, { 'shard-count': '2', 'shard-index': i })),
    );
    const withC = shards.find((s) => s.tests?.includes(C));
    const other = shards.find((s) => s !== withC);
    expect(withC?.tests).toEqual([C]);
    expect(other?.rerun).toBeUndefined();
    expect(other?.tests?.length).toBeGreaterThan(5);
    expect(other?.notices).toEqual([
      expect.stringMatching(
        /^re-run of attempt 2: attempt 1 recorded no failure among this job's \d+ selected tests \(2 failed elsewhere or outside the tests\); selecting as usual$/,
      ),
    ]);
  });

  it('selects as usual when the attempt before left no entry', async () => {
    const sel = await rerun(3);
    expect(sel.tests).toHaveLength(23);
    expect(sel.notices).toEqual([
      're-run of attempt 3: the history has no entry of attempt 2 of run 900 for this environment (it may have failed before its tests were published); selecting as usual',
    ]);
  });

  it('on attempt 1 selects as usual, without reading the history', async () => {
    const sel = await rerun(1, { history: 'no-such-folder' });
    expect(sel.tests).toHaveLength(23);
    expect(sel.notices).toEqual([]);
  });

  it('without an inventory: the failed names as the focus, where the runner can take them', async () => {
    const sel = await rerun(2, { inventory: 'none' });
    expect(sel.rerun).toEqual({ attempt: 2, failed: 2 });
    const focus = compileGoRegexp(sel.args[1].slice('--focus='.length));
    expect(focus.test(`Tests Suite ${C}`)).toBe(true);
    expect(focus.test(`Tests Suite ${B}`)).toBe(false);
    const py = await rerun(2, { inventory: 'none', runner: 'pytest', 'label-filter': '' });
    expect(py.rerun).toBeUndefined();
    expect(py.notices).toEqual([
      're-run of attempt 2: pytest selects exactly by node id, which its JUnit report does not keep; selecting as usual (give input "inventory" to narrow it)',
    ]);
  });

  it('quarantine and re-run together: a quarantined test that failed stays out', async () => {
    const ws = await workspace();
    const store = new DirectoryStore(path.join(ws, 'history'));
    await store.write(historyRun({ [A]: 'failed', [C]: 'failed' }, { runId: '901' }));
    const sel = await select(
      selectOptions(
        ws,
        { environment: 'test-kvm', history: 'history', rerun: 'failed', quarantine: 'auto' },
        { ...rerunEnv(2), GITHUB_RUN_ID: '901' },
      ),
      { now: NOW },
    );
    expect(sel.tests).toEqual([C]);
    expect(sel.rerun).toEqual({ attempt: 2, failed: 1, of: 22 });
  });
});
