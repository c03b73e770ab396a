import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { collect } from '../../actions/publish-junit/collect.js';
import { WorkspaceResolver, locateCase, locateInText } from '../../shared/junit/location.js';
import { readJUnitFile, readJUnitString, type TestCase } from '../../shared/junit/reader.js';
import { fixtures } from '../support/harness.js';
import { workspaceWith } from './make-report.js';

const own = (f: string) => path.join(fixtures, 'publish-junit', f);

async function cases(xml: string): Promise<TestCase[]> {
  return (await readJUnitString(xml)).cases;
}

describe('reader: dialects', () => {
  it('reads a Ginkgo v2 report: names keep their labels, file and line from the failure', async () => {
    const all: TestCase[] = [];
    await readJUnitFile(own('ginkgo-v2.xml'), { onCase: (c) => all.push(c) });
    expect(all.map((c) => c.outcome)).toEqual(['passed', 'failed', 'passed', 'skipped']);
    const failed = all[1];
    expect(failed.name).toBe(
      '[It] [sig-compute] L1HV a VMI boots on the MSHV hypervisor [l1hv-new, mshv, sig-compute]',
    );
    expect(failed.results[0].message).toBe(
      'Timed out after 300.000s.\nExpected VMI "testvmi-l1hv" to be Running',
    );
    expect(locateCase(failed, '/go/src/kubevirt.io/kubevirt')).toEqual({
      file: 'tests/l1hv/boot_test.go',
      line: 142,
    });
  });

  it('reads a bare <testsuite> root and nested suites, naming the suites outermost first', async () => {
    const bare = await cases('<testsuite name="a"><testcase name="t" classname="c"/></testsuite>');
    expect(bare.map((c) => [c.suites, c.outcome])).toEqual([[['a'], 'passed']]);
    const nested = await cases(
      `<testsuites><testsuite name="outer"><testsuite name="inner">
         <testcase name="deep"><failure message="m"/></testcase>
       </testsuite><testcase name="shallow"/></testsuite></testsuites>`,
    );
    expect(nested.map((c) => [c.name, c.suites, c.outcome])).toEqual([
      ['deep', ['outer', 'inner'], 'failed'],
      ['shallow', ['outer'], 'passed'],
    ]);
  });

  it('counts a case with several results once, as the worst', async () => {
    const [tc] = await cases(
      `<testsuite><testcase name="t">
         <failure message="first"/><skipped/><error message="boom"/><failure message="second"/>
       </testcase></testsuite>`,
    );
    expect(tc.outcome).toBe('error');
    expect(tc.results.map((r) => r.message ?? r.element)).toEqual([
      'first',
      'skipped',
      'boom',
      'second',
    ]);
  });
});

describe('reader: results and attributes', () => {
  it('keeps Surefire flaky and rerun elements apart from the result', async () => {
    const all: TestCase[] = [];
    await readJUnitFile(own('surefire-rerun.xml'), { onCase: (c) => all.push(c) });
    expect(
      all.map((c) => [c.name, c.outcome, c.flakyRuns.length, c.reruns.length, c.results.length]),
    ).toEqual([
      ['reconcilesGate', 'passed', 2, 0, 0],
      ['rollsBack', 'failed', 0, 2, 1],
      ['readsProfile', 'passed', 0, 0, 0],
    ]);
    const { tally } = await collect([own('surefire-rerun.xml')], { workspace: '/', flaky: true });
    expect(tally.totals).toMatchObject({ total: 3, passed: 2, failed: 1, flaky: 1 });
    expect(tally.flakyList()[0]).toMatchObject({ name: 'reconcilesGate', failedRuns: 2 });
  });

  it('takes missing and empty attributes as empty, and odd numbers as 0', async () => {
    const [a, b] = await cases(
      '<testsuites><testsuite><testcase/><testcase name="" classname="" time="n/a"/></testsuite></testsuites>',
    );
    expect([a.name, a.classname, a.time, b.time]).toEqual(['', '', 0, 0]);
    const [c] = await cases('<testsuite><testcase name="t" time="1,234.5"/></testsuite>');
    expect(c.time).toBe(1234.5);
  });

  it('counts a suite with no test case from its attributes, so a declared failure is not lost', async () => {
    const { cases: cs, declared } = await readJUnitString(
      '<testsuites><testsuite name="setup" tests="3" failures="1" errors="1" skipped="0"/></testsuites>',
    );
    expect(cs).toEqual([]);
    expect(declared).toEqual([
      expect.objectContaining({ name: 'setup', tests: 3, failures: 1, errors: 1 }),
    ]);
  });

  it('decodes entities and CDATA, and replaces characters XML does not allow', async () => {
    const [tc] = await cases(
      '<testsuite><testcase name="a &amp; b &#x3C;c&#x3E;"><failure message="ansi \u001b[31mred&#27;">' +
        '<![CDATA[x < y \u0007 bell]]></failure></testcase></testsuite>',
    );
    expect(tc.name).toBe('a & b <c>');
    expect(tc.results[0].message).toBe('ansi \uFFFD[31mred\uFFFD');
    expect(tc.results[0].details).toBe('x < y \uFFFD bell');
  });
});

