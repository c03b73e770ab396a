import { Interner, OutcomeFinder, type HistoryOutcome, type HistoryRun } from './entry.js';
import { flakeStats } from './analysis.js';
import type { FlakePolicy } from './policy.js';

/**
 * What goes over the flake threshold. The Kyklos process: a test that is flaky 2 or more times
 * in 100 runs is quarantined — left out of the required run by select-tests' quarantine — until
 * it is fixed or the entry's date passes.
 */
export interface QuarantineEntry {
  id: string;
  reason: string;
  until: string;
}

/**
 * Tests over the threshold in `runs` (one environment, newest first), as quarantine entries.
 * An entry lasts `expiryDays` from the flaky run that put the test over the threshold: once
 * that date passes the test runs again, and a new flake quarantines it again from then, while
 * a test that stays healthy leaves the quarantine for good. Entries whose date has passed are
 * returned too (select-tests shows them as expired); `active` tells them apart.
 */
export function overBudget(
  runs: readonly HistoryRun[],
  policy: Pick<FlakePolicy, 'count' | 'of' | 'expiryDays'>,
): QuarantineEntry[] {
  const out: QuarantineEntry[] = [];
  const stats = flakeStats(runs, policy.of);
  for (const id of [...stats.keys()].sort()) {
    const { flakyRuns, runs: n } = stats.get(id) as { flakyRuns: number; runs: number };
    if (flakyRuns < policy.count) continue;
    const since = nthFlakyRun(id, runs, policy.count, policy.of);
    const until = new Date(Date.parse(since) + policy.expiryDays * 86_400_000)
      .toISOString()
      .slice(0, 10);
    out.push({
      id,
      reason: `flaky in ${flakyRuns} of its last ${n} runs (threshold: ${policy.count} in ${policy.of})`,
      until,
    });
  }
  return out;
}

/** Whether an entry still applies on `now`'s date (its `until` day included). */
export function active(entry: QuarantineEntry, now: Date): boolean {
  return entry.until >= now.toISOString().slice(0, 10);
}

/** The time of the test's `count`-th newest flaky run among its newest `of` runs. */
function nthFlakyRun(id: string, runs: readonly HistoryRun[], count: number, of: number): string {
  const find = new OutcomeFinder(runs.find((r) => r.columns)?.columns?.interner ?? new Interner());
  const mine: Array<{ run: HistoryRun; outcome: HistoryOutcome }> = [];
  for (const run of runs) {
    const outcome = find.outcome(run, id);
    if (outcome !== undefined) mine.push({ run, outcome });
    if (mine.length >= of) break;
  }
  const bySha = new Map<string, Set<HistoryOutcome>>();
  for (const m of mine) bySha.set(m.run.sha, (bySha.get(m.run.sha) ?? new Set()).add(m.outcome));
  const flakySha = (sha: string) => {
    const s = bySha.get(sha);
    return !!s && (s.has('flaky') || (s.has('failed') && s.has('passed')));
  };
  let seen = 0;
  for (const m of mine) {
    if (m.outcome === 'flaky' || (m.outcome === 'failed' && flakySha(m.run.sha))) {
      if (++seen === count) return m.run.time;
    }
  }
  return mine[mine.length - 1]?.run.time ?? new Date(0).toISOString();
}

/** The quarantine file select-tests reads (`quarantine:`), as JSON. */
export function quarantineFile(entries: readonly QuarantineEntry[]): string {
  return `${JSON.stringify({ tests: entries }, null, 2)}\n`;
}
