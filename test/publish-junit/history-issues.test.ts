import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { action } from '../../actions/publish-junit/action.js';
import { DirectoryStore } from '../../shared/history/directory-store.js';
import { testKey, type HistoryTest } from '../../shared/history/entry.js';
import { scaledPolicy } from '../../shared/retry.js';
import { runInProcess } from '../support/in-process.js';
import { FakeGitHub } from './github-server.js';
import { workspaceWith } from './make-report.js';

/**
 * Flaky-test issues (`flake.issues: true`): publish-junit over simulated runs with a history
 * folder, against the stand-in of the GitHub REST API that checks every request with GitHub's
 * OpenAPI description. One issue per test over the threshold, its body kept up to date, closed
 * when the test is healthy again; nothing else with the label is ever touched.
 */
const gh = new FakeGitHub();
const LABEL = 'virt-ci/flaky';
const PROFILE = [
  'version: 1',
  'environments:',
  '  e2e:',
  '    flake: {issues: true, threshold: "2 in 100"}',
  '  quiet:',
  '    flake: {threshold: "2 in 100"}',
  '',
].join('\n');

type Outcome = 'pass' | 'fail' | 'flaky';

/** A gotestsum-style report (go.version: a repeated case is a rerun). */
function report(tests: Record<string, Outcome>): string {
  const cases = Object.entries(tests).flatMap(([name, o]) => {
    const pass = `<testcase classname="pkg" name="${name}" time="0.5"></testcase>`;
    const fail = `<testcase classname="pkg" name="${name}" time="0.5"><failure message="boom">boom</failure></testcase>`;
    return o === 'pass' ? [pass] : o === 'fail' ? [fail] : [fail, pass];
  });
  return `<?xml version="1.0"?><testsuites><testsuite name="pkg"><properties><property name="go.version" value="go1.22"/></properties>${cases.join('')}</testsuite></testsuites>`;
}

let clock = Date.parse('2026-11-20T01:00:00Z');
const tick = () => new Date((clock += 60_000));

interface Run {
  id: string;
  sha: string;
  environment?: string;
  token?: string;
}

function publish(historyDir: string, tests: Record<string, Outcome>, run: Run) {
  const ws = workspaceWith({ 'junit/report.xml': report(tests), '.github/virt-ci.yaml': PROFILE });
  const now = tick();
  return runInProcess(
    'publish-junit',
    action,
    (real) => ({ ...real, retry: scaledPolicy(0), now: () => now }),
    {
      workspace: ws,
      inputs: {
        paths: 'junit/*.xml',
        environment: run.environment ?? 'e2e',
        'check-run': 'false',
        'fail-on': 'none',
        history: historyDir,
      },
      token: run.token ?? 'ghs_testtoken0123456789',
      env: {
        GITHUB_API_URL: gh.url,
        GITHUB_RUN_ID: run.id,
        GITHUB_SHA: run.sha.padEnd(40, '0'),
      },
    },
  );
}

/** The hidden marker by which publish-junit knows its issue for one test of an environment. */
function marker(environment: string, name: string): string {
  const hash = createHash('sha256').update(testKey('pkg', name)).digest('hex').slice(0, 16);
  return `<!-- virt-ci-flaky env=${encodeURIComponent(environment)} test=${hash} -->`;
}

const calls = () =>
  gh.requests.map((q) => {
    const page = q.query.get('page');
    return `${q.method} ${q.template}${page && page !== '1' ? ` page ${page}` : ''} ${q.status}`;
  });
const LIST = 'GET /repos/{owner}/{repo}/issues 200';
const warnings = (r: { annotations: Array<{ level: string; message: string }> }) =>
  r.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
/** The issues publish-junit opened (made through the API, not seeded by the test). */
const ours = () => [...gh.issues.values()].filter((i) => i.viaApi);

beforeAll(async () => {
  await gh.start();
});
afterAll(async () => {
  await gh.stop();
});
afterEach(() => {
  expect(gh.violations).toEqual([]);
  gh.reset();
});

