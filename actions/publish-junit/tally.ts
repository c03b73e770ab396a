import path from 'node:path';
import { failureMessage } from './messages.js';
import { WorkspaceResolver, locateCase } from '../../shared/junit/location.js';
import {
  detach,
  type DeclaredSuite,
  type RootEnd,
  type SuiteEnd,
  type TestCase,
} from '../../shared/junit/reader.js';
import {
  emptyTotals,
  type FailureEntry,
  type FlakyEntry,
  type SlowTest,
  type SuiteRow,
  type Totals,
} from './results.js';

/**
 * Counts test cases as they stream by, keeping only what the reports need: exact totals, one
 * row per suite, and capped lists of failures, flaky tests and the slowest tests.
 *
 * A test's identity is its report's directory, `file` attribute, suite path, class and name.
 * Results of one identity are attempts (reruns) only when the producer says so: Surefire's
 * flaky/rerun elements, gotestsum and Ginkgo repeating a case in one report; or when they
 * come from several reports in one directory (a run and its rerun). Anywhere else two cases
 * of one identity are two tests, and reports in different directories are different runs:
 * nothing from one can turn a failure of another into a pass. Identities are kept (a 53-bit
 * hash and a few state bits each) only where attempts can meet, so a lone report costs
 * nothing per test.
 */
export interface TallyOptions {
  workspace: string;
  flaky: boolean;
  maxFailures?: number;
  maxFlaky?: number;
  maxSuites?: number;
  slowest?: number;
}

// Bits of a test's state; the suite row index sits above them.
const PASSED = 1;
const FAILED = 2;
const ERROR = 4;
const SKIPPED = 8;
const FLAKY_ELEMENT = 16;
const SHIFT = 32;

type Category = 'passed' | 'failed' | 'errors' | 'skipped' | 'flaky';
const RANK: Record<Category, number> = { passed: 0, skipped: 0, flaky: 1, failed: 2, errors: 3 };

function categoryOf(bits: number): Category {
  if (bits & FLAKY_ELEMENT && bits & PASSED && !(bits & (FAILED | ERROR))) return 'flaky';
  if (bits & PASSED && bits & (FAILED | ERROR)) return 'flaky';
  if (bits & ERROR) return 'errors';
  if (bits & FAILED) return 'failed';
  if (bits & PASSED) return 'passed';
  return 'skipped';
}

function bitsOf(tc: TestCase): number {
  let bits =
    tc.outcome === 'passed'
      ? PASSED
      : tc.outcome === 'failed'
        ? FAILED
        : tc.outcome === 'error'
          ? ERROR
          : SKIPPED;
  if (tc.flakyRuns.length > 0) bits |= FLAKY_ELEMENT;
  return bits;
}

/**
 * cyrb53: a fast 53-bit string hash; collisions among a million names are improbable. `seed`
 * makes another hash of the same string: the n-th occurrence of a name is hashed with seed n.
 */
