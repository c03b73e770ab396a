import type { HistoryOutcome, HistoryTest } from '../../shared/history/entry.js';
import { testKey } from '../../shared/history/keys.js';
import type { TestCase } from '../../shared/junit/reader.js';
import { writesReruns } from './tally.js';

/**
 * This run's tests as the history keeps them: one entry per JUnit classname and name, with
 * its outcome, attempts and time. Results are attempts of one test under the tally's rule
 * only (a producer that writes reruns, or reports sharing a directory); two tests that merely
 * share a name stay two, and the entry then says the worst of them — a failure next to a pass
 * of another test of that name is a failure, never a flaky pass.
 */
interface Attempts {
  passed: boolean;
  failed: boolean;
  /** Surefire's flakyFailure: failed runs before a pass, in one case. */
  flakyElement: boolean;
  count: number;
  ms: number;
}

export class HistoryCollector {
  private readonly byKey = new Map<string, Attempts[]>();
  private readonly byIdentity = new Map<string, Attempts>();
  private report = '';
  private occurrences = new Map<string, number>();

  constructor(private readonly flaky: boolean) {}

  add(tc: TestCase, shared: boolean): void {
    if (tc.report !== this.report) {
      this.report = tc.report;
      this.occurrences = new Map();
    }
    const key = testKey(tc.classname, tc.name);
    const identity = this.identity(tc, key, shared);
    const known = identity === undefined ? undefined : this.byIdentity.get(identity);
    const a = known ?? { passed: false, failed: false, flakyElement: false, count: 0, ms: 0 };
    if (tc.outcome === 'passed') a.passed = true;
    else if (tc.outcome !== 'skipped') a.failed = true;
    if (tc.flakyRuns.length) a.flakyElement = true;
    if (tc.outcome !== 'skipped') a.count += 1 + tc.flakyRuns.length + tc.reruns.length;
    a.ms += tc.time * 1000;
    if (known) return;
    if (identity !== undefined) this.byIdentity.set(identity, a);
    const list = this.byKey.get(key);
    if (list) list.push(a);
    else this.byKey.set(key, [a]);
  }

  /** Where attempts of one test can meet, the identity they share; else none. */
  private identity(tc: TestCase, key: string, shared: boolean): string | undefined {
    if (!this.flaky) return undefined;
    const rerunAware = writesReruns(tc.suiteProperties);
    if (!rerunAware && !shared) return undefined;
    const slash = tc.report.lastIndexOf('/');
    const dir = slash < 0 ? '.' : tc.report.slice(0, slash);
    let id = `${dir}\u0000${tc.attributes.file ?? ''}\u0000${tc.suites.join('\u0001')}\u0000${key}`;
    if (!rerunAware) {
      // The n-th case of one identity in a report is an attempt of the n-th in another.
      const n = this.occurrences.get(id) ?? 0;
      this.occurrences.set(id, n + 1);
      id += `\u0000#${n}`;
    }
    return id;
  }

  tests(): Map<string, HistoryTest> {
    const out = new Map<string, HistoryTest>();
    for (const [key, list] of this.byKey) {
      let outcome: HistoryOutcome = 'skipped';
      let attempts = 0;
      let ms = 0;
      for (const a of list) {
        const o = outcomeOf(a);
        if (RANK[o] > RANK[outcome]) outcome = o;
        attempts = Math.max(attempts, a.count);
        ms += a.ms;
      }
      out.set(key, { outcome, attempts, durationMs: Math.round(ms) });
    }
    return out;
  }
}

const RANK: Record<HistoryOutcome, number> = { skipped: 0, passed: 1, flaky: 2, failed: 3 };

function outcomeOf(a: Attempts): HistoryOutcome {
  if (a.passed && (a.failed || a.flakyElement)) return 'flaky';
  if (a.failed) return 'failed';
  return a.passed ? 'passed' : 'skipped';
}
