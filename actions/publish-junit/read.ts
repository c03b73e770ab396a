import { collect, findFiles, type CaseObserver } from './collect.js';
import {
  combine,
  dashboardResults,
  missingEnvironments,
  readResultsFile,
  type Dashboard,
} from './dashboard.js';
import { RESULTS_VERSION, conclude, passRate, type Results } from './results.js';
import type { Options } from './types.js';

/**
 * What a run publishes, read from disk: this job's JUnit reports, or for a dashboard the
 * results files other jobs wrote (and this job's own reports when `paths` names them).
 * Whatever matched nothing is said in `notices`.
 */
export interface Gathered {
  results: Results;
  /** What this job read itself: the only failures it annotates. */
  local?: Results;
  /** Set for a dashboard run. */
  dashboard?: Dashboard;
}

/** The link to this run: the first attempt's has no /attempts/1, so reruns add to it. */
async function readReports(
  o: Options,
  notices: string[],
  observe?: CaseObserver,
): Promise<Results> {
  const files = await findFiles(o.paths, o.workspace);
  if (files.length === 0) notices.push(`no JUnit report matched ${o.paths.join(', ')}`);
  const { tally, reports, broken } = await collect(files, {
    workspace: o.workspace,
    flaky: o.flaky,
    observe,
  });
  const suites = tally.suiteList();
  const omitted = tally.omitted();
  const url = o.github.runUrl();
  return {
    version: RESULTS_VERSION,
    name: o.name,
    ...(o.environment ? { environment: o.environment } : {}),
    conclusion: conclude(tally.totals, broken.length, tally.suiteFailures.length),
    totals: { ...tally.totals, duration: Math.round(tally.totals.duration * 1000) / 1000 },
    passRate: passRate(tally.totals),
    reports,
    broken,
    suiteFailures: tally.suiteFailures,
    suites: suites.rows,
    failures: tally.failureList(),
    flaky: tally.flakyList(),
    slowest: tally.slowList(),
    omitted: { suites: suites.omitted, failures: omitted.failures, flaky: omitted.flaky },
    ...(url ? { runUrl: url } : {}),
  };
}

async function readDashboard(o: Options, notices: string[]): Promise<Gathered> {
  const files = await findFiles(o.aggregate, o.workspace);
  const rows: Results[] = [];
  for (const f of files) rows.push(await readResultsFile(f, o.workspace));
  const local = o.pathsGiven ? await readReports(o, notices) : undefined;
  if (local) rows.push(local);
  if (files.length === 0) notices.push(`no results file matched ${o.aggregate.join(', ')}`);
  const dashboard = combine(rows);
  const missing = missingEnvironments(dashboard, o.environments);
  if (missing.length)
    notices.push(
      `no results file from ${missing.length} environment(s) of the profile: ${missing.join(', ')}`,
    );
  return {
    results: dashboardResults(dashboard, o.name, o.github.runUrl()),
    dashboard,
    ...(local ? { local } : {}),
  };
}

export async function read(
  o: Options,
  notices: string[],
  observe?: CaseObserver,
): Promise<Gathered> {
  if (o.aggregate.length) return readDashboard(o, notices);
  const results = await readReports(o, notices, observe);
  return { results, local: results };
}
