import { describe, expect, it } from '@jest/globals';
import { planAnnotations } from '../../actions/publish-junit/annotations.js';
import { checkAnnotations } from '../../actions/publish-junit/check-run.js';
import { COMMENT_LIMIT, commentBody, marker } from '../../actions/publish-junit/comment.js';
import { combine } from '../../actions/publish-junit/dashboard.js';
import { renderReport } from '../../actions/publish-junit/render.js';
import { emptyTotals, passRate, type Results } from '../../actions/publish-junit/results.js';
import { fenced, htmlText, text } from '../../actions/publish-junit/escape.js';
import { Tally } from '../../actions/publish-junit/tally.js';
import { readJUnit } from '../../shared/junit/reader.js';

async function tally(xml: string, opts: Partial<ConstructorParameters<typeof Tally>[0]> = {}) {
  const t = new Tally({ workspace: '/ws', flaky: true, ...opts });
  t.beginReport({ report: 'r.xml', shared: false });
  await readJUnit([xml], 'r.xml', {
    onCase: (c) => t.add(c),
    onDeclaredSuite: (d) => t.addDeclared(d),
    onSuiteEnd: (s) => t.endSuite(s),
    onRootEnd: (r) => t.endRoot(r),
  });
  t.endReport();
  return t;
}

function results(over: Partial<Results> = {}): Results {
  return {
    version: 1,
    name: 'JUnit',
    conclusion: 'failure',
    totals: { ...emptyTotals(), total: 3, failed: 3 },
    passRate: 0,
    reports: ['r.xml'],
    broken: [],
    suites: [],
    failures: [1, 2, 3].map((i) => ({
      outcome: 'failed' as const,
      suite: 's',
      classname: 'c',
      name: `t${i}`,
      message: `m${i}`,
      report: 'r.xml',
      reportLine: i + 1,
      time: 0,
    })),
    flaky: [],
    slowest: [],
    omitted: { suites: 0, failures: 0, flaky: 0 },
    ...over,
  };
}

describe('tally', () => {
  it('lists each Surefire flaky test on its own', async () => {
    const t = await tally(
      `<testsuite name="s">
        <testcase classname="A" name="one"><flakyFailure message="x"/></testcase>
        <testcase classname="A" name="two"><flakyError message="y"/></testcase>
        <testcase classname="A" name="three"/>
      </testsuite>`,
    );
    expect(t.totals).toMatchObject({ total: 3, passed: 3, flaky: 2 });
    expect(t.flakyList().map((f) => [f.name, f.failedRuns, f.message])).toEqual([
      ['one', 1, 'x'],
      ['two', 1, 'y'],
    ]);
  });

  it('counts a test failing on every rerun once, as the worst run', async () => {
    // gotestsum --rerun-fails repeats the case in the same suite; its go.version property
    // says so. Without such a marker the same three cases are three tests (see identity).
    const t = await tally(
      `<testsuite name="s"><properties><property name="go.version" value="go1.22"/></properties>
        <testcase classname="A" name="t"><failure message="1st"/></testcase>
        <testcase classname="A" name="t"><error message="2nd"/></testcase>
        <testcase classname="A" name="t"><failure message="3rd"/></testcase>
      </testsuite>`,
    );
    expect(t.totals).toMatchObject({ total: 1, errors: 1, failed: 0 });
    expect(t.failureList().map((f) => f.message)).toEqual(['2nd']);
  });

  it('keeps exact totals while capping the listed failures', async () => {
    const cases = Array.from(
      { length: 30 },
      (_, i) => `<testcase classname="A" name="t${i}"><failure message="m"/></testcase>`,
    ).join('');
    const t = await tally(`<testsuite name="s">${cases}</testsuite>`, { maxFailures: 5 });
    expect(t.totals.failed).toBe(30);
    expect(t.failureList()).toHaveLength(5);
    expect(t.omitted().failures).toBe(25);
  });

  it('lists a failure a suite declares without test cases', async () => {
    const t = await tally('<testsuite name="setup" tests="2" failures="1" errors="0"/>');
    expect(t.totals).toMatchObject({ total: 2, passed: 1, failed: 1 });
    expect(t.failureList()[0].name).toMatch(/suite declares 1 failure/);
  });

  it('pass rate is passed over the tests that ran, rounded down', () => {
    expect(passRate({ ...emptyTotals(), total: 7, passed: 2, skipped: 1 })).toBe(33.33);
    expect(passRate({ ...emptyTotals(), total: 2, skipped: 2 })).toBe(0);
  });
});

