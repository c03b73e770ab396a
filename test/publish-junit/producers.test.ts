import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, run } from '../support/harness.js';

/**
 * Reports written by the real producers on this machine (jest + jest-junit, mocha +
 * mocha-junit-reporter, pytest in both JUnit families) from tiny test projects, then read by
 * the bundled action the way the runner runs it. Each project has one passing, one failing
 * and one skipped test, so the counts and the annotation's file and line are checked.
 */
const execFileP = promisify(execFile);
const bin = (p: string) => path.join(repoRoot, 'node_modules', p);

async function produce(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  // The projects fail on purpose: a non-zero exit is expected, a missing report is not.
  try {
    await execFileP(cmd, args, { cwd, env: { ...process.env, ...env }, timeout: 60_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`${cmd} is not installed: ${e.message}`);
  }
}

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pj-prod-'));
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

async function publish(workspace: string, paths: string) {
  const r = await run('publish-junit', { workspace, inputs: { paths, 'check-run': 'false' } });
  const errors = r.annotations.filter((a) => a.level === 'error' && a.properties.title);
  return { r, errors };
}

describe('jest + jest-junit', () => {
  let ws: string;
  beforeAll(async () => {
    ws = project({
      'jest.config.cjs': `module.exports = { testEnvironment: 'node', transform: {}, reporters: ['default', [${JSON.stringify(bin('jest-junit'))}, { outputDirectory: 'reports', outputName: 'jest.xml', addFileAttribute: 'true', classNameTemplate: '{classname}', titleTemplate: '{title}' }]] };`,
      'test/vm.test.js': [
        "describe('vm', () => {",
        "  test('boots', () => expect(1 + 1).toBe(2));",
        "  test('migrates', () => {",
        '    expect({ phase: "Failed" }).toEqual({ phase: "Running" });',
        '  });',
        "  test.skip('snapshots', () => {});",
        '});',
      ].join('\n'),
    });
    await produce(process.execPath, [bin('jest/bin/jest.js'), '--ci', '--rootDir', ws], ws);
  });

  it('counts and annotates the failure at its line', async () => {
    const { r, errors } = await publish(ws, 'reports/*.xml');
    expect(r.outputs).toMatchObject({
      total: '3',
      passed: '1',
      failed: '1',
      skipped: '1',
      conclusion: 'failure',
    });
    expect(errors).toHaveLength(1);
    expect(errors[0].properties).toMatchObject({
      title: 'Failed: vm › migrates',
      file: 'test/vm.test.js',
      line: '4',
    });
    expect(r.exitCode).toBe(1);
  });
});

describe('mocha + mocha-junit-reporter', () => {
  let ws: string;
  beforeAll(async () => {
    ws = project({
      'test/gate.spec.cjs': [
        "const assert = require('node:assert');",
        "describe('feature gate', function () {",
        "  it('is enabled', function () { assert.ok(true); });",
        "  it('is disabled again', function () {",
        '    assert.strictEqual("on", "off");',
        '  });',
        "  it.skip('survives an operator restart', function () {});",
        '});',
      ].join('\n'),
    });
    await produce(
      process.execPath,
      [
        bin('mocha/bin/mocha.js'),
        '--reporter',
        bin('mocha-junit-reporter'),
        '--reporter-options',
        'mochaFile=reports/mocha.xml,includePending=true',
        'test/gate.spec.cjs',
      ],
      ws,
    );
  });

  it('counts from test cases and finds the line in the stack', async () => {
    const { r, errors } = await publish(ws, 'reports/mocha.xml');
    expect(r.outputs).toMatchObject({ total: '3', passed: '1', failed: '1', skipped: '1' });
    expect(errors[0].properties).toMatchObject({ file: 'test/gate.spec.cjs', line: '5' });
  });
});

describe.each(['xunit1', 'xunit2'])('pytest (%s)', (family) => {
  let ws: string;
  beforeAll(async () => {
    ws = project({
      'tests/test_hv.py': [
        'import pytest',
        '',
        'def test_kvm_present():',
        '    assert True',
        '',
        'def test_mshv_present():',
        '    assert "kvm" == "mshv"',
        '',
        '@pytest.mark.skip(reason="no nested virt")',
        'def test_nested():',
        '    pass',
        '',
      ].join('\n'),
    });
    await produce(
      'pytest-3',
      [
        '-q',
        '-p',
        'no:cacheprovider',
        `--junitxml=reports/${family}.xml`,
        '-o',
        `junit_family=${family}`,
        'tests',
      ],
      ws,
    );
  });

  it('counts and locates the failure', async () => {
    const { r, errors } = await publish(ws, `reports/${family}.xml`);
    expect(r.outputs).toMatchObject({
      total: '3',
      passed: '1',
      failed: '1',
      skipped: '1',
      'pass-rate': '50',
    });
    expect(errors[0].properties).toMatchObject({
      title: 'Failed: tests.test_hv › test_mshv_present',
      file: 'tests/test_hv.py',
      line: '7',
    });
    const results = JSON.parse(readFileSync(r.outputs.results, 'utf8'));
    expect(results.failures[0].message).toMatch(/AssertionError/);
  });
});
