import path from 'node:path';
import { locateCase } from '../../shared/junit/location.js';
import { detach, type DeclaredSuite, type TestCase } from '../../shared/junit/reader.js';
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
 * row per suite, and capped lists of failures, flaky tests and the slowest tests. With flaky
 * detection on, a test case repeating one that failed (same suite, class and name; in the
 * same report or another one) is a rerun and folds into it: a later pass makes it flaky,
 * otherwise the worst run counts. Only failing tests are remembered (a 53-bit hash and a few
 * state bits each), so memory follows the number of failures, never the size of the reports.
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

/** cyrb53: a fast 53-bit string hash; collisions among a million names are improbable. */
function hash53(str: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
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
const MESSAGE_CAP = 1024;

function clip(text: string | undefined, max: number): string | undefined {
  if (text === undefined) return undefined;
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export class Tally {
  readonly totals: Totals = emptyTotals();
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

  constructor(private readonly opts: TallyOptions) {
    this.maxFailures = opts.maxFailures ?? 200;
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
      case 'flaky':
        t.flaky += by;
        t.passed += by;
        row.flaky += by;
        row.passed += by;
        break;
      case 'errors':
        t.errors += by;
        row.errors += by;
        break;
      default:
        t[cat] += by;
        row[cat] += by;
    }
  }

  add(tc: TestCase): void {
    const suite = tc.suites.at(-1) ?? '';
    const rowIndex = this.suiteRow(tc.report, suite);
    this.totals.duration += tc.time;
    this.suites[rowIndex].time += tc.time;
    this.noteTime(tc, suite);
    const bits = bitsOf(tc);
    if (!this.opts.flaky) {
      const cat = categoryOf(bits);
      this.count(this.suites[rowIndex], cat, 1);
      if (cat === 'failed' || cat === 'errors') this.noteFailure(this.totals.total, tc, suite);
      return;
    }
    // A repeat of a test that failed is a rerun of it; a repeat of a test that passed is
    // another test of the same name (parameterized tests, TestNG data providers).
    const failing = bits & (FAILED | ERROR | FLAKY_ELEMENT);
    // Only a test that failed can be rerun; while none has, passing cases need no identity.
    // (Surefire's flaky elements need one too: they are listed.)
    const key =
      failing || this.seen.size > 0 ? hash53(`${suite}\u0000${tc.classname}\u0000${tc.name}`) : 0;
    const prev = key ? this.seen.get(key) : undefined;
    if (prev !== undefined) {
      const prevBits = prev % SHIFT;
      const row = this.suites[Math.floor(prev / SHIFT)];
      const before = categoryOf(prevBits);
      const merged = prevBits | bits;
      const after = categoryOf(merged);
      this.seen.set(key, prev - prevBits + merged);
      this.count(row, before, -1);
      this.count(row, after, 1);
      if (after === 'flaky') this.noteFlaky(key, tc, suite, before !== 'flaky');
      else if (after === 'failed' || after === 'errors') {
        if (RANK[after] > RANK[before]) this.noteFailure(key, tc, suite);
      }
      return;
    }
    const cat = categoryOf(bits);
    this.count(this.suites[rowIndex], cat, 1);
    if (cat === 'failed' || cat === 'errors') {
      this.seen.set(key, rowIndex * SHIFT + bits);
      this.noteFailure(key, tc, suite);
    } else if (cat === 'flaky') {
      this.noteFlaky(key, tc, suite, false);
    }
  }

  /** A suite with no test case: only its attributes say what happened. */
  addDeclared(s: DeclaredSuite): void {
    const row = this.suiteRow(s.report, s.name);
    const r = this.suites[row];
    const failed = Math.max(0, s.failures);
    const errors = Math.max(0, s.errors);
    const skipped = Math.max(0, s.skipped);
    const passed = Math.max(0, s.tests - failed - errors - skipped);
    this.count(r, 'passed', passed);
    this.count(r, 'failed', failed);
    this.count(r, 'errors', errors);
    this.count(r, 'skipped', skipped);
    this.totals.duration += s.time;
    r.time += s.time;
    if (failed + errors > 0) {
      this.pushFailure(hash53(`declared\u0000${s.report}\u0000${s.name}`), {
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
    const loc = locateCase(tc, this.opts.workspace);
    this.pushFailure(key, {
      outcome: tc.outcome === 'error' ? 'error' : 'failed',
      suite: detach(suite),
      classname: detach(tc.classname),
      name: detach(tc.name),
      // Producers such as jest-junit leave the message out and put it on the first line of the
      // details; the summary's table and the annotation title need a line either way.
      message: detach(
        clip(result?.message?.trim() || firstLine(result?.details) || result?.type, MESSAGE_CAP),
      ),
      details: detach(clip(result?.details, DETAILS_CAP)),
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
      tc.flakyRuns[0]?.message ??
      tc.results.find((r) => r.outcome !== 'skipped')?.message;
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

function firstLine(text: string | undefined): string | undefined {
  return text
    ?.split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
}
