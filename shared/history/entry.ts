import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * One run's results in the test history: which tests ran in one job of one environment, with
 * what outcome, how many attempts and how long, and the run's facts (commit, run id and
 * attempt, branch, time). Stored as gzipped JSON, tests keyed by their identity: a run of 10k
 * tests takes a few hundred kB at most.
 */
export const HISTORY_VERSION = 1;

/** Outcome codes in the stored form, in this order. */
export const OUTCOMES = ['passed', 'failed', 'flaky', 'skipped'] as const;
export type HistoryOutcome = (typeof OUTCOMES)[number];

export interface HistoryTest {
  outcome: HistoryOutcome;
  attempts: number;
  durationMs: number;
}

export interface HistoryRun {
  repository: string;
  workflow: string;
  /** The profile's environment name; `default` when the step named none. */
  environment: string;
  runId: string;
  runAttempt: number;
  sha: string;
  branch: string;
  /** When the run's results were published (ISO 8601). */
  time: string;
  tests: Map<string, HistoryTest>;
}

interface Stored {
  v: number;
  repository: string;
  workflow: string;
  environment: string;
  runId: string;
  runAttempt: number;
  sha: string;
  branch: string;
  time: string;
  /** id → [outcome code, attempts, duration in ms] */
  tests: Record<string, [number, number, number]>;
}

export function encodeRun(run: HistoryRun): Buffer {
  const tests: Stored['tests'] = {};
  for (const [id, t] of run.tests) {
    tests[id] = [OUTCOMES.indexOf(t.outcome), t.attempts, Math.round(t.durationMs)];
  }
  const stored: Stored = { v: HISTORY_VERSION, ...run, tests };
  return gzipSync(JSON.stringify(stored));
}

/** The run in `bytes`, or a one-line reason it is not one this version can read. */
export function decodeRun(bytes: Buffer): HistoryRun | { bad: string } {
  let stored: Partial<Stored>;
  try {
    stored = JSON.parse(gunzipSync(bytes).toString('utf8')) as Partial<Stored>;
  } catch (err) {
    return { bad: `not a gzipped JSON history entry (${(err as Error).message.split('\n')[0]})` };
  }
  if (stored.v !== HISTORY_VERSION) {
    return {
      bad: `history version ${JSON.stringify(stored.v)}; this version reads ${HISTORY_VERSION}`,
    };
  }
  for (const field of [
    'repository',
    'workflow',
    'environment',
    'runId',
    'sha',
    'branch',
    'time',
  ] as const) {
    if (typeof stored[field] !== 'string') return { bad: `"${field}" is not a string` };
  }
  if (!Number.isInteger(stored.runAttempt) || (stored.runAttempt as number) < 1) {
    return { bad: '"runAttempt" is not a whole number from 1' };
  }
  if (Number.isNaN(Date.parse(stored.time as string))) return { bad: '"time" is not a date' };
  if (!stored.tests || typeof stored.tests !== 'object') return { bad: '"tests" is not a map' };
  const tests = new Map<string, HistoryTest>();
  for (const [id, value] of Object.entries(stored.tests)) {
    const [code, attempts, durationMs] = Array.isArray(value) ? value : [];
    const outcome = OUTCOMES[code as number];
    if (
      !outcome ||
      !Number.isInteger(attempts) ||
      typeof durationMs !== 'number' ||
      durationMs < 0
    ) {
      return {
        bad: `test ${JSON.stringify(id.slice(0, 80))} has no valid [outcome, attempts, ms]`,
      };
    }
    tests.set(id, { outcome, attempts: attempts as number, durationMs });
  }
  const s = stored as Stored;
  return {
    repository: s.repository,
    workflow: s.workflow,
    environment: s.environment,
    runId: s.runId,
    runAttempt: s.runAttempt,
    sha: s.sha,
    branch: s.branch,
    time: s.time,
    tests,
  };
}
