import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { errors, run } from '../support/harness.js';
import { startFakeGitHub, type FakeGitHub } from './support/github-api.js';
import { makeWorkspace } from './support/workspace.js';

// The committed bundle, run the way the runner runs it (Node 24, INPUT_* and GITHUB_* files).
describe('select-tests bundle', () => {
  const ws = makeWorkspace();
  let gh: FakeGitHub;
  beforeAll(async () => {
    gh = await startFakeGitHub({
      token: 'ghs_live_token',
      issues: { 'virt-ci/demo#9': ['virt-ci/focus:sig-storage', 'virt-ci/skip:flaky'] },
    });
  });
  afterAll(() => gh.close());

  it('selects test-kvm from the profile and inventory, with outputs and a summary', async () => {
    const r = await run('select-tests', { workspace: ws, inputs: { environment: 'test-kvm' } });
    expect(errors(r)).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs['label-filter']).toBe('!l1hv-new && !mshv');
    expect(r.outputs.count).toBe('23');
    expect(JSON.parse(r.outputs.tests)).toHaveLength(23);
    expect(JSON.parse(r.outputs['args-json'])).toEqual(['--label-filter=!l1hv-new && !mshv']);
    expect(r.outputs.args).toBe(`'--label-filter=!l1hv-new && !mshv'`);
    expect(r.summary).toContain('`!l1hv-new && !mshv`');
    expect(r.summary).toContain('23 of 34');
  });

  it('args survive a real shell word for word', async () => {
    const r = await run('select-tests', {
      workspace: ws,
      inputs: { environment: 'dev', focus: "it's (re)connect", runner: 'ginkgo' },
    });
    expect(r.exitCode).toBe(0);
    const words = execFileSync('bash', ['-c', `printf '%s\\n' ${r.outputs.args}`], {
      encoding: 'utf8',
    });
    expect(words.trimEnd().split('\n')).toEqual(JSON.parse(r.outputs['args-json']));
  });

  it('reads PR labels live with the workflow token, masks it, and shards by past durations', async () => {
    const r = await run('select-tests', {
      workspace: ws,
      inputs: {
        environment: 'test-emulation',
        'shard-count': '2',
        'shard-index': '2',
        timings: 'timings/*.xml',
      },
      // The workflow token reaches the action through action.yml's ${{ github.token }} default.
      token: 'ghs_live_token',
      event: { pull_request: { number: 9, labels: [{ name: 'virt-ci/focus:stale-copy' }] } },
      env: { GITHUB_REPOSITORY: 'virt-ci/demo', GITHUB_API_URL: gh.url },
    });
    expect(errors(r)).toEqual([]);
    expect(r.masks).toContain('ghs_live_token');
    expect(r.outputs['label-filter']).toBe('sig-storage && !flaky');
    expect(Number(r.outputs.total)).toBe(5);
    expect(Number(r.outputs.count)).toBeGreaterThan(0);
    expect(Number(r.outputs.count)).toBeLessThan(5);
    expect(r.summary).toMatch(/\*\*2\*\* \(this job\)/);
    expect(gh.violations).toEqual([]);
  });

  it('emits the environment matrix', async () => {
    const r = await run('select-tests', { workspace: ws, inputs: { matrix: 'true' } });
    expect(r.exitCode).toBe(0);
    const m = JSON.parse(r.outputs.matrix) as { include: Array<Record<string, unknown>> };
    expect(m.include.map((e) => [e.environment, e.hypervisor])).toEqual([
      ['dev', 'auto'],
      ['test-kvm', 'kvm'],
      ['test-emulation', 'emulation'],
      ['test-mshv', 'mshv'],
    ]);
  });

  it('plans the matrix although the profile names files the test jobs make later', async () => {
    const planning = makeWorkspace({
      '.github/virt-ci.yaml':
        'version: 1\ndefaults:\n  tests: {inventory: _out/dry-run.json, quarantine: .github/quarantine.txt}\nenvironments:\n  e2e:\n    tests: {labelFilter: "!flaky"}\n',
    });
    const r = await run('select-tests', { workspace: planning, inputs: { matrix: 'true' } });
    expect(errors(r)).toEqual([]);
    expect(JSON.parse(r.outputs.matrix)).toEqual({
      include: [{ environment: 'e2e', hypervisor: 'auto', 'label-filter': '!flaky' }],
    });
    const job = await run('select-tests', {
      workspace: planning,
      inputs: { environment: 'e2e', quarantine: 'none' },
    });
    expect(errors(job)).toEqual([
      '.github/virt-ci.yaml: defaults.tests.inventory: "_out/dry-run.json" does not exist (relative to the workspace)',
    ]);
  });

  it('fails a bad filter with one Ginkgo-style line and no stack', async () => {
    const r = await run('select-tests', {
      workspace: ws,
      inputs: { 'label-filter': 'A: containsAny /[a]/' },
    });
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([
      'input "label-filter": syntax error at position 16: Set operations do not support regular expressions. In: A: containsAny >>/<<[a]/',
    ]);
    expect(r.stdout + r.stderr).not.toMatch(/^\s+at /m);
  });

  it('fails an unknown runner and a missing inventory with a clear line', async () => {
    const bad = await run('select-tests', { workspace: ws, inputs: { runner: 'nose' } });
    expect(errors(bad)).toEqual([
      'input "runner": "nose" is not allowed; allowed: ginkgo | go | jest | pytest | playwright | mocha',
    ]);
    const missing = await run('select-tests', {
      workspace: ws,
      inputs: { inventory: 'out/dry-run.json' },
    });
    expect(errors(missing)).toEqual([
      'input "inventory": "out/dry-run.json" does not exist (relative to the workspace)',
    ]);
  });
});
