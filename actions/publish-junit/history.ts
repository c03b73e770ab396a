import { errorMessage } from '../../shared/errors.js';
import { classify, flakeStats, type Classification } from '../../shared/history/analysis.js';
import type { CacheClient, CacheLister } from '../../shared/history/cache-store.js';
import type { HistoryStore } from '../../shared/history/directory-store.js';
import {
  Interner,
  OUTCOMES,
  columnsOf,
  type HistoryRun,
  type HistoryTest,
} from '../../shared/history/entry.js';
import {
  defaultBranchOf,
  openHistory,
  runFacts,
  type HistorySpec,
} from '../../shared/history/open.js';
import type { FlakePolicy } from '../../shared/history/policy.js';
import { overBudget, type QuarantineEntry } from '../../shared/history/quarantine.js';
import type { GitHubContext } from '../../shared/action/github.js';

/**
 * publish-junit's side of the test history: read the environment's earlier runs, tell this
 * run's failures apart by what they did before, and add this run. Nothing here may fail the
 * publication of the tests: an unreadable history is a warning, and the results go out
 * without it.
 */
export interface HistorySettings {
  spec: HistorySpec;
  policy: FlakePolicy;
  /** The profile's environment name, or `default`. */
  environment: string;
}

/** One point of the trend: a run (all its jobs of this environment), oldest first. */
export interface TrendPoint {
  runId: string;
  attempt: number;
  sha: string;
  branch: string;
  tests: number;
  passRate: number;
  flaky: number;
  durationS: number;
}

export interface HistoryView {
  environment: string;
  /** Earlier runs of the environment that were read. */
  earlierRuns: number;
  classification: Classification;
  /** Flaky share of test runs over the policy's window, this run included. */
  flakeRate: number;
  budget: number;
  threshold: { count: number; of: number };
  quarantine: QuarantineEntry[];
  trend: TrendPoint[];
}

export interface LoadedHistory {
  view: HistoryView;
  current: HistoryRun;
  /** Earlier runs, newest first. */
  earlier: HistoryRun[];
  store: HistoryStore;
  /** One line per entry skipped, and the store's notes. */
  notices: string[];
}

/** How many runs the trend shows. */
export const TREND_RUNS = 20;
/** Default-branch runs a new failure must have passed in; runs in a row that make it persistent. */
const NEW_AFTER = 3;
const PERSISTENT_AFTER = 3;

export async function loadHistory(
  h: HistorySettings,
  github: GitHubContext,
  workspace: string,
  tests: Map<string, HistoryTest>,
  deps: { cache?: CacheClient; lister?: CacheLister; job: string; now: Date },
): Promise<LoadedHistory> {
  const scope = {
    repository: github.repository,
    workflow: github.workflow,
    environment: h.environment,
    workspace,
  };
  const retention = { keep: h.policy.keep, maxAgeDays: h.policy.periodDays };
  const store = openHistory(h.spec, scope, retention, deps.cache, {
    lister: deps.lister,
    job: deps.job,
  });
  if (!store) throw new Error('history: no store');
  const current: HistoryRun = { ...runFacts(github, h.environment, deps.now), tests };
  const since =
    h.policy.periodDays === undefined
      ? undefined
      : new Date(deps.now.getTime() - h.policy.periodDays * 86_400_000);
  const read = await store.read({ environment: h.environment, limit: h.policy.keep, since });
  const earlier = read.runs;
  const notices = [
    ...read.skipped.map((s) => `history: skipped ${s}`),
    ...(read.notes ?? []).filter(Boolean),
  ];
  const classification = classify(current, earlier, {
    defaultBranch: defaultBranchOf(github),
    newAfter: NEW_AFTER,
    persistentAfter: PERSISTENT_AFTER,
  });
  const window = [current, ...earlier].slice(0, h.policy.of);
  const view: HistoryView = {
    environment: h.environment,
    earlierRuns: earlier.length,
    classification,
    flakeRate: windowFlakeRate(window),
    budget: h.policy.budget,
    threshold: { count: h.policy.count, of: h.policy.of },
    quarantine: overBudget([current, ...earlier], h.policy),
    trend: trend([current, ...earlier]),
  };
  return { view, current, earlier, store, notices };
}

/** Flaky test runs over test runs that ran (not skipped), by the Kyklos definition. */
function windowFlakeRate(runs: readonly HistoryRun[]): number {
  let flaky = 0;
  let ran = 0;
  for (const f of flakeStats(runs).values()) {
    flaky += f.flakyRuns;
    ran += f.runs;
  }
  return ran ? flaky / ran : 0;
}

/** Runs oldest first, the jobs of one run and attempt added up, at most TREND_RUNS. */
function trend(runsNewestFirst: readonly HistoryRun[]): TrendPoint[] {
  const points = new Map<string, TrendPoint & { passed: number; ran: number }>();
  for (const r of runsNewestFirst) {
    const key = `${r.runId}\u0000${r.runAttempt}`;
    let p = points.get(key);
    if (!p) {
      if (points.size >= TREND_RUNS) continue;
      p = {
        runId: r.runId,
        attempt: r.runAttempt,
        sha: r.sha,
        branch: r.branch,
        tests: 0,
        passRate: 0,
        flaky: 0,
        durationS: 0,
        passed: 0,
        ran: 0,
      };
      points.set(key, p);
    }
    const c = columnsOf(r, r.columns?.interner ?? new Interner());
    for (let i = 0; i < c.codes.length; i++) {
      const outcome = OUTCOMES[c.codes[i]];
      p.tests++;
      p.durationS += c.ms[i] / 1000;
      if (outcome === 'skipped') continue;
      p.ran++;
      if (outcome === 'passed' || outcome === 'flaky') p.passed++;
      if (outcome === 'flaky') p.flaky++;
    }
  }
  return [...points.values()].reverse().map(({ passed, ran, ...p }) => ({
    ...p,
    passRate: ran ? Math.floor((passed / ran) * 10000) / 100 : 0,
    durationS: Math.round(p.durationS * 10) / 10,
  }));
}

/** Adds this run to the history; a warning when it could not. */
export async function recordRun(loaded: LoadedHistory): Promise<string | undefined> {
  try {
    await loaded.store.write(loaded.current);
    return undefined;
  } catch (err) {
    return `history: this run was not recorded (${errorMessage(err)})`;
  }
}
