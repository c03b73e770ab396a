import { beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { collect } from '../../actions/publish-junit/collect.js';
import { errors as errorLines, fixtures, run } from '../support/harness.js';
import { bin, jestConfig, produce, project, publish, runJest } from './producer-project.js';

/**
 * Counts as the producer itself counts, from the peers' fixtures (peers/README.md says where
 * each comes from) and from reports written here by jest + jest-junit and mocha.
 */
const peers = path.join(fixtures, 'publish-junit', 'peers');
const conformance = path.join(fixtures, 'conformance', 'junit');

async function totals(file: string, workspace = path.dirname(file)) {
  const { tally, broken } = await collect([file], { workspace, flaky: true });
  return { totals: tally.totals, broken, tally };
}

describe('disabled tests, phantom passes, foreign roots (peers’ fixtures)', () => {
  it('EnricoMi tst/disabled: status="disabled" is skipped, as the root declares', async () => {
    // <testsuites tests='31' disabled='5' errors='1' failures='19'>
    const { totals: t } = await totals(path.join(peers, 'EnricoMi/disabled.xml'));
    expect(t).toMatchObject({ total: 31, passed: 6, failed: 19, errors: 1, skipped: 5 });
  });

  it('EnricoMi NUnit-issue44527: empty suites beside the cases add no passes (150, not 160)', async () => {
    // Its outer suites declare tests="150" failures="144"; the expected results say the same.
    const { totals: t } = await totals(path.join(peers, 'EnricoMi/NUnit-issue44527.xml'));
    expect(t).toMatchObject({ total: 150, passed: 6, failed: 144, errors: 0, skipped: 0 });
  });

  it('test-summary 02-example (mocha): two tests named alike are two tests, 30 / 9', async () => {
    const file = path.join(peers, 'test-summary/02-example.xml');
    expect(readFileSync(file, 'utf8')).toContain('tests="30" failures="9"');
    const { totals: t, tally } = await totals(file);
    expect(t).toMatchObject({ total: 30, passed: 21, failed: 9 });
    expect(tally.failureList()).toHaveLength(9);
  });

  it('refuses an NUnit 2 report by name instead of counting it as 0 tests', async () => {
    const { broken, totals: t } = await totals(path.join(peers, 'EnricoMi/nunit2-pickles.xml'));
    expect(t.total).toBe(0);
    expect(broken).toHaveLength(1);
    expect(broken[0].message).toMatch(
      /nunit2-pickles\.xml:\d+: is NUnit 2 XML \(<test-results>\), not JUnit; allowed: <testsuites> or <testsuite>$/,
    );
  });
});

describe('locations that exist in the workspace', () => {
  it('Catch2: the <failure file line> attributes, when that file is in the workspace', async () => {
    const src = path.join(conformance, 'action-junit-report/test_results__catch2__report.xml');
    const ws = project({ 'test/unit/detail/utility/is_constant_evaluated.cpp': '// test\n' });
    copyFileSync(src, path.join(ws, 'catch2.xml'));
    const { tally } = await totals(path.join(ws, 'catch2.xml'), ws);
    expect(tally.failureList()[0]).toMatchObject({
      file: 'test/unit/detail/utility/is_constant_evaluated.cpp',
      line: 19,
    });
    // The same report where that file does not exist: the report, never a made-up path.
    const empty = project({});
    copyFileSync(src, path.join(empty, 'catch2.xml'));
    const none = await totals(path.join(empty, 'catch2.xml'), empty);
    expect(none.tally.failureList()[0].file).toBeUndefined();
  });

  it('Ginkgo: a container path (/go/src/kubevirt.io/kubevirt/...) resolves to the repository file', async () => {
    const ws = project({ 'tests/l1hv/boot_test.go': 'package l1hv\n' });
    mkdirSync(path.join(ws, '_out'));
    copyFileSync(path.join(fixtures, 'publish-junit', 'ginkgo-v2.xml'), path.join(ws, 'junit.xml'));
    const { r, errors } = await publish(ws, 'junit.xml');
    expect(errors[0].properties).toMatchObject({ file: 'tests/l1hv/boot_test.go', line: '142' });
    expect(r.exitCode).toBe(1);
  });

  it('an annotation without any existing file points at the report and its line', async () => {
    const ws = project({});
    copyFileSync(path.join(fixtures, 'publish-junit', 'ginkgo-v2.xml'), path.join(ws, 'junit.xml'));
    const { errors } = await publish(ws, 'junit.xml');
    expect(errors[0].properties).toMatchObject({ file: 'junit.xml', line: '12' });
  });
});

describe('Ginkgo: a suite that failed as a whole', () => {
  it('SuiteSucceeded=false with every spec passing (programmatic focus) fails the step', async () => {
    // Ginkgo's own report (ginkgo-v2.xml) with the failing spec passed and focus set, as
    // Ginkgo writes it when FIt/FDescribe are committed: every spec passed, exit code 197.
    const ws = project({});
    writeFileSync(
      path.join(ws, 'junit.xml'),
      readFileSync(path.join(fixtures, 'publish-junit', 'ginkgo-focus.xml'), 'utf8'),
    );
    const { r } = await publish(ws, 'junit.xml');
    expect(r.outputs).toMatchObject({
      total: '3',
      passed: '3',
      failed: '0',
      conclusion: 'failure',
    });
    expect(r.exitCode).toBe(1);
    expect(r.summary).toContain('Suites that failed as a whole');
    expect(r.summary).toContain('programmatically focused specs');
  });
});

describe('jest + jest-junit: what a report says is shown, never interpreted', () => {
  let ws: string;
  beforeAll(async () => {
    ws = project({
      'jest.config.cjs': jestConfig(),
      'test/hostile.test.js': [
        "describe('@octocat fixes #123', () => {",
        "  test('<img src=x onerror=alert(1)> renders', () => {",
        "    throw new Error('boom\\n```\\n## Injected heading\\n```');",
        '  });',
        '});',
        '',
      ].join('\n'),
    });
    await runJest(ws);
  });

  it('sizes code fences to the text, breaks mentions and references, escapes HTML', async () => {
    const xml = readFileSync(path.join(ws, 'reports/jest.xml'), 'utf8');
    expect(xml).toContain('@octocat fixes #123');
    const { r } = await publish(ws, 'reports/*.xml');
    const s = r.summary;
    // GitHub reads no mention or reference inside a code block; everywhere else none is left.
    const prose = s.replace(/\n(`{3,})\n[\s\S]*?\n\1\n/g, '\n');
    expect(prose).not.toMatch(/@octocat/);
    expect(prose).not.toMatch(/#123/);
    expect(s).toContain('@&#8203;octocat fixes #&#8203;123');
    expect(s).not.toContain('<img');
    expect(s).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // Each reference is made once: none is broken again by the next step.
    expect(s).not.toMatch(/&#&#8203;|&&#8203;/);
    expect(s).toContain('test/hostile.test.js:3');
    // The details' fence is longer than the ``` inside them: the heading stays inside.
    const block = /\n(`{4,})\n([\s\S]*?)\n\1\n/.exec(s);
    expect(block?.[2]).toContain('## Injected heading');
    expect(prose.split('\n')).not.toContain('## Injected heading');
  });
});

describe('failures named and names capped', () => {
  it('names every failure of 1500 (jest), where 200 were named before', async () => {
    const ws = project({
      'jest.config.cjs': jestConfig(),
      'test/many.test.js':
        "test.each(Array.from({ length: 1500 }, (_, i) => i))('case %i', (i) => { expect(i).toBe(-1); });\n",
    });
    await runJest(ws);
    const { r } = await publish(ws, 'reports/*.xml');
    expect(r.outputs).toMatchObject({ total: '1500', failed: '1500' });
    const named = r.summary.split('\n').filter((l) => /^\| ❌ \| case \d+ \|/.test(l));
    expect(named).toHaveLength(1500);
    expect(r.summary).not.toMatch(/more failures not listed/);
    expect(Buffer.byteLength(r.summary)).toBeLessThan(1024 * 1024);
  });

  it('caps a huge test name (mocha) so a summary line stays readable', async () => {
    const ws = project({
      'test/long.spec.cjs': `const assert = require('node:assert');\nit('x'.repeat(2_000_000), () => assert.fail('long'));\n`,
    });
    await produce(
      process.execPath,
      [
        bin('mocha/bin/mocha.js'),
        '--reporter',
        bin('mocha-junit-reporter'),
        '--reporter-options',
        'mochaFile=reports/mocha.xml',
        'test/long.spec.cjs',
      ],
      ws,
    );
    const { r, errors } = await publish(ws, 'reports/mocha.xml');
    expect(r.outputs).toMatchObject({ total: '1', failed: '1' });
    expect(errors[0].properties.title.length).toBeLessThan(1100);
    expect(Math.max(...r.summary.split('\n').map((l) => l.length))).toBeLessThan(10_000);
  });
});

describe('reports read once, decimal commas', () => {
  it('a symbolic link back to the reports folder reads each report once; a link loop stops nothing', async () => {
    const ws = project({});
    mkdirSync(path.join(ws, 'reports'));
    copyFileSync(
      path.join(peers, 'test-summary/02-example.xml'),
      path.join(ws, 'reports/mocha.xml'),
    );
    symlinkSync('.', path.join(ws, 'reports/latest'));
    symlinkSync('b.xml', path.join(ws, 'reports/a.xml'));
    symlinkSync('a.xml', path.join(ws, 'reports/b.xml'));
    const { r } = await publish(ws, 'reports/**/*.xml');
    expect(r.outputs).toMatchObject({ total: '30', failed: '9' });
    expect(r.summary).toMatch(/^### ❌ JUnit: 30 tests/);
  });

  it('reads time="0,5" as half a second', async () => {
    // A mocha-junit-reporter report (test-summary's fixture) with its times written with a
    // decimal comma, as loggers in some locales write them.
    const xml = readFileSync(path.join(peers, 'test-summary/02-example.xml'), 'utf8').replace(
      /time="(\d+)\.(\d+)"/g,
      'time="$1,$2"',
    );
    const ws = project({ 'comma.xml': xml });
    const { totals: t } = await totals(path.join(ws, 'comma.xml'), ws);
    const dot = await totals(path.join(peers, 'test-summary/02-example.xml'));
    expect(t.duration).toBeCloseTo(dot.totals.duration, 6);
  });
});

describe('dashboard: results files are checked before they are added up', () => {
  it('refuses a results file with impossible totals by name, field and what is allowed', async () => {
    const ws = project({
      'r/junit.xml': readFileSync(path.join(peers, 'test-summary/02-example.xml'), 'utf8'),
    });
    const first = await run('publish-junit', {
      workspace: ws,
      inputs: {
        paths: 'r/*.xml',
        output: 'results/a.json',
        'check-run': 'false',
        'fail-on': 'none',
      },
    });
    expect(first.exitCode).toBe(0);
    const good = JSON.parse(readFileSync(path.join(ws, 'results/a.json'), 'utf8'));
    expect(good.totals).toMatchObject({ total: 30, failed: 9 });
    const cases: [string, (r: typeof good) => void, RegExp][] = [
      [
        'nan',
        (r) => (r.totals.failed = 'NaN'),
        /totals\.failed is "NaN"; allowed: a whole number, 0 or more/,
      ],
      [
        'negative',
        (r) => (r.totals.passed = -1),
        /totals\.passed is -1; allowed: a whole number, 0 or more/,
      ],
      [
        'sum',
        (r) => (r.totals.total = 31),
        /passed \+ failed \+ errors \+ skipped is 30, not total 31/,
      ],
      ['duration', (r) => (r.totals.duration = null), /totals\.duration is null; allowed: seconds/],
    ];
    for (const [name, spoil, why] of cases) {
      const bad = structuredClone(good);
      spoil(bad);
      writeFileSync(path.join(ws, 'results', `${name}.json`), JSON.stringify(bad));
      const d = await run('publish-junit', {
        workspace: ws,
        inputs: { aggregate: `results/${name}.json`, 'check-run': 'false' },
      });
      expect(d.exitCode).toBe(1);
      const lines = errorLines(d);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^results/${name}\\.json: not a valid results file: `));
      expect(lines[0]).toMatch(why);
      expect(d.summary).not.toMatch(/NaN|Infinity/);
    }
  });
});

describe('Ginkgo: a failing spec is the reason, not the suite', () => {
  it('lists no whole-suite failure when a spec failed', async () => {
    const { tally, totals: t } = await totals(
      path.join(fixtures, 'publish-junit', 'ginkgo-v2.xml'),
    );
    expect(t).toMatchObject({ total: 4, passed: 2, failed: 1, skipped: 1 });
    expect(tally.suiteFailures).toEqual([]);
  });
});
