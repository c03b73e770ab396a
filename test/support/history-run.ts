import type { HistoryOutcome, HistoryRun } from '../../shared/history/entry.js';

let clock = Date.parse('2026-11-01T00:00:00.000Z');

/** The next entry is made an hour after `time` (milliseconds since the epoch). */
export function startHistoryClock(time: number): void {
  clock = time;
}

/**
 * One job's history entry, an hour after the one made before it; `tests` maps a test id
 * (testKey of classname and name) to its outcome, a flaky one taking two attempts.
 */
export function historyRun(
  tests: Record<string, HistoryOutcome>,
  over: Partial<Omit<HistoryRun, 'tests'>> = {},
  durationMs = 1000,
): HistoryRun {
  clock += 3_600_000;
  return {
    repository: 'octo-org/octo-repo',
    workflow: 'ci',
    environment: 'test-kvm',
    runId: String(clock / 1000),
    runAttempt: 1,
    sha: 'a'.repeat(40),
    branch: 'main',
    time: new Date(clock).toISOString(),
    tests: new Map(
      Object.entries(tests).map(([id, outcome]) => [
        id,
        { outcome, attempts: outcome === 'flaky' ? 2 : 1, durationMs },
      ]),
    ),
    ...over,
  };
}
