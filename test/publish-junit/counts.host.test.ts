import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireTools } from '../support/tools.js';
import { produce, project, publish } from './producer-project.js';

/**
 * Counts, messages and locations from reports the real gotestsum (over go test), pytest (with
 * pytest-rerunfailures) and GoogleTest write on this machine. What each producer says about its own run is asserted
 * next to what publish-junit publishes.
 */
requireTools('gotestsum', 'go', 'pytest-3', 'g++');

// go needs a cache and a home; both stay in a temporary folder of the test's own.
const goHome = mkdtempSync(path.join(os.tmpdir(), 'pj-go-'));
const goEnv = {
  HOME: goHome,
  GOCACHE: path.join(goHome, 'cache'),
  GOPATH: path.join(goHome, 'gopath'),
  GOFLAGS: '-mod=mod',
  GOTOOLCHAIN: 'local',
  GOPROXY: 'off',
};

const goModule = (files: Record<string, string>) =>
  project({ 'go.mod': 'module example.com/hv\n\ngo 1.19\n', ...files });

describe('gotestsum --rerun-fails', () => {
  let ws: string;
  beforeAll(async () => {
    ws = goModule({
      'pkg/vm/vm_test.go': [
        'package vm',
        '',
        'import (',
        '\t"os"',
        '\t"testing"',
        ')',
        '',
        'func TestBoots(t *testing.T) {}',
        '',
        // Fails on the first run only: the marker file tells the rerun.
        'func TestMigrates(t *testing.T) {',
        '\tif _, err := os.Stat("marker"); err != nil {',
        '\t\t_ = os.WriteFile("marker", nil, 0o644)',
        '\t\tt.Fatalf("migration did not finish: phase %q", "Failed")',
        '\t}',
        '}',
        '',
        'func TestAlwaysFails(t *testing.T) {',
        '\tt.Errorf("want %d hypervisors, got %d", 1, 2)',
        '}',
        '',
      ].join('\n'),
    });
    await produce(
      'gotestsum',
      [
        '--junitfile',
        'reports/junit.xml',
        '--rerun-fails=2',
        '--packages',
        './...',
        '--',
        '-count=1',
      ],
      ws,
      goEnv,
    );
  });

  it('counts tests as gotestsum does: the rerun that passed is flaky, the one that never did fails', async () => {
    const xml = readFileSync(path.join(ws, 'reports/junit.xml'), 'utf8');
    // gotestsum writes every attempt: 3 runs of TestAlwaysFails, 2 of TestMigrates.
    expect(xml.match(/<testcase /g)).toHaveLength(6);
    const { r, errors } = await publish(ws, 'reports/junit.xml');
    expect(r.outputs).toMatchObject({
      total: '3',
      passed: '2',
      failed: '1',
      flaky: '1',
      conclusion: 'failure',
    });
    expect(errors).toHaveLength(1);
    // Not "Failed" (gotestsum's message for every failure): the t.Errorf text.
    expect(errors[0].message).toBe('want 1 hypervisors, got 2');
    // Go writes only vm_test.go:18; the package path in classname finds the file.
    expect(errors[0].properties).toMatchObject({
      title: 'Failed: example.com/hv/pkg/vm › TestAlwaysFails',
      file: 'pkg/vm/vm_test.go',
      line: '18',
    });
  });
});

describe('gotestsum: a package that does not compile', () => {
  let ws: string;
  beforeAll(async () => {
    ws = goModule({
      'pkg/ok/ok_test.go': 'package ok\n\nimport "testing"\n\nfunc TestOK(t *testing.T) {}\n',
      'pkg/broken/broken_test.go':
        'package broken\n\nimport "testing"\n\nfunc TestX(t *testing.T) { undefined() }\n',
    });
    await produce('gotestsum', ['--junitfile', 'junit.xml', '--', './...'], ws, goEnv);
  });

  it('counts the error gotestsum declares on the root, and fails', async () => {
    const xml = readFileSync(path.join(ws, 'junit.xml'), 'utf8');
    expect(xml).toMatch(/<testsuites [^>]*errors="1"/);
    const { r } = await publish(ws, 'junit.xml');
    expect(r.outputs).toMatchObject({
      total: '2',
      passed: '1',
      errors: '1',
      conclusion: 'failure',
    });
    expect(r.exitCode).toBe(1);
    expect(r.summary).toContain('a package that did not build');
  });
});

