import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { errors, fixtures, repoRoot, run } from '../support/harness.js';
import { collect, findFiles } from '../../actions/publish-junit/collect.js';
import { junitXml, workspaceWith } from './make-report.js';

/** publish-junit's bundle run the way the runner runs it, on reports written into a workspace. */
const seedProfile = readFileSync(path.join(repoRoot, '.github', 'virt-ci.yaml'), 'utf8');
const publish = (
  ws: string,
  inputs: Record<string, string> = {},
  env: Record<string, string> = {},
) => run('publish-junit', { workspace: ws, inputs: { 'check-run': 'false', ...inputs }, env });

describe('publish-junit e2e', () => {
  it("reads the profile's junit globs and names the results after the environment", async () => {
    const ws = workspaceWith({
      '.github/virt-ci.yaml': seedProfile,
      '_out/artifacts/junit/junit.functest.xml': junitXml({ passed: 7, skipped: 2, failed: 1 }),
    });
    const r = await publish(ws, { environment: 'test-kvm', 'fail-on': 'none' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({
      total: '10',
      passed: '7',
      failed: '1',
      errors: '0',
      skipped: '2',
      flaky: '0',
      'pass-rate': '87.5',
      duration: '1.57',
      conclusion: 'failure',
      'check-url': '',
      'artifact-id': '',
    });
    expect(r.summary).toMatch(/^### ❌ JUnit test-kvm: 10 tests, 7 passed, 1 failed, 2 skipped/);
    // Failures come before the suites and the slowest tests, with the stack collapsed.
    const order = ['#### Failures', '<details><summary>❌', 'Suites (1)', 'Slowest tests'].map(
      (s) => r.summary.indexOf(s),
    );
    expect(order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1]))).toBe(true);
    const results = JSON.parse(readFileSync(r.outputs.results, 'utf8'));
    expect(results).toMatchObject({
      version: 1,
      name: 'JUnit test-kvm',
      environment: 'test-kvm',
      totals: { total: 10, failed: 1 },
      reports: ['_out/artifacts/junit/junit.functest.xml'],
    });
  });

  it('takes the message from the details when the producer leaves it out: the matcher line first', async () => {
    // jest-junit writes <failure> with the whole error as text and no message attribute.
    const ws = workspaceWith({
      'r/jest.xml': readFileSync(
        path.join(
          fixtures,
          'conformance',
          'junit',
          'test-reporter',
          '__tests____fixtures__jest-junit.xml',
        ),
        'utf8',
      ),
    });
    const r = await publish(ws, { paths: 'r/*.xml', 'fail-on': 'none' });
    expect(r.summary).toContain(
      '| ❌ | Test 1 › Test 1.1 › Failing test | expect(received).toBeTruthy() |',
    );
    // The annotation carries what expect compared, not only the matcher.
    const ann = r.annotations.find(
      (a) => a.properties.title === 'Failed: Test 1 › Test 1.1 › Failing test',
    );
    expect(ann?.message).toMatch(/^expect\(received\)\.toBeTruthy\(\)\nReceived: false$/);
    expect(r.summary).toContain('| ❌ | Test 2 › Exception in test | Error: Some error |');
  });
});