export function hash53(str: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

const DETAILS_CAP = 8 * 1024;
/**
 * Failures listed: more than the 1 MiB summary can name (a row takes 100 bytes or more), so
 * the summary, not this list, decides how many are named. Only the first DETAILS_KEPT keep
 * their details (the summary shows at most a few dozen), so the list stays a few MB at most.
 */
const MAX_FAILURES = 12_000;
const DETAILS_KEPT = 200;
const MESSAGE_CAP = 1024;

function clip(text: string | undefined, max: number): string | undefined {
  if (text === undefined) return undefined;
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** What the tally must know of the report being read, before its cases arrive. */
export interface ReportContext {
  /** The report's name as shown (workspace-relative). */
  report: string;
  /** Other reports share its directory: their cases may be attempts of its cases. */
  shared: boolean;
}

/** Producers whose repeated cases in one report are reruns, known by their suite properties. */
export function writesReruns(props: Readonly<Record<string, string>>): boolean {
  // gotestsum and go-junit-report (go.version); Ginkgo v2 (SuiteSucceeded and friends).
  return 'go.version' in props || 'SuiteSucceeded' in props;
}

interface Current {
  ctx: ReportContext;
  dir: string;
  /** How often each identity occurred so far in this report (reports that write no reruns). */
  occurrences: Map<number, number>;
  cases: number;
  errors: number;
  declaredPasses: { row: number; passed: number; time: number }[];
}

export class Tally {
  readonly totals: Totals = emptyTotals();
  private current: Current | undefined;
  private sequence = 0;
  readonly suiteFailures: { report: string; suite: string; reason: string }[] = [];
  private readonly suites: SuiteRow[] = [];
  private readonly suiteIndex = new Map<string, number>();
  private readonly seen = new Map<number, number>();
  private readonly failures = new Map<number, FailureEntry>();
  private omittedFailures = 0;
  private readonly flakies = new Map<number, FlakyEntry>();
  private omittedFlaky = 0;
  private readonly slow: SlowTest[] = [];
  private readonly maxFailures: number;
  private readonly maxFlaky: number;
  private readonly maxSuites: number;
  private readonly slowest: number;

  private readonly resolver: WorkspaceResolver;

  constructor(private readonly opts: TallyOptions) {
    this.resolver = new WorkspaceResolver(opts.workspace);
    this.maxFailures = opts.maxFailures ?? MAX_FAILURES;
    this.maxFlaky = opts.maxFlaky ?? 200;
    this.maxSuites = opts.maxSuites ?? 500;
    this.slowest = opts.slowest ?? 10;
  }

  private lastSuite?: { report: string; name: string; index: number };

  private suiteRow(report: string, name: string): number {
    const last = this.lastSuite;
    if (last && last.report === report && last.name === name) return last.index;
    // Kept for the whole run: a copy, so it pins no input chunk (see detach).
    const key = detach(`${report}\u0000${name}`);
    let i = this.suiteIndex.get(key);
    if (i === undefined) {
      i = this.suites.length;
      this.suites.push({
        report,
        name: detach(name),
        tests: 0,
        passed: 0,
        failed: 0,
        errors: 0,
        skipped: 0,
        flaky: 0,
        time: 0,
      });
      this.suiteIndex.set(key, i);
    }
    this.lastSuite = { report, name, index: i };
    return i;
  }

  private count(row: SuiteRow, cat: Category, by: number): void {
    const t = this.totals;
    t.total += by;
    row.tests += by;
    switch (cat) {
      case 'passed':
        t.passed += by;
        row.passed += by;
        break;
      case 'skipped':
        t.skipped += by;
        row.skipped += by;
        break;
      case 'failed':
        t.failed += by;
        row.failed += by;
        break;
      case 'flaky':
        t.flaky += by;
        t.passed += by;
        row.flaky += by;
        row.passed += by;
        break;
      case 'errors':
        t.errors += by;
        row.errors += by;
    }
  }

  /** Starts a report: its cases count under its directory. */
  beginReport(ctx: ReportContext): void {
    const dir = ctx.report.includes('/') ? ctx.report.slice(0, ctx.report.lastIndexOf('/')) : '.';
    this.current = { ctx, dir, occurrences: new Map(), cases: 0, errors: 0, declaredPasses: [] };
  }

  /**
   * Ends a report. A suite that declares passes (and time) without holding a case counts them
   * only when the report holds no case at all: beside real cases such a suite is a summary of
   * them, or an empty fixture, never more tests.
   */
  endReport(): void {
    const c = this.current;
    if (!c) return;
    if (c.cases === 0)
      for (const d of c.declaredPasses) {
        const row = this.suites[d.row];
        this.count(row, 'passed', d.passed);
        this.totals.duration += d.time;
        row.time += d.time;
      }
    this.current = undefined;
  }

  /** The report a case belongs to; a caller that did not begin it gets a lone report. */
  private context(report: string): Current {
    if (!this.current || this.current.ctx.report !== report) {
      this.endReport();
      this.beginReport({ report, shared: false });
    }
    return this.current as Current;
  }

  /** A key no other case has: the case counts on its own. */
  private unique(): number {
    return -++this.sequence;
  }

  /** The identity's key, or a unique one when no other attempt of it can exist. */
  private identity(tc: TestCase, cur: Current): number {
    const rerunAware = writesReruns(tc.suiteProperties);
    if (!rerunAware && !cur.ctx.shared) return this.unique();
    const id = `${cur.dir}\u0000${tc.attributes.file ?? ''}\u0000${tc.suites.join('\u0001')}\u0000${tc.classname}\u0000${tc.name}`;
    const h = hash53(id);
    if (rerunAware) return h;
    // Two cases of one identity in one report are two tests; the n-th of one report is an
    // attempt of the n-th of another report in the same directory.
    const n = cur.occurrences.get(h) ?? 0;
    cur.occurrences.set(h, n + 1);
    return n ? hash53(id, n) : h;
  }

  add(tc: TestCase): void {
    const cur = this.context(tc.report);
    cur.cases++;
    if (tc.outcome === 'error') cur.errors++;
    const suite = tc.suites.at(-1) ?? '';
    const rowIndex = this.suiteRow(tc.report, suite);
    this.totals.duration += tc.time;
    this.suites[rowIndex].time += tc.time;
    this.noteTime(tc, suite);
    const bits = bitsOf(tc);
    const key = this.opts.flaky ? this.identity(tc, cur) : this.unique();
    const prev = key > 0 ? this.seen.get(key) : undefined;
    if (prev !== undefined) return this.addAttempt(key, prev, bits, tc, suite);
    const cat = categoryOf(bits);
    this.count(this.suites[rowIndex], cat, 1);
    if (key > 0) this.seen.set(key, rowIndex * SHIFT + bits);
    if (cat === 'failed' || cat === 'errors') this.noteFailure(key, tc, suite);
    else if (cat === 'flaky' && this.opts.flaky) this.noteFlaky(key, tc, suite, false);
  }

  /** Another attempt of a test already counted: the test's category follows all attempts. */
  private addAttempt(key: number, prev: number, bits: number, tc: TestCase, suite: string): void {
    const prevBits = prev % SHIFT;
    const row = this.suites[Math.floor(prev / SHIFT)];
    const before = categoryOf(prevBits);
    const merged = prevBits | bits;
    const after = categoryOf(merged);
    this.seen.set(key, prev - prevBits + merged);
    this.count(row, before, -1);
    this.count(row, after, 1);
    if (after === 'flaky')
      this.noteFlaky(key, tc, suite, before === 'failed' || before === 'errors');
    else if ((after === 'failed' || after === 'errors') && RANK[after] > RANK[before])
      this.noteFailure(key, tc, suite);
  }

  /** A suite with no test case: only its attributes say what happened. */
  addDeclared(s: DeclaredSuite): void {
    const cur = this.context(s.report);
    const row = this.suiteRow(s.report, s.name);
    const r = this.suites[row];
    const failed = Math.max(0, s.failures);
    const errors = Math.max(0, s.errors);
    const skipped = Math.max(0, s.skipped);
    const passed = Math.max(0, s.tests - failed - errors - skipped);
    cur.errors += errors;
    cur.declaredPasses.push({ row, passed, time: s.time });
    this.count(r, 'failed', failed);
    this.count(r, 'errors', errors);
    this.count(r, 'skipped', skipped);
    if (failed + errors > 0) {
      this.pushFailure(this.unique(), {
        outcome: errors > 0 ? 'error' : 'failed',
        suite: s.name,
        classname: s.name,
        name: `(suite declares ${failed} failure(s) and ${errors} error(s) without test cases)`,
        report: s.report,
        reportLine: 0,
        time: s.time,
      });
    }
  }

  /** Ginkgo says whether the suite succeeded; it can fail with every spec passing. */
  endSuite(s: SuiteEnd): void {
    if (s.properties.SuiteSucceeded !== 'false') return;
    // A failing spec already fails the suite and says why; this is for a suite without one.
    const row = this.suites[this.suiteRow(s.report, s.name)];
    if (row.failed + row.errors > 0) return;
    const special = s.properties.SpecialSuiteFailureReason;
    const focus = s.properties.SuiteHasProgrammaticFocus === 'true';
    const reason =
      special ||
      (focus
        ? 'the suite has programmatically focused specs (FIt, FDescribe...); Ginkgo exits 197'
        : 'Ginkgo reports SuiteSucceeded=false');
    this.suiteFailures.push({ report: s.report, suite: detach(s.name), reason: detach(reason) });
  }

  /**
   * The root's errors that no case or suite holds (gotestsum writes errors="1" on the root
   * for a package that does not compile): each is an error, listed under the report.
   */
  endRoot(root: RootEnd): void {
    const cur = this.context(root.report);
    const missing = root.root === 'testsuites' ? root.errors - cur.errors : 0;
    if (missing <= 0) return;
    const row = this.suites[this.suiteRow(root.report, '')];
    this.count(row, 'errors', missing);
    this.pushFailure(this.unique(), {
      outcome: 'error',
      suite: '',
      classname: '',
      name: `(report declares ${missing} error(s) outside any test case: a package that did not build, a crash before the tests)`,
      report: root.report,
      reportLine: 1,
      time: 0,
    });
  }

  private noteTime(tc: TestCase, suite: string): void {
    if (this.slowest <= 0 || tc.time <= 0) return;
    const s = this.slow;
    if (s.length >= this.slowest && s[s.length - 1].time >= tc.time) return;
    const entry = {
      suite: detach(suite),
      classname: detach(tc.classname),
      name: detach(tc.name),
      time: tc.time,
    };
    let i = s.length;
    while (i > 0 && s[i - 1].time < tc.time) i--;
    s.splice(i, 0, entry);
    if (s.length > this.slowest) s.pop();
  }

  private pushFailure(key: number, entry: FailureEntry): void {
    if (this.failures.has(key)) {
      this.failures.set(key, entry);
      return;
    }
    if (this.failures.size >= this.maxFailures) {
      this.omittedFailures++;
      return;
    }
    this.failures.set(key, entry);
  }

  private noteFailure(key: number, tc: TestCase, suite: string): void {
    if (!this.failures.has(key) && this.failures.size >= this.maxFailures) {
      this.omittedFailures++;
      return;
    }
    const result = tc.results.find((r) => r.outcome === tc.outcome) ?? tc.results[0];
    const loc = locateCase(tc, this.opts.workspace, this.resolver.forCase(tc));
    this.pushFailure(key, {
      outcome: tc.outcome === 'error' ? 'error' : 'failed',
      suite: detach(suite),
      classname: detach(tc.classname),
      name: detach(tc.name),
      // Producers such as jest-junit leave the message out and put it on the first line of the
      // details; the summary's table and the annotation title need a line either way.
      message: detach(clip(failureMessage(result), MESSAGE_CAP)),
      details:
        this.failures.size < DETAILS_KEPT ? detach(clip(result?.details, DETAILS_CAP)) : undefined,
      file: detach(loc?.file),
      line: loc?.line,
      report: tc.report,
      reportLine: tc.reportLine,
      time: tc.time,
    });
  }

  private noteFlaky(key: number, tc: TestCase, suite: string, wasFailing: boolean): void {
    const earlier = wasFailing ? this.failures.get(key) : undefined;
    if (earlier) this.failures.delete(key);
    else if (wasFailing && this.omittedFailures > 0) this.omittedFailures--;
    const existing = this.flakies.get(key);
    const failedRuns =
      tc.flakyRuns.length + (tc.outcome === 'failed' || tc.outcome === 'error' ? 1 : 0);
    if (existing) {
      existing.failedRuns += failedRuns;
      return;
    }
    if (this.flakies.size >= this.maxFlaky) {
      this.omittedFlaky++;
      return;
    }
    const msg =
      earlier?.message ??
      failureMessage(tc.flakyRuns[0]) ??
      failureMessage(tc.results.find((r) => r.outcome !== 'skipped'));
    this.flakies.set(key, {
      suite: detach(suite),
      classname: detach(tc.classname),
      name: detach(tc.name),
      failedRuns: failedRuns + (earlier ? 1 : 0),
      message: detach(clip(msg, MESSAGE_CAP)),
      report: tc.report,
    });
  }

  failureList(): FailureEntry[] {
    // Errors first (the test could not even run), then failures, each in report order.
    const all = [...this.failures.values()];
    return [
      ...all.filter((f) => f.outcome === 'error'),
      ...all.filter((f) => f.outcome !== 'error'),
    ];
  }

  flakyList(): FlakyEntry[] {
    return [...this.flakies.values()];
  }

  slowList(): SlowTest[] {
    return [...this.slow];
  }

  suiteList(): { rows: SuiteRow[]; omitted: number } {
    const rows = this.suites.filter((r) => r.tests > 0 || r.time > 0);
    // Failing suites first, so a cap never hides them.
    rows.sort((a, b) => b.failed + b.errors - (a.failed + a.errors));
    const omitted = Math.max(0, rows.length - this.maxSuites);
    return { rows: rows.slice(0, this.maxSuites), omitted };
  }

  omitted(): { failures: number; flaky: number } {
    return { failures: this.omittedFailures, flaky: this.omittedFlaky };
  }
}

/** A report's name as shown to people: relative to the workspace when inside it. */
export function displayPath(file: string, workspace: string): string {
  const rel = path.relative(workspace, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel)
    ? rel.split(path.sep).join('/')
    : file;
}
