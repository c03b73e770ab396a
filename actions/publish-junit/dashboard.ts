import { promises as fs } from 'node:fs';
import { UserError, errorMessage } from '../../shared/errors.js';
import { table } from '../../shared/summary.js';
import { collapsed, text, trimMarkdown } from './escape.js';
import { formatDuration } from '../../shared/format.js';
import {
  RESULTS_VERSION,
  conclude,
  emptyTotals,
  passRate,
  type Results,
  type Totals,
} from './results.js';
import { displayPath } from './tally.js';

/**
 * The dashboard across environments: the results files each matrix job wrote (`output`),
 * read back and laid side by side: pass rate, failures and flaky tests per environment.
 */
export async function readResultsFile(file: string, workspace: string): Promise<Results> {
  const shown = displayPath(file, workspace);
  let data: unknown;
  try {
    data = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${shown}: not a results file: ${errorMessage(err).split('\n')[0]}`);
  }
  const r = data as Partial<Results>;
  if (!r || typeof r !== 'object' || r.version !== RESULTS_VERSION || !r.totals || !r.name) {
    throw new UserError(
      `${shown}: not a publish-junit results file (version ${RESULTS_VERSION} with name and totals expected); write one with the "output" input`,
    );
  }
  const bad = invalidField(r);
  if (bad)
    throw new UserError(
      `${shown}: not a valid results file: ${bad}; write it with publish-junit's "output" input`,
    );
  return {
    failures: [],
    flaky: [],
    suites: [],
    slowest: [],
    reports: [],
    broken: [],
    omitted: { suites: 0, failures: 0, flaky: 0 },
    ...r,
    // Recomputed: a file's own pass rate could say anything.
    passRate: passRate(r.totals),
  } as Results;
}

const COUNTS = ['total', 'passed', 'failed', 'errors', 'skipped', 'flaky'] as const;
const LISTS = [
  'failures',
  'flaky',
  'suites',
  'slowest',
  'reports',
  'broken',
  'suiteFailures',
] as const;