describe('reader: safety', () => {
  it('refuses external entities without fetching them', async () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE t [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<testsuite><testcase name="&xxe;"/></testsuite>`;
    await expect(readJUnitString(xml, 'evil.xml')).rejects.toThrow(
      'evil.xml:1: declares XML entities; refused (entities are never expanded)',
    );
  });

  it('refuses an entity-expansion bomb quickly', async () => {
    const defs = ['<!ENTITY a0 "lol">'];
    for (let i = 1; i < 10; i++) defs.push(`<!ENTITY a${i} "${`&a${i - 1};`.repeat(10)}">`);
    const xml = `<!DOCTYPE t [${defs.join('')}]><testsuite><testcase name="&a9;"/></testsuite>`;
    await expect(readJUnitString(xml, 'bomb.xml')).rejects.toThrow(
      /bomb\.xml:1: declares XML entities/,
    );
  });

  it('names the file and line of a broken report and still counts the good ones', async () => {
    const { tally, broken, reports } = await collect(
      [
        own('ginkgo-v2.xml'),
        path.join(
          fixtures,
          'conformance/junit/action-junit-report/test_results__corrupt-junit__e2e-tests__corrupt__target__sf-reports__TEST-test.CorruptTest.xml',
        ),
      ],
      { workspace: fixtures, flaky: true },
    );
    expect(reports).toHaveLength(2);
    expect(broken).toEqual([
      {
        file: 'conformance/junit/action-junit-report/test_results__corrupt-junit__e2e-tests__corrupt__target__sf-reports__TEST-test.CorruptTest.xml',
        message: expect.stringMatching(
          /CorruptTest\.xml:18: not valid XML: 18:25: unclosed tag: system-out$/,
        ),
      },
    ]);
    expect(tally.totals).toMatchObject({ total: 4, failed: 1, skipped: 1 });
  });

  it('rejects a root that is not JUnit and an empty file', async () => {
    await expect(readJUnitString('<html><body/></html>', 'page.xml')).rejects.toThrow(
      'page.xml:1: root element <html> is not JUnit; allowed: <testsuites> or <testsuite>',
    );
    await expect(readJUnitString('', 'empty.xml')).rejects.toThrow(/empty\.xml:1: is empty/);
  });
});

describe('location from stack traces', () => {
  const ws = '/home/runner/_work/repo/repo';
  it.each([
    [
      'Go test',
      `    vm_test.go:37: boom\n\t${ws}/pkg/vm/vm_test.go:37 +0x1c`,
      'pkg/vm/vm_test.go',
      37,
    ],
    [
      'Node',
      `Error: x\n    at Object.<anonymous> (${ws}/node_modules/lib/a.js:1:1)\n    at Context.<anonymous> (${ws}/test/a.test.js:12:9)`,
      'test/a.test.js',
      12,
    ],
    [
      'Python traceback',
      `Traceback:\n  File "${ws}/tests/test_vm.py", line 21, in test_boot`,
      'tests/test_vm.py',
      21,
    ],
    ['pytest short form', 'tests/test_vm.py:21: AssertionError', 'tests/test_vm.py', 21],
    ['Rust', "thread 'x' panicked at src/lib.rs:88:5:", 'src/lib.rs', 88],
  ])('%s', (_what, text, file, line) => {
    expect(locateInText(text, ws)).toEqual({ file, line });
  });

  it('ignores frames outside the workspace and in dependencies', () => {
    expect(locateInText('at /usr/lib/go/src/testing/testing.go:1595', ws)).toBeUndefined();
    expect(locateInText(`at x (${ws}/node_modules/chai/index.js:3:1)`, ws)).toBeUndefined();
  });

  it('prefers the file and line attributes over the stack', async () => {
    const [tc] = await cases(
      `<testsuite><testcase name="t" file="${ws}/tests/test_a.py" line="9"><failure>${ws}/tests/other.py:3</failure></testcase></testsuite>`,
    );
    expect(locateCase(tc, ws)).toEqual({ file: 'tests/test_a.py', line: 9 });
  });
});

describe('paths resolved against the workspace', () => {
  const ws = workspaceWith({
    'tests/vm_test.go': '',
    'pkg/a/util_test.go': '',
    'pkg/b/util_test.go': '',
    'python/tests/test_hv.py': '',
  });
  const resolver = new WorkspaceResolver(ws);

  it.each([
    [
      'a container path, by its longest tail that exists',
      '/root/go/src/kubevirt.io/kubevirt/tests/vm_test.go',
      'tests/vm_test.go',
    ],
    [
      'a path relative to a subdirectory, found by its tail',
      'tests/test_hv.py',
      'python/tests/test_hv.py',
    ],
    [
      'a Windows path from another runner',
      'C:/agent/_work/1/s/tests/vm_test.go',
      'tests/vm_test.go',
    ],
  ])('%s', (_what, file, expected) => {
    expect(resolver.resolve(file)).toBe(expected);
  });

  it('never guesses: an ambiguous tail or a bare name resolves to nothing', () => {
    expect(resolver.resolve('/elsewhere/util_test.go')).toBeUndefined();
    expect(resolver.resolve('x/util_test.go')).toBeUndefined();
    expect(resolver.resolve('vm_test.go')).toBeUndefined();
  });

  it('never leaves the workspace: what resolves is a workspace file', () => {
    expect(resolver.resolve('../tests/vm_test.go')).toBe('tests/vm_test.go');
    expect(resolver.resolve('/etc/passwd')).toBeUndefined();
    expect(resolver.resolve('../../../../etc/passwd')).toBeUndefined();
  });

  it("uses the Go package path of the case's classname for a bare file name", () => {
    expect(resolver.resolve('util_test.go', '.', 'example.com/hv/pkg/b')).toBe(
      'pkg/b/util_test.go',
    );
  });
});