describe('publish-junit e2e: failing the step, flaky tests and annotations', () => {
  it('fails the step on failures by default, on errors only with fail-on: errors', async () => {
    const ws = workspaceWith({ 'r/a.xml': junitXml({ passed: 1, failed: 2 }) });
    const r = await publish(ws, { paths: 'r/*.xml' });
    expect(r.exitCode).toBe(1);
    expect(errors(r).at(-1)).toBe(
      'publish-junit "JUnit": 2 of 3 tests failed (2 failures, 0 errors)',
    );
    expect(r.outputs.failed).toBe('2');
    const lenient = await publish(ws, { paths: 'r/*.xml', 'fail-on': 'errors' });
    expect(lenient.exitCode).toBe(0);
  });

  it('counts a test that failed in one report and passed in another as flaky, not failed', async () => {
    const first = `<testsuite name="s"><testcase classname="c" name="TestBoot"><failure message="timeout"/></testcase><testcase classname="c" name="TestStop"/></testsuite>`;
    const rerun = `<testsuite name="s"><testcase classname="c" name="TestBoot"/></testsuite>`;
    const ws = workspaceWith({ 'r/1.xml': first, 'r/2-rerun.xml': rerun });
    const r = await publish(ws, { paths: 'r/*.xml' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({
      total: '2',
      passed: '2',
      failed: '0',
      flaky: '1',
      conclusion: 'success',
    });
    expect(
      r.annotations.filter((a) => a.level === 'warning').map((a) => a.properties.title),
    ).toEqual(['Flaky: c › TestBoot']);
    expect(r.summary).toContain('🔁 Flaky tests (1)');
    const off = await publish(ws, { paths: 'r/*.xml', flaky: 'false' });
    expect(off.outputs).toMatchObject({ total: '3', failed: '1', flaky: '0' });
  });

  it('caps annotations and says how many were left out', async () => {
    const ws = workspaceWith({ 'r/a.xml': junitXml({ failed: 10 }) });
    const r = await publish(ws, { paths: 'r/*.xml', annotations: '3', 'fail-on': 'none' });
    const failed = r.annotations.filter((a) => a.properties.title?.startsWith('Failed: '));
    expect(failed).toHaveLength(3);
    expect(r.annotations.find((a) => a.properties.title === 'More failures')?.message).toBe(
      '7 more failing test(s) not annotated (annotations: 3); see the job summary "JUnit".',
    );
  });
});

describe('publish-junit e2e: broken and missing reports', () => {
  it('reports a broken file by name and line and still publishes the good one', async () => {
    const ws = workspaceWith({
      'r/good.xml': junitXml({ passed: 4 }),
      'r/broken.xml':
        '<testsuite name="x">\n<testcase name="a">\n<failure>oops</testcase>\n</testsuite>\n',
    });
    const r = await publish(ws, { paths: 'r/*.xml' });
    expect(r.exitCode).toBe(1);
    const unreadable = r.annotations.find((a) => a.properties.title === 'Unreadable JUnit report');
    expect(unreadable?.properties).toMatchObject({ file: 'r/broken.xml', line: '3' });
    expect(r.outputs).toMatchObject({ total: '4', passed: '4', conclusion: 'failure' });
    expect(errors(r).at(-1)).toMatch(
      /^publish-junit "JUnit": 1 report\(s\) could not be read \(r\/broken\.xml:3: not valid XML: /,
    );
  });

  it('no reports: neutral with a notice; fails with require-tests', async () => {
    const ws = workspaceWith({});
    const r = await publish(ws, { paths: 'nothing/*.xml' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ total: '0', conclusion: 'neutral', 'pass-rate': '0' });
    expect(r.annotations.map((a) => a.message)).toContain('no JUnit report matched nothing/*.xml');
    const strict = await publish(ws, { paths: 'nothing/*.xml', 'require-tests': 'true' });
    expect(strict.exitCode).toBe(1);
    expect(errors(strict)).toEqual([
      'publish-junit "JUnit": no test cases found in 0 report(s) (require-tests is on; paths: nothing/*.xml)',
    ]);
  });
});

describe('publish-junit e2e: limits, wrong inputs and every conformance fixture', () => {
  it('keeps the job summary under 1 MiB whatever the input', async () => {
    // 6 KB class names make even the capped failure table larger than GitHub allows.
    const ws = workspaceWith({
      'r/a.xml': junitXml({ suite: 'L'.repeat(6000), failed: 1500, passed: 10, detailBytes: 3000 }),
    });
    const r = await publish(ws, { paths: 'r/*.xml', 'fail-on': 'none' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs.failed).toBe('1500');
    expect(Buffer.byteLength(r.summary)).toBeLessThan(1024 * 1024);
    expect(Buffer.byteLength(r.summary)).toBeGreaterThan(900 * 1024);
    expect(r.summary).toMatch(/^### ❌ JUnit: 1510 tests/);
    expect(r.summary).toContain("_…trimmed to fit GitHub's limit._");
  });

  it('rejects a bad input with one line naming it', async () => {
    const ws = workspaceWith({});
    const r = await publish(ws, { 'fail-on': 'sometimes' });
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([
      'input "fail-on": "sometimes" is not allowed; allowed: failures | errors | none',
    ]);
    const days = await publish(ws, { 'retention-days': '400' });
    expect(errors(days)).toEqual(['input "retention-days": 400 is above the maximum 90']);
  });

  it('reads all the conformance fixtures through the bundle as the library does', async () => {
    const r = await run('publish-junit', {
      workspace: fixtures,
      inputs: { paths: 'conformance/junit/**/*.xml', 'check-run': 'false', 'fail-on': 'none' },
    });
    expect(r.exitCode).toBe(0);
    // Per-file expectations are in conformance.test.ts. Read together, a test failing in one
    // report and repeated in another folds in as a rerun, so the bundle is compared with the
    // library reading the same files in one go.
    const files = await findFiles(['conformance/junit/**/*.xml'], fixtures);
    const { tally, broken } = await collect(files, { workspace: fixtures, flaky: true });
    const t = tally.totals;
    expect(files).toHaveLength(61);
    expect(broken).toHaveLength(3);
    expect(t.total).toBeGreaterThan(5000);
    expect(r.outputs).toMatchObject({
      total: String(t.total),
      passed: String(t.passed),
      failed: String(t.failed),
      errors: String(t.errors),
      skipped: String(t.skipped),
      flaky: String(t.flaky),
    });
    const unreadable = r.annotations.filter(
      (a) => a.properties.title === 'Unreadable JUnit report',
    );
    expect(unreadable).toHaveLength(3);
  });
});

describe('dashboard (aggregate)', () => {
  it('lays the environments side by side with pass rate, failures and flaky tests', async () => {
    const ws = workspaceWith({
      '.github/virt-ci.yaml': seedProfile,
      'kvm/junit.xml': junitXml({ passed: 9, failed: 1 }),
      'emu/junit.xml': junitXml({ passed: 10, flaky: 1 }),
      'mshv/junit.xml': junitXml({ passed: 4, skipped: 6 }),
    });
    for (const [env, dir] of [
      ['test-kvm', 'kvm'],
      ['test-emulation', 'emu'],
      ['test-mshv', 'mshv'],
    ]) {
      const r = await publish(ws, {
        environment: env,
        paths: `${dir}/*.xml`,
        output: `results/${env}.json`,
        'fail-on': 'none',
      });
      expect(r.exitCode).toBe(0);
      expect(r.outputs.results).toBe(path.join(ws, 'results', `${env}.json`));
    }
    const d = await publish(ws, {
      aggregate: 'results/*.json',
      name: 'L1HV dashboard',
      'fail-on': 'none',
    });
    expect(d.exitCode).toBe(0);
    expect(d.outputs).toMatchObject({
      total: '31',
      passed: '24',
      failed: '1',
      skipped: '6',
      flaky: '1',
      conclusion: 'failure',
      'pass-rate': '96',
    });
    expect(d.summary).toMatch(
      /^### ❌ L1HV dashboard: 3 environment\(s\), 31 tests, 96% pass rate/,
    );
    const run1001 = 'https://github.com/octo-org/octo-repo/actions/runs/1001';
    const rows = d.summary.split('\n').filter((l) => /^\| (\[test-|\*\*all)/.test(l));
    // In the profile's order (test-kvm, test-emulation, test-mshv), not alphabetical.
    expect(rows).toEqual([
      `| [test-kvm](${run1001}) | ❌ | 90% | 10 | 9 | 1 | 0 | 0 | 0 | 1.6s |`,
      `| [test-emulation](${run1001}) | ✅ | 100% | 11 | 11 | 0 | 0 | 0 | 1 | 4.1s |`,
      `| [test-mshv](${run1001}) | ✅ | 100% | 10 | 4 | 0 | 0 | 6 | 0 | 40ms |`,
      '| **all** | ❌ | 96% | 31 | 24 | 1 | 0 | 6 | 1 | 5.7s |',
    ]);
    expect(d.summary).toContain('| kubevirt.io/kubevirt/tests/l1hv › TestFail0 | test-kvm |');
    // The profile's "dev" environment sent nothing: said, not passed over.
    expect(d.summary).toContain('⚠️ No results from 1 environment(s) of the profile: dev');
    expect(d.annotations.map((a) => a.message)).toContain(
      'no results file from 1 environment(s) of the profile: dev',
    );
    // Each environment's job annotated its own failures; the dashboard does not repeat them.
    expect(d.annotations.filter((a) => a.properties.file || a.level === 'error')).toEqual([]);
  });

  it('names a file that is not a results file', async () => {
    const ws = workspaceWith({ 'results/x.json': '{"hello": 1}' });
    const r = await publish(ws, { aggregate: 'results/*.json' });
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([
      'results/x.json: not a publish-junit results file (version 1 with name and totals expected); write one with the "output" input',
    ]);
  });
});

describe('artifact', () => {
  it('fails with one line outside a job that can upload, after publishing the rest', async () => {
    const ws = workspaceWith({ 'r/a.xml': junitXml({ passed: 1 }) });
    const r = await publish(ws, { paths: 'r/*.xml', artifact: 'junit-test-kvm' });
    expect(r.exitCode).toBe(1);
    expect(r.outputs.total).toBe('1');
    expect(errors(r)).toEqual([
      'publish-junit "JUnit": input "artifact": cannot upload "junit-test-kvm": ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are not set (artifacts work only inside a GitHub Actions job)',
    ]);
  });
});
