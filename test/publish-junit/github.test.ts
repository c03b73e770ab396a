import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { action } from '../../actions/publish-junit/action.js';
import { scaledPolicy } from '../../shared/retry.js';
import { errors } from '../support/harness.js';
import { runInProcess } from '../support/in-process.js';
import { FakeGitHub } from './github-server.js';
import { junitXml, workspaceWith } from './make-report.js';

/**
 * Check runs and sticky comments, through the action run as the runner runs it (in this
 * process, so retries wait for nothing), against a local stand-in of the GitHub REST API
 * that validates every request with GitHub's OpenAPI description.
 */
const gh = new FakeGitHub();
const HEAD = 'feedfacefeedfacefeedfacefeedfacefeedface';
const prEvent = (fork = false) => ({
  pull_request: {
    number: 42,
    head: { sha: HEAD, repo: { full_name: fork ? 'someone/octo-repo' : 'octo-org/octo-repo' } },
  },
  repository: { full_name: 'octo-org/octo-repo' },
});

function publish(ws: string, inputs: Record<string, string>, event?: unknown) {
  return runInProcess('publish-junit', action, (real) => ({ ...real, retry: scaledPolicy(0) }), {
    workspace: ws,
    inputs: { paths: 'reports/*.xml', ...inputs },
    token: 'ghs_testtoken0123456789',
    env: { GITHUB_API_URL: gh.url },
    ...(event ? { event, eventName: 'pull_request' } : {}),
  });
}

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

describe('check run', () => {
  it('sends annotations 50 per request and keeps the texts under the limits', async () => {
    const ws = workspaceWith({
      'reports/a.xml': junitXml({ passed: 5, failed: 120, detailBytes: 2000 }),
    });
    const r = await publish(ws, { annotations: '120' }, prEvent());
    expect(r.outputs.failed).toBe('120');
    const calls = gh.requests.map((q) => `${q.method} ${q.template} ${q.status}`);
    expect(calls).toEqual([
      'POST /repos/{owner}/{repo}/check-runs 201',
      'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id} 200',
      'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id} 200',
    ]);
    const sizes = gh.requests.map(
      (q) => (q.body.output as { annotations: unknown[] }).annotations.length,
    );
    expect(sizes).toEqual([50, 50, 20]);
    const [created] = gh.requests;
    expect(created.body).toMatchObject({
      name: 'JUnit',
      head_sha: HEAD,
      status: 'completed',
      conclusion: 'failure',
    });
    const output = created.body.output as { summary: string; text: string; title: string };
    expect(output.summary.length).toBeLessThanOrEqual(65_535);
    expect(output.text.length).toBeLessThanOrEqual(65_535);
    expect(output.title).toMatch(/^❌ JUnit: 125 tests, 5 passed, 120 failed/);
    const id = [...gh.checkRuns.keys()][0];
    expect(r.outputs['check-url']).toBe(`https://github.com/octo-org/octo-repo/runs/${id}`);
    expect(gh.checkRuns.get(id)!.annotationsReceived).toHaveLength(120);
    // The token is masked and shows nowhere else in the log.
    expect(r.stdout.replace(/^::add-mask::.*$/m, '')).not.toContain('ghs_testtoken0123456789');
    expect(r.masks).toContain('ghs_testtoken0123456789');
  });

  it('retries 5xx and 429 answers and creates the check run once', async () => {
    const ws = workspaceWith({ 'reports/a.xml': junitXml({ passed: 3 }) });
    gh.fail(
      'POST /repos/{owner}/{repo}/check-runs',
      { status: 502 },
      { status: 429, headers: { 'retry-after': '0' } },
    );
    const r = await publish(ws, {});
    expect(r.exitCode).toBe(0);
    expect(gh.requests.map((q) => q.status)).toEqual([502, 429, 201]);
    expect(gh.checkRuns.size).toBe(1);
    expect(r.outputs['check-url']).toMatch(/\/runs\/\d+$/);
    expect(r.outputs.conclusion).toBe('success');
  });

  it('auto: skips a fork pull request with a notice, without calling the API', async () => {
    const ws = workspaceWith({ 'reports/a.xml': junitXml({ passed: 2 }) });
    const r = await publish(ws, {}, prEvent(true));
    expect(r.exitCode).toBe(0);
    expect(gh.requests).toEqual([]);
    expect(r.annotations.filter((a) => a.level === 'notice').map((a) => a.message)).toEqual([
      'check run skipped: a pull request from a fork gets a read-only token (set check-run: false to silence this)',
    ]);
  });

  it('auto: a 403 becomes a notice; true: it fails the step with one line', async () => {
    const ws = workspaceWith({ 'reports/a.xml': junitXml({ passed: 2 }) });
    const denied = { status: 403, body: { message: 'Resource not accessible by integration' } };
    gh.fail('POST /repos/{owner}/{repo}/check-runs', denied);
    const auto = await publish(ws, {});
    expect(auto.exitCode).toBe(0);
    expect(auto.annotations.find((a) => a.level === 'notice')?.message).toMatch(
      /^check run skipped: the token cannot write checks \(POST \/repos\/octo-org\/octo-repo\/check-runs: HTTP 403: Resource not accessible by integration\)/,
    );
    gh.fail('POST /repos/{owner}/{repo}/check-runs', denied);
    const forced = await publish(ws, { 'check-run': 'true' });
    expect(forced.exitCode).toBe(1);
    expect(errors(forced)).toEqual([
      'publish-junit "JUnit": check-run: POST /repos/octo-org/octo-repo/check-runs: HTTP 403: Resource not accessible by integration',
    ]);
  });
});

