import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { jestConfig, project, publish, runJest } from './producer-project.js';

/**
 * Which results are one test: reports written here by the real jest + jest-junit, published by
 * the bundled action. The counts asserted are jest's own (its exit code and the report's
 * testsuites totals), never a result folded into another identity.
 */

/** The totals the producer wrote on the report's root: what jest itself counted. */
function declared(file: string): { tests: number; failures: number } {
  const m = /<testsuites[^>]*tests="(\d+)" failures="(\d+)"/.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`${file}: no totals on the root`);
  return { tests: Number(m[1]), failures: Number(m[2]) };
}

describe('identity: one jest report', () => {
  let ws: string;
  beforeAll(async () => {
    ws = project({
      'jest.config.cjs': jestConfig('reports'),
      // A monorepo: one test name in two packages, failing in one of them.
      'packages/a/ui.test.js':
        "describe('ui', () => { test('renders', () => { expect({ phase: 'Failed' }).toEqual({ phase: 'Running' }); }); });\n",
      'packages/b/ui.test.js': [
        "describe('ui', () => { test('renders', () => { expect(1).toBe(1); }); });",
        // The same describe block declared twice: jest runs and counts both.
        "describe('ui', () => {",
        "  test('renders', () => { expect(2).toBe(3); });",
        // Nameless tests: each is one test.
        "  test('', () => { expect(2).toBe(3); });",
        "  test('', () => { expect(2).toBe(2); });",
        "  test('', () => { expect(4).toBe(4); });",
        '});',
        '',
      ].join('\n'),
    });
    await runJest(ws);
  });

  it('counts what jest counts: a failure is never folded into a pass of the same name', async () => {
    const jestSays = declared(path.join(ws, 'reports/jest.xml'));
    expect(jestSays).toEqual({ tests: 6, failures: 3 });
    const { r, errors } = await publish(ws, 'reports/*.xml');
    expect(r.outputs).toMatchObject({
      total: '6',
      passed: '3',
      failed: '3',
      flaky: '0',
      conclusion: 'failure',
    });
    expect(r.exitCode).toBe(1);
    // Every failure is listed and annotated, the one in packages/a too.
    const results = JSON.parse(readFileSync(r.outputs.results, 'utf8'));
    expect(results.failures).toHaveLength(3);
    expect(errors).toHaveLength(3);
    expect(errors.map((e) => e.properties.file).sort()).toEqual([
      'packages/a/ui.test.js',
      'packages/b/ui.test.js',
      'packages/b/ui.test.js',
    ]);
  });
});

describe('identity: reports of two environments', () => {
  let ws: string;
  beforeAll(async () => {
    ws = project({
      'jest.config.cjs': jestConfig('reports'),
      'test/migrate.test.js':
        "test('migrates', () => { expect(process.env.HV).toBe('kvm'); });\ntest('boots', () => {});\n",
    });
    await runJest(ws, { HV: 'mshv', OUT: path.join(ws, 'reports/mshv'), NAME: 'junit.xml' });
    await runJest(ws, { HV: 'kvm', OUT: path.join(ws, 'reports/kvm'), NAME: 'junit.xml' });
  });

  it('never merges results of different directories: mshv fails, whatever the order', async () => {
    expect(declared(path.join(ws, 'reports/mshv/junit.xml')).failures).toBe(1);
    expect(declared(path.join(ws, 'reports/kvm/junit.xml')).failures).toBe(0);
    // kvm sorts before mshv and after it (reversed): the failure stays a failure.
    for (const paths of ['reports/*/junit.xml', 'reports/mshv/junit.xml\nreports/kvm/junit.xml']) {
      const { r, errors } = await publish(ws, paths);
      expect(r.outputs).toMatchObject({ total: '4', passed: '3', failed: '1', flaky: '0' });
      expect(r.outputs.conclusion).toBe('failure');
      expect(errors[0].properties.title).toBe('Failed: migrates');
    }
  });
});

describe('identity: a run and its rerun in one directory', () => {
  let ws: string;
  beforeAll(async () => {
    ws = project({
      'jest.config.cjs': jestConfig('reports'),
      'test/migrate.test.js':
        "test('migrates', () => { expect(process.env.ATTEMPT).toBe('2'); });\ntest('boots', () => {});\n",
    });
    await runJest(ws, { ATTEMPT: '1', OUT: path.join(ws, 'reports'), NAME: 'junit.xml' });
    // jest-junit stamps each suite with the second it started: the rerun must be later.
    await new Promise((r) => setTimeout(r, 1100));
    await runJest(ws, { ATTEMPT: '2', OUT: path.join(ws, 'reports'), NAME: 'junit.rerun.xml' });
  });

  it('reads the rerun after the run by its timestamp, not its name: one flaky test, success', async () => {
    // "junit.rerun.xml" sorts before "junit.xml"; the rerun is read second all the same.
    const { r, errors } = await publish(ws, 'reports/*.xml');
    expect(r.outputs).toMatchObject({
      total: '2',
      passed: '2',
      failed: '0',
      flaky: '1',
      conclusion: 'success',
    });
    expect(errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    // Read in the order the runs started: the failure first, then the rerun's pass, which
    // is where the flaky warning points.
    const flaky = r.annotations.filter((a) => a.level === 'warning');
    expect(flaky.map((a) => [a.properties.title, a.properties.file])).toEqual([
      ['Flaky: migrates', 'reports/junit.rerun.xml'],
    ]);
    expect(flaky[0].message).toMatch(/^Flaky: failed 1 time\(s\), then passed\./);
  });

  it('without timestamps, orders by file time', async () => {
    // The same reports with their timestamps taken out: the files' times order them.
    mkdirSync(path.join(ws, 'plain'), { recursive: true });
    for (const [f, when] of [
      ['junit.xml', 1_700_000_000],
      ['junit.rerun.xml', 1_700_000_100],
    ] as const) {
      const text = readFileSync(path.join(ws, 'reports', f), 'utf8');
      const out = path.join(ws, 'plain', f);
      writeFileSync(out, text.replace(/ timestamp="[^"]*"/g, ''));
      utimesSync(out, when, when);
    }
    const { r } = await publish(ws, 'plain/*.xml');
    expect(r.outputs).toMatchObject({ total: '2', failed: '0', flaky: '1' });
    const flaky = r.annotations.filter((a) => a.level === 'warning');
    expect(flaky.map((a) => a.properties.file)).toEqual(['plain/junit.rerun.xml']);
  });
});
