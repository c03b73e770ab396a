import { Interner, OUTCOMES, columnsOf, type HistoryRun } from './entry.js';

/**
 * What the history says about this run's tests:
 * - new failure: failed now, and passed on the default branch in each of its last K runs there
 *   (at least one);
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
  /** How many of its newest default-branch runs a new failure must have passed in (K). */
  newAfter: number;
  /** How many runs in a row make a failure persistent (M). */
  persistentAfter: number;
}

export interface FlakeStat {
  rate: number;
  flakyRuns: number;
  runs: number;
}

const PASSED = 1;
const FAILED = 2;
const FLAKY = 4;
/** Bits of OUTCOMES' codes: passed, failed, flaky, skipped. */
const CODE_BITS = [PASSED, FAILED, FLAKY, 0];
const FAILED_CODE = OUTCOMES.indexOf('failed');
const FLAKY_CODE = OUTCOMES.indexOf('flaky');
const SKIPPED = OUTCOMES.indexOf('skipped');

/**
 * How often each test was flaky, over its newest `limit` runs (runs newest first): runs in which
 * it passed only on a rerun, or failed on a commit it also passed on, over the runs in which it
 * ran. Two passes over the runs for all tests at once.
 * Only commits with more than one run can turn a failure into a flake, so only those are
 * looked at closely.
 */
export function flakeStats(runs: readonly HistoryRun[], limit = Infinity): Map<string, FlakeStat> {
  const interner = runs.find((r) => r.columns)?.columns?.interner ?? new Interner();
  const cols = runs.map((r) => columnsOf(r, interner));
  const n = interner.names.length;
  const perSha = new Map<string, number>();
  for (const r of runs) perSha.set(r.sha, (perSha.get(r.sha) ?? 0) + 1);
  const bitsOnSha = new Map<string, Uint8Array>();
  let taken = new Int32Array(n);
  runs.forEach((r, k) => {
    if ((perSha.get(r.sha) ?? 0) < 2) return;
    let bits = bitsOnSha.get(r.sha);
    if (!bits) bitsOnSha.set(r.sha, (bits = new Uint8Array(n)));
    const { ids, codes } = cols[k];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (taken[id] >= limit) continue;
      taken[id]++;
      bits[id] |= CODE_BITS[codes[i]];
    }
  });
  taken = new Int32Array(n);
  const ran = new Int32Array(n);
  const flaky = new Int32Array(n);
  runs.forEach((r, k) => {
    const bits = bitsOnSha.get(r.sha);
    const { ids, codes } = cols[k];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (taken[id] >= limit) continue;
      taken[id]++;
      const code = codes[i];
      if (code === SKIPPED) continue;
      ran[id]++;
      if (code === FLAKY_CODE) flaky[id]++;
      else if (code === FAILED_CODE && bits) {
        const b = bits[id];
        if (b & FLAKY || (b & FAILED && b & PASSED)) flaky[id]++;
      }
    }
  });
  const out = new Map<string, FlakeStat>();
  for (let id = 0; id < n; id++) {
    if (!taken[id]) continue;
    out.set(interner.names[id], {
      rate: ran[id] ? flaky[id] / ran[id] : 0,
      flakyRuns: flaky[id],
      runs: ran[id],
    });
  }
  return out;
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
  const stats = flakeStats(all);
  for (const [id, t] of current.tests) {
    if (t.outcome === 'passed') {
      const before = earlier.find((r) => r.tests.has(id))?.tests.get(id)?.outcome;
      if (before === 'failed') out.fixed.push(id);
      continue;
    }
    if (t.outcome === 'skipped') continue;
    const flaky = stats.get(id) ?? { rate: 0, flakyRuns: 0, runs: 0 };
    if (t.outcome === 'flaky' || flaky.flakyRuns > 0) {
      out.knownFlaky.push({ id, ...flaky });
      continue;
    }
    const streak = failingStreak(id, all);
    if (streak.runs >= opts.persistentAfter) {
      out.persistent.push({ id, runs: streak.runs, since: streak.since });
      continue;
    }
    // The newest K default-branch runs that ran it; each run's tests are looked at only
    // as far as needed (a stored run builds its map of tests on first use).
    let seen = 0;
    let passedThere = true;
    for (const r of earlier) {
      if (seen >= opts.newAfter) break;
      if (r.branch !== opts.defaultBranch) continue;
      const o = r.tests.get(id)?.outcome;
      if (o === undefined) continue;
      seen++;
      if (o !== 'passed') passedThere = false;
    }
    passedThere &&= seen > 0;
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