describe('publishing that fails after the tests passed', () => {
  it('warns with the reason and keeps the verdict: a check run that cannot be made, a comment that cannot be written', async () => {
    const ws = workspaceWith({ 'reports/a.xml': junitXml({ passed: 2 }) });
    const down = { status: 503, body: { message: 'Service Unavailable' } };
    gh.fail('POST /repos/{owner}/{repo}/check-runs', down, down, down, down);
    gh.fail('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', down, down, down, down);
    const r = await publish(ws, { comment: 'always' }, prEvent());
    expect(r.exitCode).toBe(0);
    const warnings = r.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^check run not created: POST \/repos\/octo-org\/octo-repo\/check-runs: HTTP 503: Service Unavailable; the results are in the job summary/,
      ),
      expect.stringMatching(
        /^comment not written: GET \/repos\/octo-org\/octo-repo\/issues\/\d+\/comments: HTTP 503/,
      ),
    ]);
    expect(errors(r)).toEqual([]);
  });
});

describe('sticky comment', () => {
  it('creates one comment per name and updates it in place', async () => {
    const failing = workspaceWith({ 'reports/a.xml': junitXml({ passed: 2, failed: 1 }) });
    const fixed = workspaceWith({ 'reports/a.xml': junitXml({ passed: 3 }) });
    const opts = { comment: 'always', 'check-run': 'false', 'fail-on': 'none' };
    await publish(failing, { ...opts, name: 'test-kvm' }, prEvent());
    await publish(failing, { ...opts, name: 'test-mshv' }, prEvent());
    expect(gh.comments).toHaveLength(2);
    const [kvm] = gh.comments;
    expect(kvm.body).toMatch(
      /^<!-- virt-ci\/publish-junit: test-kvm -->\n### ❌ test-kvm: 3 tests, 2 passed, 1 failed/,
    );
    const r = await publish(fixed, { ...opts, name: 'test-kvm' }, prEvent());
    expect(gh.comments).toHaveLength(2);
    expect(gh.comments[0].id).toBe(kvm.id);
    expect(gh.comments[0].body).toMatch(/### ✅ test-kvm: 3 tests, 3 passed/);
    expect(gh.requests.at(-1)).toMatchObject({
      method: 'PATCH',
      template: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    });
    expect(r.exitCode).toBe(0);
  });

  it('finds its comment again on a later page of a long conversation', async () => {
    const ws = workspaceWith({ 'reports/a.xml': junitXml({ passed: 2, failed: 1 }) });
    for (let i = 0; i < 120; i++) gh.comments.push({ id: 1 + i, issue: 42, body: `review ${i}` });
    const opts = { comment: 'always', 'check-run': 'false', 'fail-on': 'none' };
    await publish(ws, opts, prEvent());
    expect(gh.comments).toHaveLength(121);
    const sticky = gh.comments.at(-1)!;
    gh.requests.length = 0;
    await publish(ws, opts, prEvent());
    expect(gh.comments).toHaveLength(121);
    expect(gh.requests.map((q) => `${q.method} ${q.query.get('page') ?? ''}`)).toEqual([
      'GET 1',
      'GET 2',
      'PATCH ',
    ]);
    expect(gh.requests.at(-1)?.path).toBe(`/repos/octo-org/octo-repo/issues/comments/${sticky.id}`);
  });

  it('failures: no comment for a passing run, but an earlier one is refreshed', async () => {
    const passing = workspaceWith({ 'reports/a.xml': junitXml({ passed: 3 }) });
    const failing = workspaceWith({ 'reports/a.xml': junitXml({ passed: 2, failed: 1 }) });
    const opts = { comment: 'failures', 'check-run': 'false', 'fail-on': 'none' };
    await publish(passing, opts, prEvent());
    expect(gh.comments).toEqual([]);
    await publish(failing, opts, prEvent());
    expect(gh.comments).toHaveLength(1);
    await publish(passing, opts, prEvent());
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0].body).toMatch(/✅ JUnit: 3 tests, 3 passed/);
  });

  it('skips with a notice outside a pull request', async () => {
    const ws = workspaceWith({ 'reports/a.xml': junitXml({ passed: 1 }) });
    const r = await publish(ws, { comment: 'always', 'check-run': 'false' });
    expect(gh.requests).toEqual([]);
    expect(r.annotations.map((a) => a.message)).toContain(
      'comment skipped: push event is not a pull request',
    );
  });
});
