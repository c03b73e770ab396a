import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { action } from '../../actions/publish-junit/action.js';
import { scaledPolicy } from '../../shared/retry.js';
import { run } from '../support/harness.js';
import { runInProcess } from '../support/in-process.js';
import { FakeGitHub } from './github-server.js';
import { junitXml, workspaceWith } from './make-report.js';

const publish = (ws: string, inputs: Record<string, string>) =>
  run('publish-junit', { workspace: ws, inputs: { 'check-run': 'false', ...inputs } });

describe('dashboard with this run’s own reports (aggregate and paths)', () => {
  it("annotates this run's failures only, not those of the other environments' jobs", async () => {
    const ws = workspaceWith({
      'kvm/junit.xml': junitXml({ suite: 'tests/kvm', passed: 3, failed: 2 }),
      'mshv/junit.xml': junitXml({ suite: 'tests/mshv', passed: 3, failed: 1 }),
    });
    // The test-kvm job: it annotates its own two failures.
    const kvm = await publish(ws, {
      name: 'JUnit test-kvm',
      paths: 'kvm/*.xml',
      output: 'results/test-kvm.json',
      'fail-on': 'none',
    });
    expect(kvm.annotations.filter((a) => a.level === 'error')).toHaveLength(2);

    // The dashboard job also ran the mshv tests itself.
    const d = await publish(ws, {
      aggregate: 'results/*.json',
      paths: 'mshv/*.xml',
      name: 'L1HV dashboard',
      'fail-on': 'none',
    });
    expect(d.exitCode).toBe(0);
    expect(d.outputs).toMatchObject({ total: '9', failed: '3' });
    const titles = d.annotations.filter((a) => a.level === 'error').map((a) => a.properties.title);
    expect(titles).toEqual(['Failed: tests/mshv › TestFail0']);
    expect(d.annotations.map((a) => a.message).join('\n')).not.toMatch(/more failing test/);
  });
});

describe('dashboard check run', () => {
  const gh = new FakeGitHub();
  beforeAll(async () => {
    await gh.start();
  });
  afterAll(async () => {
    await gh.stop();
  });

  it("carries the environments' results but annotates only this run's own failures", async () => {
    const ws = workspaceWith({
      'kvm/junit.xml': junitXml({ suite: 'tests/kvm', passed: 3, failed: 2 }),
      'mshv/junit.xml': junitXml({ suite: 'tests/mshv', passed: 3, failed: 1 }),
    });
    await publish(ws, {
      name: 'JUnit test-kvm',
      paths: 'kvm/*.xml',
      output: 'results/test-kvm.json',
      'fail-on': 'none',
    });
    const dashboard = (inputs: Record<string, string>) =>
      runInProcess('publish-junit', action, (real) => ({ ...real, retry: scaledPolicy(0) }), {
        workspace: ws,
        inputs: { aggregate: 'results/*.json', 'check-run': 'true', 'fail-on': 'none', ...inputs },
        token: 'ghs_testtoken0123456789',
        env: { GITHUB_API_URL: gh.url },
      });
    const annotated = () =>
      gh.requests
        .filter((q) => q.method === 'POST')
        .flatMap((q) => (q.body.output as { annotations: Array<{ title: string }> }).annotations)
        .map((a) => a.title);

    const only = await dashboard({ name: 'L1HV dashboard' });
    expect(only.exitCode).toBe(0);
    expect(only.outputs['check-url']).not.toBe('');
    expect(gh.requests[0].body).toMatchObject({ name: 'L1HV dashboard', conclusion: 'failure' });
    expect(annotated()).toEqual([]);
    expect(gh.violations).toEqual([]);
    gh.reset();

    const mixed = await dashboard({ name: 'L1HV dashboard', paths: 'mshv/*.xml' });
    expect(mixed.exitCode).toBe(0);
    expect(annotated()).toEqual(['Failed: tests/mshv › TestFail0']);
    expect(gh.violations).toEqual([]);
  });
});