describe('flaky-test issues', () => {
  it('opens one issue per test over the threshold, updates it, leaves it when unchanged, closes it when healthy', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pj-issues-'));
    // Already there: a person's issue with the label and no marker; a closed issue of F from
    // long ago; and a pull request that carries the label and F's very marker. GitHub's
    // issues list returns pull requests too, with a `pull_request` key.
    const foreign = gh.addIssue({
      title: 'Flaky test: pkg.F (e2e)',
      body: 'I think pkg.F is flaky, see the logs',
      labels: [LABEL],
    });
    const closedBefore = gh.addIssue({
      title: 'Flaky test: pkg.F (e2e)',
      body: `${marker('e2e', 'F')}\nold`,
      labels: [LABEL],
      state: 'closed',
      state_reason: 'completed',
    });
    const pr = gh.addIssue({
      title: 'Quarantine pkg.F by hand',
      body: `${marker('e2e', 'F')}\nCopied from the issue`,
      labels: [LABEL],
      pullRequest: true,
    });
    const untouchable = [foreign, closedBefore, pr].map((i) => ({ ...i }));

    // Run 1: F is flaky once: under the threshold, so no issue; only the list is read.
    const r1 = await publish(dir, { F: 'flaky', G: 'pass', H: 'pass' }, { id: '1', sha: 'c1' });
    expect(r1.exitCode).toBe(0);
    expect(JSON.parse(r1.outputs['known-flaky'])).toEqual(['pkg.F']);
    expect(calls()).toEqual([LIST]);
    const list = gh.requests[0].query;
    expect({ state: list.get('state'), labels: list.get('labels') }).toEqual({
      state: 'open',
      labels: LABEL,
    });
    expect(ours()).toEqual([]);

    // Run 2: F flaky twice in its last runs: over "2 in 100". The label does not exist yet.
    gh.requests.length = 0;
    const r2 = await publish(dir, { F: 'flaky', G: 'pass', H: 'flaky' }, { id: '2', sha: 'c2' });
    expect(r2.exitCode).toBe(0);
    expect(calls()).toEqual([
      LIST,
      'GET /repos/{owner}/{repo}/labels/{name} 404',
      'POST /repos/{owner}/{repo}/labels 201',
      'POST /repos/{owner}/{repo}/issues 201',
    ]);
    expect(gh.requests[1].path).toBe('/repos/octo-org/octo-repo/labels/virt-ci%2Fflaky');
    expect(gh.labels.get(LABEL)).toMatchObject({ name: LABEL });
    const [f] = ours().filter((i) => i.state === 'open');
    expect(f).toMatchObject({ title: 'Flaky test: pkg.F (e2e)', labels: [LABEL], state: 'open' });
    expect(f.body).toContain(marker('e2e', 'F'));
    expect(f.body).toContain('went over the flake threshold (2 in 100 flaky runs)');
    // Nothing in the body changes from run to run but the failures: no run link, no counts.
    expect(f.body).not.toContain('actions/runs');
    // Its recent failures: both runs, newest first.
    expect(f.body).toMatch(
      /\| 2 \| 1 \| c200000 \| main \| flaky \|[\s\S]*\| 1 \| 1 \| c100000 \| main \| flaky \|/,
    );
    expect(r2.stdout).toContain('flaky-test issues: 1 opened, 0 updated, 0 closed');

    // Others open 150 issues with the label since: F's issue is on the list's second page now.
    for (let i = 0; i < 150; i++) gh.addIssue({ title: `triage ${i}`, labels: [LABEL, 'bug'] });

    // Run 3, job 1: F is flaky a third time: a new failure, so its body is brought up to
    // date. H is flaky a second time: a second issue, under the label that exists now.
    gh.requests.length = 0;
    const r3 = await publish(dir, { F: 'flaky', G: 'pass', H: 'flaky' }, { id: '3', sha: 'c3' });
    expect(r3.exitCode).toBe(0);
    expect(calls()).toEqual([
      LIST,
      'GET /repos/{owner}/{repo}/issues page 2 200',
      `PATCH /repos/{owner}/{repo}/issues/{issue_number} 200`,
      'GET /repos/{owner}/{repo}/labels/{name} 200',
      'POST /repos/{owner}/{repo}/issues 201',
    ]);
    expect(gh.requests[2].path).toBe(`/repos/octo-org/octo-repo/issues/${f.number}`);
    expect(gh.requests[2].body).toEqual({ body: expect.any(String) });
    expect(f.state).toBe('open');
    expect(f.body).toMatch(/\| 3 \| 1 \| c300000 \| main \| flaky \|[\s\S]*\| 2 \| 1 \| c200000/);
    const h = ours().find((i) => i.title === 'Flaky test: pkg.H (e2e)')!;
    expect(h.body).toContain(marker('e2e', 'H'));
    expect(ours().filter((i) => i.state === 'open')).toHaveLength(2);

    // Run 3, job 2 (another shard of the same run and environment, other tests): nothing
    // about F or H changed, so both issues are left as they are.
    gh.requests.length = 0;
    const fBody = f.body;
    const r3b = await publish(dir, { K: 'pass' }, { id: '3', sha: 'c3' });
    expect(r3b.exitCode).toBe(0);
    expect(calls()).toEqual([LIST, 'GET /repos/{owner}/{repo}/issues page 2 200']);
    expect(f.body).toBe(fBody);
    expect(r3b.stdout).not.toContain('flaky-test issues:');

    // Run 3 again, job 3: F passed this time, but it is over the threshold and no failure was
    // added: nothing to write.
    gh.requests.length = 0;
    const r3c = await publish(dir, { F: 'pass' }, { id: '3', sha: 'c3' });
    expect(r3c.exitCode).toBe(0);
    expect(calls()).toEqual([LIST, 'GET /repos/{owner}/{repo}/issues page 2 200']);

    // 98 runs of other jobs in which F and H passed: of F's three flaky runs only one is still
    // among its last 100.
    const store = new DirectoryStore(dir);
    const passed: HistoryTest = { outcome: 'passed', attempts: 1, durationMs: 500 };
    for (let i = 0; i < 98; i++) {
      await store.write({
        repository: 'octo-org/octo-repo',
        workflow: 'ci',
        environment: 'e2e',
        runId: String(100 + i),
        runAttempt: 1,
        sha: `d${i}`.padEnd(40, '0'),
        branch: 'main',
        time: tick().toISOString(),
        tests: new Map([
          [testKey('pkg', 'F'), passed],
          [testKey('pkg', 'H'), passed],
        ]),
      });
    }

    // Run 4: F passed and is under the threshold again: a comment, then closed as completed.
    // H is under the threshold too but failed in this run: its issue stays open.
    gh.requests.length = 0;
    const r4 = await publish(dir, { F: 'pass', H: 'fail' }, { id: '4', sha: 'c4' });
    expect(r4.exitCode).toBe(0);
    expect(calls()).toEqual([
      LIST,
      'GET /repos/{owner}/{repo}/issues page 2 200',
      'POST /repos/{owner}/{repo}/issues/{issue_number}/comments 201',
      'PATCH /repos/{owner}/{repo}/issues/{issue_number} 200',
    ]);
    expect(gh.requests[2].path).toBe(`/repos/octo-org/octo-repo/issues/${f.number}/comments`);
    expect(gh.comments.at(-1)).toMatchObject({
      issue: f.number,
      body: 'The test passed under the flake threshold in https://github.com/octo-org/octo-repo/actions/runs/4: closing.',
    });
    expect(gh.requests[3].body).toEqual({ state: 'closed', state_reason: 'completed' });
    expect(f).toMatchObject({ state: 'closed', state_reason: 'completed' });
    expect(h.state).toBe('open');
    expect(r4.stdout).toContain('flaky-test issues: 0 opened, 0 updated, 1 closed');

    // Nothing without our marker, and no pull request, was ever written to.
    for (const i of [foreign, closedBefore, pr]) expect(gh.touched(i.number)).toEqual([]);
    expect([foreign, closedBefore, pr]).toEqual(untouchable);
    const triage = [...gh.issues.values()].filter((i) => i.title.startsWith('triage'));
    expect(triage.flatMap((i) => gh.touched(i.number))).toEqual([]);
  });

  it('opens nothing without flake.issues, and skips with a notice when there is no token', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pj-issues-'));
    for (const id of ['1', '2']) {
      const r = await publish(dir, { F: 'flaky' }, { id, sha: `c${id}`, environment: 'quiet' });
      expect(r.exitCode).toBe(0);
    }
    expect(gh.requests).toEqual([]);
    const other = mkdtempSync(path.join(os.tmpdir(), 'pj-issues-'));
    await publish(other, { F: 'flaky' }, { id: '1', sha: 'c1', token: '' });
    const r = await publish(other, { F: 'flaky' }, { id: '2', sha: 'c2', token: '' });
    expect(r.exitCode).toBe(0);
    expect(gh.requests).toEqual([]);
    expect(r.annotations.map((a) => a.message)).toContain('flaky-test issues skipped: no token');
  });

  it('a token that cannot open issues (403) is a warning: the tests are published and the run recorded', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pj-issues-'));
    await publish(dir, { F: 'flaky', G: 'pass' }, { id: '1', sha: 'c1' });
    gh.fail('POST /repos/{owner}/{repo}/issues', {
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    const r = await publish(dir, { F: 'flaky', G: 'fail' }, { id: '2', sha: 'c2' });
    expect(r.exitCode).toBe(0);
    expect(calls().slice(-1)).toEqual(['POST /repos/{owner}/{repo}/issues 403']);
    expect(warnings(r).filter((w) => !w.startsWith('Flaky: '))).toEqual([
      'flaky-test issues not brought up to date: POST /repos/octo-org/octo-repo/issues: HTTP 403: Resource not accessible by integration; grant "issues: write"',
    ]);
    expect(ours()).toEqual([]);
    expect(r.outputs).toMatchObject({ total: '2', failed: '1' });
    expect(JSON.parse(r.outputs['known-flaky'])).toEqual(['pkg.F']);
    expect(r.summary).toContain('pkg.F');
    expect(readdirSync(path.join(dir, 'e2e'))).toHaveLength(2);
  });
});