describe('publishing pieces', () => {
  it('annotations: unreadable reports first, the step failure line counted, a notice for the rest', () => {
    const r = results({ broken: [{ file: 'bad.xml', message: 'bad.xml:7: not valid XML: x' }] });
    const planned = planAnnotations(r, 50, true);
    expect(planned.map((a) => [a.level, a.file, a.startLine])).toEqual([
      ['error', 'bad.xml', 7],
      ['error', 'r.xml', 2],
      ['error', 'r.xml', 3],
      ['error', 'r.xml', 4],
    ]);
    const many = results({
      totals: { ...emptyTotals(), total: 20, failed: 20 },
      failures: Array.from({ length: 20 }, (_, i) => ({ ...results().failures[0], name: `t${i}` })),
    });
    const capped = planAnnotations(many, 50, true);
    expect(capped.filter((a) => a.level === 'error')).toHaveLength(9);
    expect(capped.at(-1)?.message).toMatch(
      /^11 more failing test\(s\) not annotated \(the runner's limit/,
    );
  });

  it('check-run annotations fall back to the report and its line', () => {
    const a = checkAnnotations(
      [{ ...results().failures[0], file: 'tests/a_test.go', line: 9 }, results().failures[1]],
      10,
    );
    expect(a.map((x) => [x.path, x.start_line, x.end_line, x.annotation_level])).toEqual([
      ['tests/a_test.go', 9, 9, 'failure'],
      ['r.xml', 3, 3, 'failure'],
    ]);
  });

  it('the comment stays under GitHub’s limit and starts with its marker', () => {
    const huge = results({
      failures: Array.from({ length: 200 }, (_, i) => ({
        ...results().failures[0],
        name: `t${i}`,
        message: '界'.repeat(900),
        details: 'stack\n'.repeat(1200),
      })),
    });
    const markdown = renderReport(huge, { maxBytes: 10 * 1024 * 1024 });
    const body = commentBody({ name: 'test-kvm', failing: true, markdown }, 'https://run');
    expect(body.startsWith(`${marker('test-kvm')}\n### ❌`)).toBe(true);
    expect(body.length).toBeLessThan(COMMENT_LIMIT);
    expect(body).toContain("trimmed to fit GitHub's limit");
  });

  it('report text is shown as written: entities and broken references, each made once', () => {
    expect(text('vm_test.go:12 @octo-team #123 GH-7 <b>*x*</b> [a](b) `c` ~d~ a&b')).toBe(
      'vm&#95;test.go:12 @&#8203;octo-team #&#8203;123 GH-&#8203;7 &lt;b&gt;&#42;x&#42;&lt;/b&gt; &#91;a&#93;(b) &#96;c&#96; &#126;d&#126; a&amp;b',
    );
    expect(htmlText('@a #1 <i>_x_</i>')).toBe('@&#8203;a #&#8203;1 &lt;i&gt;_x_&lt;/i&gt;');
    expect(fenced('a\n````\nb')).toBe('`````\na\n````\nb\n`````\n');
  });

  it('a trimmed comment closes its code block and details before the "trimmed" note', () => {
    const failure = { ...results().failures[0], details: 'frame\n'.repeat(30_000) };
    const markdown = renderReport(results({ failures: [failure] }), { maxBytes: 10_000_000 });
    const body = commentBody({ name: 'JUnit', failing: true, markdown });
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(COMMENT_LIMIT);
    const note = body.indexOf("_…trimmed to fit GitHub's limit._");
    expect(note).toBeGreaterThan(0);
    const before = body.slice(0, note).split('\n');
    // Every fence opened before the note is closed, and so is every <details>.
    expect(before.filter((l) => /^`{3,}$/.test(l)).length % 2).toBe(0);
    const opened = before.filter((l) => l.startsWith('<details')).length;
    expect(before.filter((l) => l === '</details>').length).toBe(opened);
  });

  it('the dashboard fails when one environment failed', () => {
    const ok = results({
      conclusion: 'success',
      totals: { ...emptyTotals(), total: 2, passed: 2 },
    });
    const d = combine([ok, results({ environment: 'test-kvm' })]);
    expect(d.conclusion).toBe('failure');
    expect(d.totals).toMatchObject({ total: 5, passed: 2, failed: 3 });
    expect(d.passRate).toBe(40);
  });
});
