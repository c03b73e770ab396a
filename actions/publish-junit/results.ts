/**
 * The normalized results a publish-junit run writes (`output`) and a dashboard run reads back
 * (`aggregate`). Lists are capped so the file stays small whatever the reports held; the totals
 * are always exact.
 */
export const RESULTS_VERSION = 1;

export interface Totals {
  /** Tests counted once each (reruns of one test fold into one). */
  total: number;
  /** Passed, including flaky tests (they passed in the end). */
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
  /** Tests that failed and then passed; also counted in `passed`. */
  flaky: number;
  /** Sum of the test cases' times, seconds. */
  duration: number;
}

export type Conclusion = 'success' | 'failure' | 'neutral';

export interface FailureEntry {
  outcome: 'failed' | 'error';
  suite: string;
  classname: string;
  name: string;
  message?: string;
  /** The failure's text (stack trace, output), trimmed. */
  details?: string;
  /** Source file and line, relative to the workspace, when known. */
  file?: string;
  line?: number;
  /** The report it came from and the line of the <testcase> in it. */
  report: string;
  reportLine: number;
  time: number;
}

export interface FlakyEntry {
  suite: string;
  classname: string;
  name: string;
  /** Runs that failed before (or after) the passing one. */
  failedRuns: number;
  message?: string;
  report: string;
}

export interface SuiteRow {
  report: string;
  name: string;
  tests: number;
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
  flaky: number;
  time: number;
}

export interface SlowTest {
  suite: string;
  classname: string;
  name: string;
  time: number;
}

/** A suite its producer says failed although no case did (Ginkgo's SuiteSucceeded=false). */
export interface SuiteFailure {
  report: string;
  suite: string;
  reason: string;
}

export interface BrokenReport {
  file: string;
  message: string;
}

export interface Results {
  version: typeof RESULTS_VERSION;
  name: string;
  environment?: string;
  conclusion: Conclusion;
  totals: Totals;
  /** Percentage of the tests that ran (not skipped) that passed, two decimals. */
  passRate: number;
  reports: string[];
  broken: BrokenReport[];
  /** Suites that failed as a whole; absent in files written before it existed. */
  suiteFailures?: SuiteFailure[];
  suites: SuiteRow[];
  failures: FailureEntry[];
  flaky: FlakyEntry[];
  slowest: SlowTest[];
  /** How many entries each capped list left out. */
  omitted: { suites: number; failures: number; flaky: number };
  /** Link to the run that produced it, when known. */
  runUrl?: string;
}

export function emptyTotals(): Totals {
  return { total: 0, passed: 0, failed: 0, errors: 0, skipped: 0, flaky: 0, duration: 0 };
}

export function passRate(t: Totals): number {
  const ran = t.total - t.skipped;
  if (ran <= 0) return 0;
  return Math.floor((t.passed / ran) * 10000) / 100;
}

/** The tests' verdict: failed or errored tests, or an unreadable report, fail it. */
export function conclude(t: Totals, broken: number, suiteFailures = 0): Conclusion {
  if (t.failed + t.errors > 0 || broken > 0 || suiteFailures > 0) return 'failure';
  if (t.total === 0) return 'neutral';
  return 'success';
}
