import { describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { collect } from '../../actions/publish-junit/collect.js';
import { fixtures } from '../support/harness.js';

/**
 * Every public fixture from two other JUnit actions' suites, with what it must produce:
 * [file, total, passed, failed, errors, skipped, flaky]. Counts come from <testcase>
 * elements (several fixtures declare suite totals that disagree with their cases); a
 * repeated test that failed first is a rerun (flaky when it passed later).
 */
const base = path.join(fixtures, 'conformance', 'junit');

type Row = [string, number, number, number, number, number, number];
const EXPECTED: Row[] = [
  ['action-junit-report/test_results__catch2__report.xml', 1, 0, 1, 0, 0, 0],
  ['action-junit-report/test_results__container-structure__test.xml', 3, 3, 0, 0, 0, 0],
  [
    'action-junit-report/test_results__corrupt-junit__e2e-tests__corrupt__target__sf-reports__TEST-test.CorruptTest.xml',
    0,
    0,
    0,
    0,
    0,
    0,
  ], // broken
  ['action-junit-report/test_results__cunit__testEmpty.xml', 0, 0, 0, 0, 0, 0],
  ['action-junit-report/test_results__cunit__testFailure.xml', 4, 3, 1, 0, 0, 0],
  // Written by hand with no rerun marker (no Surefire element, no gotestsum or Ginkgo
  // property): repeated cases are separate tests, as the suites' own totals say.
  ['action-junit-report/test_results__flaky_retries__flaky_all_failures.xml', 3, 0, 2, 1, 0, 0],
  ['action-junit-report/test_results__flaky_retries__flaky_success_first.xml', 3, 1, 1, 1, 0, 0],
  [
    'action-junit-report/test_results__flaky_retries__flaky_with_classname_file.xml',
    5,
    3,
    1,
    1,
    0,
    0,
  ],
  // status="disabled" is skipped: the suite declares disabled="10".
  ['action-junit-report/test_results__issues__testDisabled.xml', 22, 6, 4, 2, 10, 0],
  ['action-junit-report/test_results__issues__testFailedDisabled.xml', 1, 0, 1, 0, 0, 0],
  ['action-junit-report/test_results__junit-server-test__report.xml', 3, 2, 0, 0, 1, 1],
  // Broken at line 9, before any test case closes: nothing of it counts.
  ['action-junit-report/test_results__junit-web-test__expected.xml', 0, 0, 0, 0, 0, 0],
  ['action-junit-report/test_results__junit-web-test__expectedRetries.xml', 0, 0, 0, 0, 0, 0],
  [
    'action-junit-report/test_results__junit_flaky_failure__marathon_junit_report.xml',
    1,
    1,
    0,
    0,
    0,
    1,
  ],
  [
    'action-junit-report/test_results__junit_flaky_failure__mixed_flaky_and_passed.xml',
    3,
    3,
    0,
    0,
    0,
    1,
  ],
  [
    'action-junit-report/test_results__marathon_tests__com.mikepenz.DummyTest#test_02_dummy.xml',
    1,
    1,
    0,
    0,
    0,
    0,
  ],
  [
    'action-junit-report/test_results__marathon_tests__com.mikepenz.DummyTest3#test_01.xml',
    1,
    0,
    1,
    0,
    0,
    0,
  ],
  [
    'action-junit-report/test_results__marathon_tests__com.mikepenz.DummyUtilTest#test_01_dummy.xml',
    1,
    0,
    1,
    0,
    0,
    0,
  ],
  ['action-junit-report/test_results__maven_surefire_flaky__surefire-report.xml', 1, 1, 0, 0, 0, 1],
  ['action-junit-report/test_results__mocha__mocha.xml', 1, 1, 0, 0, 0, 0],
  ['action-junit-report/test_results__multiple__test_10.xml', 3, 3, 0, 0, 0, 0],
  ['action-junit-report/test_results__multiple__test_11.xml', 3, 2, 1, 0, 0, 0],
  ['action-junit-report/test_results__multiple__test_12.xml', 3, 2, 0, 0, 1, 0],
  [
    'action-junit-report/test_results__multiple_failures__test_multiple_errors.xml',
    3,
    1,
    0,
    2,
    0,
    0,
  ],
  [
    'action-junit-report/test_results__multiple_failures__test_multiple_failures.xml',
    4,
    1,
    2,
    0,
    1,
    0,
  ],
  ['action-junit-report/test_results__nested__junit.xml', 5, 2, 3, 0, 0, 0],
  ['action-junit-report/test_results__nested__multi-level.xml', 3, 3, 0, 0, 0, 0],
  ['action-junit-report/test_results__nextest__basic.xml', 3, 2, 1, 0, 0, 0],
  ['action-junit-report/test_results__perl__result.xml', 1, 1, 0, 0, 0, 0],
  ['action-junit-report/test_results__python__report.xml', 3, 1, 2, 0, 0, 0],
  ['action-junit-report/test_results__python__report_flaky.xml', 4, 2, 2, 0, 0, 0],
  [
    'action-junit-report/test_results__tests__email__target__surefire-reports__TEST-action.surefire.report.email.EmailAddressTest.xml',
    9,
    2,
    2,
    5,
    0,
    0,
  ],
  [
    'action-junit-report/test_results__tests__utils__target__surefire-reports__TEST-action.surefire.report.calc.AllOkTest.xml',
    1,
    1,
    0,
    0,
    0,
    0,
  ],
  [
    'action-junit-report/test_results__tests__utils__target__surefire-reports__TEST-action.surefire.report.calc.CalcUtilsTest.xml',
    2,
    0,
    2,
    0,
    0,
    0,
  ],
  [
    'action-junit-report/test_results__tests__utils__target__surefire-reports__TEST-action.surefire.report.calc.StringUtilsTest.xml',
    5,
    2,
    2,
    0,
    1,
    0,
  ],
  ['action-junit-report/test_results__xunit__report.xml', 4, 3, 1, 0, 0, 0],
  ['action-junit-report/test_results__xunit__report_fl_on_f.xml', 4, 3, 1, 0, 0, 0],
  ['test-reporter/__tests____fixtures__empty__java-junit.xml', 0, 0, 0, 0, 0, 0],
  ['test-reporter/__tests____fixtures__empty__jest-junit-empty-testsuite.xml', 0, 0, 0, 0, 0, 0],
  ['test-reporter/__tests____fixtures__empty__jest-junit.xml', 0, 0, 0, 0, 0, 0],
  ['test-reporter/__tests____fixtures__empty__phpunit-empty.xml', 0, 0, 0, 0, 0, 0],
  [
    'test-reporter/__tests____fixtures__external__java__TEST-org.apache.pulsar.AddMissingPatchVersionTest.xml',
    2,
    0,
    1,
    0,
    1,
    0,
  ],
  ['test-reporter/__tests____fixtures__external__java__empty_failures.xml', 3, 2, 1, 0, 0, 0],
  ['test-reporter/__tests____fixtures__external__java__junit4-basic.xml', 6, 5, 1, 0, 0, 0],
  ['test-reporter/__tests____fixtures__external__java__junit4-complete.xml', 8, 5, 1, 1, 1, 0],
  [
    'test-reporter/__tests____fixtures__external__java__pulsar-test-report.xml',
    808,
    793,
    1,
    0,
    14,
    0,
  ],
  [
    'test-reporter/__tests____fixtures__external__jest__jest-react-component-test-results.xml',
    1,
    1,
    0,
    0,
    0,
    0,
  ],
  [
    'test-reporter/__tests____fixtures__external__jest__jest-test-results.xml',
    4239,
    4207,
    2,
    0,
    30,
    0,
  ],
  ['test-reporter/__tests____fixtures__external__phpunit__junit-basic.xml', 9, 8, 1, 0, 0, 0],
  [
    'test-reporter/__tests____fixtures__external__phpunit__phpcheckstyle-phpunit.xml',
    30,
    28,
    2,
    0,
    0,
    0,
  ],
  ['test-reporter/__tests____fixtures__jest-junit-eslint.xml', 1, 1, 0, 0, 0, 0],
  ['test-reporter/__tests____fixtures__jest-junit.xml', 6, 1, 4, 0, 1, 0],
  ['test-reporter/__tests____fixtures__junit-with-message.xml', 1, 0, 1, 0, 0, 0],
  [
    'test-reporter/__tests____fixtures__nette-tester__BootstrapFormRenderer-report.xml',
    4,
    4,
    0,
    0,
    0,
    0,
  ],
  ['test-reporter/__tests____fixtures__nette-tester__tester-v1.7-report.xml', 65, 61, 1, 0, 3, 0],
  ['test-reporter/__tests____fixtures__phpunit__phpunit-paths.xml', 6, 0, 6, 0, 0, 0],
  ['test-reporter/__tests____fixtures__phpunit__phpunit.xml', 12, 10, 2, 0, 0, 0],
  ['test-reporter/__tests____fixtures__python-xunit-pytest.xml', 10, 6, 2, 0, 2, 0],
  ['test-reporter/__tests____fixtures__python-xunit-unittest.xml', 8, 4, 1, 1, 2, 0],
  ['test-reporter/__tests____fixtures__swift-xunit.xml', 3, 2, 1, 0, 0, 0],
  ['test-reporter/__tests____fixtures__test-errors__jest__jest-test-results.xml', 2, 0, 0, 2, 0, 0],
];

/** Broken on purpose: rejected by name and line, with what is wrong. */
const BROKEN: Record<string, RegExp> = {
  'action-junit-report/test_results__corrupt-junit__e2e-tests__corrupt__target__sf-reports__TEST-test.CorruptTest.xml':
    /TEST-test\.CorruptTest\.xml:18: not valid XML: 18:25: unclosed tag: system-out$/,
  // time="<<computed>>": a raw "<" inside an attribute value is not XML.
  'action-junit-report/test_results__junit-web-test__expected.xml':
    /__expected\.xml:9: not valid XML: 9:59: disallowed character/,
  'action-junit-report/test_results__junit-web-test__expectedRetries.xml':
    /__expectedRetries\.xml:9: not valid XML: 9:59: disallowed character/,
};

describe('conformance fixtures', () => {
  it('lists every fixture on disk', () => {
    const onDisk = readdirSync(base).flatMap((d) =>
      readdirSync(path.join(base, d)).map((f) => `${d}/${f}`),
    );
    expect(EXPECTED.map((r) => r[0]).sort()).toEqual(onDisk.sort());
  });

  it.each(EXPECTED)('%s', async (file, total, passed, failed, errors, skipped, flaky) => {
    const { tally, broken } = await collect([path.join(base, file)], {
      workspace: base,
      flaky: true,
    });
    expect(tally.totals).toMatchObject({ total, passed, failed, errors, skipped, flaky });
    expect(passed + failed + errors + skipped).toBe(total);
    if (BROKEN[file]) {
      expect(broken).toHaveLength(1);
      expect(broken[0].file).toBe(file);
      expect(broken[0].message).toMatch(BROKEN[file]);
    } else {
      expect(broken).toEqual([]);
    }
  });

  it('keeps reruns apart when flaky detection is off', async () => {
    const file = path.join(base, 'action-junit-report/test_results__junit-server-test__report.xml');
    const on = await collect([file], { workspace: base, flaky: true });
    const off = await collect([file], { workspace: base, flaky: false });
    expect(on.tally.totals).toMatchObject({ total: 3, failed: 0, flaky: 1 });
    expect(off.tally.totals).toMatchObject({
      total: 4,
      passed: 2,
      failed: 1,
      skipped: 1,
      flaky: 0,
    });
  });

  it('names the flaky test and how often it failed', async () => {
    const file = path.join(base, 'action-junit-report/test_results__junit-server-test__report.xml');
    const { tally } = await collect([file], { workspace: base, flaky: true });
    expect(tally.flakyList()).toEqual([
      expect.objectContaining({
        name: 'TestWebSocketReconnectRace',
        failedRuns: 1,
        message: 'Failed',
      }),
    ]);
    expect(tally.failureList()).toEqual([]);
  });

  it('reads Surefire flakyFailure as flaky, not failed', async () => {
    const file = path.join(
      base,
      'action-junit-report/test_results__maven_surefire_flaky__surefire-report.xml',
    );
    const { tally } = await collect([file], { workspace: base, flaky: true });
    expect(tally.flakyList()).toHaveLength(1);
    expect(tally.flakyList()[0].failedRuns).toBeGreaterThanOrEqual(1);
  });
});