/** What is wrong with a results file's fields, or '' when nothing is. */
function invalidField(r: Partial<Results>): string {
  const t = r.totals as unknown as Record<string, unknown>;
  for (const k of COUNTS) {
    const v = t[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
      return `totals.${k} is ${JSON.stringify(v)}; allowed: a whole number, 0 or more`;
  }
  const d = t.duration;
  if (typeof d !== 'number' || !Number.isFinite(d) || d < 0)
    return `totals.duration is ${JSON.stringify(d)}; allowed: seconds, 0 or more`;
  const n = r.totals as Totals;
  if (n.passed + n.failed + n.errors + n.skipped !== n.total)
    return `totals: passed + failed + errors + skipped is ${n.passed + n.failed + n.errors + n.skipped}, not total ${n.total}`;
  if (n.flaky > n.passed) return `totals.flaky ${n.flaky} is more than passed ${n.passed}`;
  if (!['success', 'failure', 'neutral'].includes(String(r.conclusion)))
    return `conclusion is ${JSON.stringify(r.conclusion)}; allowed: success, failure, neutral`;
  if (typeof r.name !== 'string') return 'name is not a string';
  for (const k of LISTS)
    if (r[k] !== undefined && !Array.isArray(r[k])) return `${k} is not a list`;
  const o = r.omitted as unknown as Record<string, unknown> | undefined;
  if (o !== undefined)
    for (const k of ['suites', 'failures', 'flaky'])
      if (typeof o?.[k] !== 'number' || !Number.isSafeInteger(o[k]) || (o[k] as number) < 0)
        return `omitted.${k} is ${JSON.stringify(o?.[k])}; allowed: a whole number, 0 or more`;
  return '';
}

export function label(r: Results): string {
  return r.environment || r.name;
}

export interface Dashboard {
  rows: Results[];
  totals: Totals;
  passRate: number;
  conclusion: Results['conclusion'];
}

export function combine(rows: Results[]): Dashboard {
  const totals = emptyTotals();
  let broken = 0;
  for (const r of rows) {
    for (const k of Object.keys(totals) as Array<keyof Totals>) totals[k] += r.totals[k];
    broken += r.broken.length;
  }
  const failing = rows.some((r) => r.conclusion === 'failure');
  const conclusion = failing ? 'failure' : conclude(totals, broken);
  return { rows, totals, passRate: passRate(totals), conclusion };
}

/** The dashboard as one results set: every environment's lists, each entry named by it. */
export function dashboardResults(d: Dashboard, name: string, runUrl?: string): Results {
  const { rows } = d;
  const results: Results = {
    version: RESULTS_VERSION,
    name,
    conclusion: d.conclusion,
    totals: d.totals,
    passRate: d.passRate,
    reports: rows.flatMap((r) => r.reports),
    broken: rows.flatMap((r) =>
      r.broken.map((b) => ({ ...b, message: `${label(r)}: ${b.message}` })),
    ),
    suites: [],
    failures: rows
      .flatMap((r) => r.failures.map((f) => ({ ...f, suite: `${label(r)}: ${f.suite}` })))
      .slice(0, LIST_CAP),
    flaky: rows
      .flatMap((r) => r.flaky.map((f) => ({ ...f, suite: `${label(r)}: ${f.suite}` })))
      .slice(0, LIST_CAP),
    slowest: [],
    omitted: { suites: 0, failures: 0, flaky: 0 },
    ...(runUrl ? { runUrl } : {}),
  };
  results.omitted.failures =
    rows.reduce((n, r) => n + r.failures.length + r.omitted.failures, 0) - results.failures.length;
  results.omitted.flaky =
    rows.reduce((n, r) => n + r.flaky.length + r.omitted.flaky, 0) - results.flaky.length;
  return results;
}

const LIST_CAP = 200;
const ICON = { success: '✅', failure: '❌', neutral: '⚪' } as const;

const testName = (f: { classname: string; name: string }) =>
  f.classname ? `${f.classname} › ${f.name}` : f.name;

function totalsRow(first: string, icon: string, passRate: number, t: Totals): unknown[] {
  return [
    first,
    icon,
    `${passRate}%`,
    t.total,
    t.passed,
    t.failed,
    t.errors,
    t.skipped,
    t.flaky,
    formatDuration(t.duration * 1000),
  ];
}

function environmentsTable(d: Dashboard, rows: Results[]): string {
  return table(
    [
      'environment',
      '',
      'pass rate',
      'tests',
      'passed',
      'failed',
      'errors',
      'skipped',
      'flaky',
      'time',
    ],
    [
      ...rows.map((r) =>
        totalsRow(
          r.runUrl && /^https?:\/\/[^\s()]+$/.test(r.runUrl)
            ? `[${text(label(r))}](${r.runUrl})`
            : text(label(r)),
          ICON[r.conclusion],
          r.passRate,
          r.totals,
        ),
      ),
      totalsRow('**all**', ICON[d.conclusion], d.passRate, d.totals),
    ],
  );
}

/** A test failing everywhere is a product bug; failing in one environment points at it. */
function failuresByTest(rows: Results[]): string {
  const byTest = new Map<string, string[]>();
  for (const r of rows)
    for (const f of r.failures) {
      const key = testName(f);
      byTest.set(key, [...(byTest.get(key) ?? []), label(r)]);
    }
  if (!byTest.size) return '';
  return (
    '\n#### Failures by test\n\n' +
    table(
      ['test', 'failed in'],
      [...byTest]
        .sort((a, b) => b[1].length - a[1].length)
        .slice(0, LIST_CAP)
        .map(([t, envs]) => [text(t), text(envs.join(', '))]),
    )
  );
}

function environmentDetails(r: Results): string {
  if (r.failures.length === 0 && r.flaky.length === 0 && r.broken.length === 0) return '';
  const body: string[] = [];
  if (r.broken.length)
    body.push(
      table(
        ['report', 'problem'],
        r.broken.map((b) => [text(b.file), text(b.message)]),
      ),
    );
  if (r.failures.length)
    body.push(
      table(
        ['test', 'message', 'where'],
        r.failures.map((f) => [
          text(testName(f)),
          text((f.message ?? '').split('\n')[0].slice(0, 200)),
          text(f.file ? `${f.file}${f.line ? `:${f.line}` : ''}` : f.report),
        ]),
      ),
    );
  if (r.flaky.length)
    body.push(
      '🔁 flaky:\n\n' +
        table(
          ['test', 'failed runs'],
          r.flaky.map((f) => [text(testName(f)), f.failedRuns]),
        ),
    );
  return (
    '\n' +
    collapsed(
      `${label(r)}: ${r.totals.failed + r.totals.errors} failing, ${r.totals.flaky} flaky`,
      body.join('\n'),
    )
  );
}

/**
 * The profile's environments that sent no results file: a job that never published is a
 * hole in the dashboard, not a pass.
 */
export function missingEnvironments(d: Dashboard, environments: string[]): string[] {
  if (!d.rows.some((r) => r.environment)) return [];
  const have = new Set(d.rows.map((r) => r.environment).filter(Boolean));
  return environments.filter((e) => !have.has(e));
}

/** Rows in the profile's order; environments it does not name follow, by name. */
export function orderRows(rows: Results[], environments: string[]): Results[] {
  const rank = (r: Results) => {
    const i = r.environment ? environments.indexOf(r.environment) : -1;
    return i < 0 ? environments.length : i;
  };
  return [...rows].sort((a, b) => rank(a) - rank(b) || label(a).localeCompare(label(b)));
}

export function renderDashboard(
  d: Dashboard,
  name: string,
  maxBytes: number,
  environments: string[] = [],
): string {
  const rows = orderRows(d.rows, environments);
  const missing = missingEnvironments(d, environments);
  const out = [
    `### ${ICON[d.conclusion]} ${text(name)}: ${rows.length} environment(s), ${d.totals.total} tests, ${d.passRate}% pass rate\n`,
    environmentsTable(d, rows),
    missing.length
      ? `\n⚠️ No results from ${missing.length} environment(s) of the profile: ${missing.map(text).join(', ')}\n`
      : '',
    failuresByTest(rows),
    ...rows.map(environmentDetails),
  ];
  return trimMarkdown(out.filter(Boolean).join('\n'), maxBytes);
}
