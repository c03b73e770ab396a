import { UserError, quote } from '../errors.js';
import type { HistoryRun } from './entry.js';
import { flakeRate } from './analysis.js';

/**
 * The flake budget and what goes over it. The Kyklos process: a test that fails 2 or more times
 * in 100 runs without a code change is quarantined — left out of the required run by
 * select-tests' quarantine file — until it is fixed or the entry's date passes.
 */
export interface FlakePolicy {
  /** Flaky runs that put a test over budget… */
  count: number;
  /** …among this many of its newest runs. */
  of: number;
  /** Days a quarantine entry lasts before the test must prove itself again. */
  expiryDays: number;
}

export const DEFAULT_POLICY: FlakePolicy = { count: 2, of: 100, expiryDays: 14 };

/** `2 in 100` → { count: 2, of: 100 }. */
export function parseThreshold(text: string, what: string): Pick<FlakePolicy, 'count' | 'of'> {
  const m = /^\s*(\d+)\s+in\s+(\d+)\s*$/i.exec(text);
  const count = Number(m?.[1]);
  const of = Number(m?.[2]);
  if (!m || count < 1 || of < count) {
    throw new UserError(
      `${what}: ${quote(text)} is not a threshold; allowed: "N in M" with 1 ≤ N ≤ M, e.g. "2 in 100"`,
    );
  }
  return { count, of };
}

export interface QuarantineEntry {
  id: string;
  reason: string;
  until: string;
}

/** Tests over budget in `runs` (one environment, newest first), as quarantine entries. */
export function overBudget(
  runs: readonly HistoryRun[],
  policy: FlakePolicy,
  now: Date,
): QuarantineEntry[] {
  const ids = new Set<string>();
  for (const run of runs) for (const id of run.tests.keys()) ids.add(id);
  const until = new Date(now.getTime() + policy.expiryDays * 86_400_000).toISOString().slice(0, 10);
  const out: QuarantineEntry[] = [];
  for (const id of [...ids].sort()) {
    const recent = runs.filter((r) => r.tests.has(id)).slice(0, policy.of);
    const { flakyRuns, runs: n } = flakeRate(id, recent);
    if (flakyRuns < policy.count) continue;
    out.push({
      id,
      reason: `flaky in ${flakyRuns} of its last ${n} runs (budget: ${policy.count} in ${policy.of})`,
      until,
    });
  }
  return out;
}

/** The quarantine file select-tests reads (`quarantine:`), as JSON. */
export function quarantineFile(entries: readonly QuarantineEntry[]): string {
  return `${JSON.stringify({ tests: entries }, null, 2)}\n`;
}