describe('pytest run from a subdirectory', () => {
  let ws: string;
  beforeAll(async () => {
    ws = project({
      'python/pytest.ini': '[pytest]\n',
      'python/tests/test_hv.py':
        'def test_kvm():\n    assert True\n\ndef test_mshv():\n    assert "kvm" == "mshv"\n',
    });
    await produce(
      'pytest-3',
      [
        '-q',
        '-p',
        'no:cacheprovider',
        '--junitxml=../reports/pytest.xml',
        '-o',
        'junit_family=xunit1',
        'tests',
      ],
      path.join(ws, 'python'),
    );
  });

  it('finds the file pytest names relative to its rootdir', async () => {
    const xml = readFileSync(path.join(ws, 'reports/pytest.xml'), 'utf8');
    expect(xml).toContain('file="tests/test_hv.py"');
    expect(existsSync(path.join(ws, 'tests/test_hv.py'))).toBe(false);
    const { r, errors } = await publish(ws, 'reports/pytest.xml');
    expect(r.outputs).toMatchObject({ total: '2', passed: '1', failed: '1' });
    expect(errors[0].properties).toMatchObject({ file: 'python/tests/test_hv.py', line: '5' });
  });
});

describe('GoogleTest DISABLED_ tests', () => {
  let ws: string;
  let built = true;
  beforeAll(async () => {
    ws = project({
      'hv_test.cc': [
        '#include <gtest/gtest.h>',
        'TEST(Hv, Kvm) { EXPECT_EQ(1, 1); }',
        'TEST(Hv, Mshv) { EXPECT_EQ(1, 2) << "no mshv"; }',
        'TEST(Hv, DISABLED_Nested) { EXPECT_EQ(1, 1); }',
        '',
      ].join('\n'),
    });
    if (!existsSync('/usr/include/gtest/gtest.h')) {
      built = false;
      return;
    }
    await produce(
      'g++',
      ['-o', 'hv_test', 'hv_test.cc', '-lgtest', '-lgtest_main', '-pthread'],
      ws,
    );
    await produce(path.join(ws, 'hv_test'), ['--gtest_output=xml:reports/gtest.xml'], ws);
  });

  it('counts a disabled test as skipped (status="notrun" result="suppressed"), not passed', async () => {
    // libgtest-dev is needed to build the test; the suite says so instead of passing.
    if (!built)
      throw new Error('GoogleTest headers are not installed: apt-get install libgtest-dev');
    const xml = readFileSync(path.join(ws, 'reports/gtest.xml'), 'utf8');
    expect(xml).toMatch(/name="DISABLED_Nested"[^>]*status="notrun" result="suppressed"/);
    const { r, errors } = await publish(ws, 'reports/gtest.xml');
    expect(r.outputs).toMatchObject({ total: '3', passed: '1', failed: '1', skipped: '1' });
    expect(errors[0].properties).toMatchObject({ file: 'hv_test.cc', line: '3' });
  });
});

describe('pytest with pytest-rerunfailures', () => {
  let ws: string;
  beforeAll(async () => {
    ws = project({
      'tests/test_r.py': [
        'import os',
        '',
        'def test_flaky():',
        '    if not os.path.exists("marker"):',
        '        open("marker", "w").close()',
        '        assert False, "first attempt"',
        '',
        'def test_always():',
        '    assert 1 == 2',
        '',
        'def test_ok():',
        '    pass',
        '',
      ].join('\n'),
    });
    await produce(
      'pytest-3',
      ['-q', '-p', 'no:cacheprovider', '--reruns', '2', '--junitxml=reports/r.xml', 'tests'],
      ws,
    );
  });

  it('counts what pytest says ("1 failed, 2 passed, 3 rerun"): its report keeps the last attempt', async () => {
    const report = path.join(ws, 'reports/r.xml');
    // pytest refuses --reruns without the plugin and writes nothing: say which package.
    if (!existsSync(report))
      throw new Error('pytest wrote no report: apt-get install python3-pytest-rerunfailures');
    const xml = readFileSync(report, 'utf8');
    expect(xml).toMatch(/<testsuite [^>]*failures="1" [^>]*tests="3"/);
    const { r, errors } = await publish(ws, 'reports/r.xml');
    expect(r.outputs).toMatchObject({ total: '3', passed: '2', failed: '1', flaky: '0' });
    expect(errors.map((e) => e.properties.title)).toEqual(['Failed: tests.test_r › test_always']);
  });
});
