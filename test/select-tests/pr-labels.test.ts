import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { resolvePrLabels, steeringLabels } from '../../actions/select-tests/pr-labels.js';
import { startFakeGitHub, type FakeGitHub } from './support/github-api.js';
import { makeWorkspace } from './support/workspace.js';

// The GitHub API is not reachable from tests: a local server checks every request against
// GitHub's OpenAPI description (see support/github-api.ts).
describe('pull request labels', () => {
  let gh: FakeGitHub;
  const ws = makeWorkspace();
  const event = path.join(ws, 'event.json');
  const many = Array.from({ length: 130 }, (_, i) => `area/${i}`);
  const scale = process.env.VIRT_CI_RETRY_SCALE;
  beforeAll(async () => {
    // The retry policy reads its scale from the process: keep the 2/4/8 s waits short here.
    process.env.VIRT_CI_RETRY_SCALE = '0.001';
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
  afterAll(async () => {
    if (scale === undefined) delete process.env.VIRT_CI_RETRY_SCALE;
    else process.env.VIRT_CI_RETRY_SCALE = scale;
    await gh.close();
  });

  const env = (extra: Record<string, string> = {}) => ({
    GITHUB_EVENT_PATH: event,
    GITHUB_REPOSITORY: 'virt-ci/demo',
    GITHUB_API_URL: gh.url,
    ...extra,
  });

  it('without a token come from the event payload, as they were when the run started', async () => {
    const before = gh.requests.length;
    expect(await resolvePrLabels({ env: env() })).toEqual({
      names: ['virt-ci/focus:stale'],
      source: 'event',
    });
    expect(gh.requests.length).toBe(before);
  });

  it('with a token are read live, retrying a 503', async () => {
    gh.failNext(503);
    const labels = await resolvePrLabels({ token: 'ghs_test_token', env: env() });
    expect(labels).toEqual({
      names: ['lgtm', 'virt-ci/focus:sig-network', 'virt-ci/skip:Serial'],
      source: 'api',
    });
    expect(gh.requests.at(-1)).toEqual({
      method: 'GET',
      url: '/repos/virt-ci/demo/issues/42/labels?per_page=100',
      authorization: 'Bearer ghs_test_token',
    });
    expect(gh.violations).toEqual([]);
  });

  it('follow Link pagination', async () => {
    writeFileSync(
      event.replace('event', 'event43'),
      JSON.stringify({ pull_request: { number: 43, labels: [] } }),
    );
    const labels = await resolvePrLabels({
      token: 'ghs_test_token',
      env: env({ GITHUB_EVENT_PATH: event.replace('event', 'event43') }),
    });
    expect(labels.names).toHaveLength(131);
    expect(steeringLabels(labels.names)).toEqual({ focus: ['mshv'], skip: [] });
    expect(gh.violations).toEqual([]);
  });

  it('fall back to the event when the token may not read them', async () => {
    const labels = await resolvePrLabels({ token: 'wrong', env: env() });
    expect(labels).toEqual({ names: ['virt-ci/focus:stale'], source: 'event' });
  });

  it('given as an input win over both', async () => {
    expect(
      await resolvePrLabels({
        explicit: ['virt-ci/skip:mshv'],
        token: 'ghs_test_token',
        env: env(),
      }),
    ).toEqual({
      names: ['virt-ci/skip:mshv'],
      source: 'input',
    });
  });

  it('a server that keeps failing fails the step with the call named', async () => {
    gh.failNext(502, 4);
    const before = gh.requests.length;
    await expect(resolvePrLabels({ token: 'ghs_test_token', env: env() })).rejects.toThrow(
      /^GitHub API: reading the labels of virt-ci\/demo#42 failed after retries: .*HTTP 502/,
    );
    expect(gh.requests.length - before).toBe(4); // the first call and 3 retries
  });
});
