import type { HistoryOutcome, HistoryRun } from './entry.js';

/**
 * What the history says about this run's tests:
 * - new failure: failed now, and passed on the default branch in each of its last K runs there;
 * - known flaky: flaky by the Kyklos definition — it failed and passed for one commit (reruns
 *   in one report, re-run attempts of the job, or other runs on that commit) — with its rate;
 * - persistent: failing in each of the last M runs, since the commit where it began;
 * - fixed: passes now after failing in the run before.
 * Runs are compared within one environment only: another environment is another test bed.
 */
export interface Classification {
  newFailures: string[];
  knownFlaky: Array<{ id: string; rate: number; flakyRuns: number; runs: number }>;
  persistent: Array<{ id: string; runs: number; since: string }>;
  fixed: string[];
  /** Failures that are none of the above: failing before, on other branches, or too new to say. */
  otherFailures: string[];
}

export interface ClassifyOptions {
  defaultBranch: string;
  /** How many default-branch runs a new failure must have passed in (K). */
  newAfter: number;
  /** How many runs in a row make a failure persistent (M). */
  persistentAfter: number;
}

/** Commits on which a test both failed and passed, over the runs given. */
export function flakyCommits(id: string, runs: readonly HistoryRun[]): Set<string> {
  const seen = new Map<string, Set<HistoryOutcome>>();
  for (const run of runs) {
    const t = run.tests.get(id);
    if (!t) continue;
    const s = seen.get(run.sha) ?? new Set<HistoryOutcome>();
    s.add(t.outcome);
    seen.set(run.sha, s);
  }
  const out = new Set<string>();
  for (const [sha, s] of seen) {
    if (s.has('flaky') || (s.has('failed') && s.has('passed'))) out.add(sha);
  }
  return out;
}

/**
 * How often a test was flaky: runs in which it passed only on a rerun, or failed on a commit
 * it also passed on, over the runs in which it ran.
 */
export function flakeRate(
  id: string,
  runs: readonly HistoryRun[],
): { rate: number; flakyRuns: number; runs: number } {
  const commits = flakyCommits(id, runs);
  let total = 0;
  let flakyRuns = 0;
  for (const run of runs) {
    const o = run.tests.get(id)?.outcome;
    if (o === undefined || o === 'skipped') continue;
    total++;
    if (o === 'flaky' || (o === 'failed' && commits.has(run.sha))) flakyRuns++;
  }
  return { rate: total ? flakyRuns / total : 0, flakyRuns, runs: total };
}

/** `current` against `history` (earlier runs, newest first; other environments are ignored). */
export function classify(
  current: HistoryRun,
  history: readonly HistoryRun[],
  opts: ClassifyOptions,
): Classification {
  const earlier = history.filter(
    (r) => r.environment === current.environment && !sameRun(r, current),
  );
  const all = [current, ...earlier];
  const out: Classification = {
    newFailures: [],
    knownFlaky: [],
    persistent: [],
    fixed: [],
    otherFailures: [],
  };
  for (const [id, t] of current.tests) {
    if (t.outcome === 'passed') {
      const before = earlier.find((r) => r.tests.has(id))?.tests.get(id)?.outcome;
      if (before === 'failed') out.fixed.push(id);
      continue;
    }
    if (t.outcome === 'skipped') continue;
    const flaky = flakeRate(id, all);
    if (t.outcome === 'flaky' || flaky.flakyRuns > 0) {
      out.knownFlaky.push({ id, ...flaky });
      continue;
    }
    const streak = failingStreak(id, all);
    if (streak.runs >= opts.persistentAfter) {
      out.persistent.push({ id, runs: streak.runs, since: streak.since });
      continue;
    }
    const onDefault = earlier
      .filter((r) => r.branch === opts.defaultBranch && r.tests.has(id))
      .slice(0, opts.newAfter);
    const passedThere =
      onDefault.length >= opts.newAfter &&
      onDefault.every((r) => r.tests.get(id)?.outcome === 'passed');
    (passedThere ? out.newFailures : out.otherFailures).push(id);
  }
  out.knownFlaky.sort((a, b) => b.rate - a.rate || a.id.localeCompare(b.id));
  return out;
}

/** Runs in a row, newest first, in which the test failed; the commit of the oldest of them. */
function failingStreak(id: string, runs: readonly HistoryRun[]): { runs: number; since: string } {
  let n = 0;
  let since = '';
  for (const run of runs) {
    const o = run.tests.get(id)?.outcome;
    if (o === undefined || o === 'skipped') continue;
    if (o !== 'failed') break;
    n++;
    since = run.sha;
  }
  return { runs: n, since };
}

function sameRun(a: HistoryRun, b: HistoryRun): boolean {
  return a.runId === b.runId && a.runAttempt === b.runAttempt && a.workflow === b.workflow;
}
