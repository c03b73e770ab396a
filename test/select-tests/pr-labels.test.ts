import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Input } from '../../actions/select-tests/names.gen.js';
import { resolvePrLabels, steeringLabels } from '../../actions/select-tests/pr-labels.js';
import { run } from '../../actions/select-tests/select-tests.js';
import { scaledPolicy } from '../../shared/retry.js';
import { startFakeGitHub, type FakeGitHub } from './support/github-api.js';
import { selectOptions, testDeps } from './support/select.js';
import { makeWorkspace } from './support/workspace.js';

// The GitHub API is not reachable from tests: a local server checks every request against
// GitHub's OpenAPI description (see support/github-api.ts).
describe('pull request labels', () => {
  let gh: FakeGitHub;
  const ws = makeWorkspace();
  const event = path.join(ws, 'event.json');
  const many = Array.from({ length: 130 }, (_, i) => `area/${i}`);
  const denied =
    'select-tests: the token may not read the labels of virt-ci/demo#42 (HTTP 401); using the labels in the event payload, which are those at the start of the run';
  beforeAll(async () => {
    gh = await startFakeGitHub({
      token: 'ghs_test_token',
      issues: {
        'virt-ci/demo#42': ['lgtm', 'virt-ci/focus:sig-network', 'virt-ci/skip:Serial'],
        'virt-ci/demo#43': [...many, 'virt-ci/focus:mshv'],
      },
    });
    writeFileSync(
      event,
      JSON.stringify({
        number: 42,
        pull_request: { number: 42, labels: [{ name: 'virt-ci/focus:stale' }] },
      }),
    );
  });
  afterAll(() => gh.close());

  const env = (extra: Record<string, string> = {}) => ({
    GITHUB_EVENT_PATH: event,
    GITHUB_REPOSITORY: 'virt-ci/demo',
    GITHUB_API_URL: gh.url,
    ...extra,
  });
  // The labels as the step reads them: its options from these inputs and the event, and
  // retries without the 2/4/8 s waits.
  const read = (values: Partial<Record<Input, string>> = {}, extra: Record<string, string> = {}) =>
    resolvePrLabels(selectOptions(ws, values, env(extra)).prLabels, scaledPolicy(0));

  it('without a token come from the event payload, as they were when the run started', async () => {
    const before = gh.requests.length;
    expect((await read()).labels).toEqual({
      names: ['virt-ci/focus:stale'],
      source: 'event',
    });
    expect(gh.requests.length).toBe(before);
  });

  it('with a token are read live, retrying a 503', async () => {
    gh.failNext(503);
    const before = gh.requests.length;
    const { labels, warnings } = await read({ token: 'ghs_test_token' });
    expect(labels).toEqual({
      names: ['lgtm', 'virt-ci/focus:sig-network', 'virt-ci/skip:Serial'],
      source: 'api',
    });
    expect(warnings).toEqual([]);
    expect(gh.requests.length - before).toBe(2);
    // Octokit's request: its page parameters, and GitHub's `token` scheme (GitHub takes
    // `Bearer` as well; the fake accepts both).
    expect(gh.requests.at(-1)).toEqual({
      method: 'GET',
      url: '/repos/virt-ci/demo/issues/42/labels?per_page=100&page=1',
      authorization: 'token ghs_test_token',
    });
    expect(gh.violations).toEqual([]);
  });

  it('follow Link pagination', async () => {
    writeFileSync(
      event.replace('event', 'event43'),
      JSON.stringify({ pull_request: { number: 43, labels: [] } }),
    );
    const { labels } = await read(
      { token: 'ghs_test_token' },
      { GITHUB_EVENT_PATH: event.replace('event', 'event43') },
    );
    expect(labels.names).toHaveLength(131);
    expect(steeringLabels(labels.names)).toEqual({ focus: ['mshv'], skip: [] });
    expect(gh.violations).toEqual([]);
  });

  it('fall back to the event when the token may not read them', async () => {
    const { labels, warnings } = await read({ token: 'wrong' });
    expect(labels).toEqual({ names: ['virt-ci/focus:stale'], source: 'event' });
    expect(warnings.map((w) => `select-tests: ${w}`)).toEqual([denied]);
  });

  it('the fallback is a warning of the step, which goes on', async () => {
    const outcome = await run(selectOptions(ws, { token: 'wrong' }, env()), testDeps());
    expect(outcome.failure).toBeUndefined();
    expect(outcome.warnings).toEqual([denied]);
    expect(outcome.result?.prLabels).toEqual({ names: ['virt-ci/focus:stale'], source: 'event' });
  });

  it('given as an input win over both', async () => {
    expect(
      (await read({ 'pr-labels': 'virt-ci/skip:mshv', token: 'ghs_test_token' })).labels,
    ).toEqual({
      names: ['virt-ci/skip:mshv'],
      source: 'input',
    });
  });

  it('a server that keeps failing fails the step with the call named', async () => {
    gh.failNext(502, 4);
    const before = gh.requests.length;
    await expect(read({ token: 'ghs_test_token' })).rejects.toThrow(
      /^GitHub API: reading the labels of virt-ci\/demo#42 failed after retries: .*HTTP 502/,
    );
    expect(gh.requests.length - before).toBe(4); // the first call and 3 retries
  });
});
