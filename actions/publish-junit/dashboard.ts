import { readFile } from 'node:fs/promises';
import { UserError, errorMessage } from '../../shared/errors.js';
import { details, table, trimToBytes } from '../../shared/summary.js';
import { duration } from './render.js';
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
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${shown}: not a results file: ${errorMessage(err).split('\n')[0]}`);
  }
  const r = data as Partial<Results>;
  if (!r || typeof r !== 'object' || r.version !== RESULTS_VERSION || !r.totals || !r.name) {
    throw new UserError(
      `${shown}: not a publish-junit results file (version ${RESULTS_VERSION} with name and totals expected); write one with the "output" input`,
    );
  }
  return {
    failures: [],
    flaky: [],
    suites: [],
    slowest: [],
    reports: [],
    broken: [],
    omitted: { suites: 0, failures: 0, flaky: 0 },
    ...r,
  } as Results;
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

const ICON = { success: '✅', failure: '❌', neutral: '⚪' } as const;

export function renderDashboard(d: Dashboard, name: string, maxBytes: number): string {
  const rows = [...d.rows].sort((a, b) => label(a).localeCompare(label(b)));
  const out: string[] = [
    `### ${ICON[d.conclusion]} ${name}: ${rows.length} environment(s), ${d.totals.total} tests, ${d.passRate}% pass rate\n`,
    table(
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
        ...rows.map((r) => [
          r.runUrl ? `[${label(r)}](${r.runUrl})` : label(r),
          ICON[r.conclusion],
          `${r.passRate}%`,
          r.totals.total,
          r.totals.passed,
          r.totals.failed,
          r.totals.errors,
          r.totals.skipped,
          r.totals.flaky,
          duration(r.totals.duration),
        ]),
        [
          '**all**',
          ICON[d.conclusion],
          `${d.passRate}%`,
          d.totals.total,
          d.totals.passed,
          d.totals.failed,
          d.totals.errors,
          d.totals.skipped,
          d.totals.flaky,
          duration(d.totals.duration),
        ],
      ],
    ),
  ];
  // A test failing everywhere is a product bug; failing in one environment points at it.
  const byTest = new Map<string, string[]>();
  for (const r of rows)
    for (const f of r.failures) {
      const key = f.classname ? `${f.classname} › ${f.name}` : f.name;
      byTest.set(key, [...(byTest.get(key) ?? []), label(r)]);
    }
  if (byTest.size) {
    out.push('\n#### Failures by test\n');
    out.push(
      table(
        ['test', 'failed in'],
        [...byTest]
          .sort((a, b) => b[1].length - a[1].length)
          .slice(0, 200)
          .map(([t, envs]) => [t, envs.join(', ')]),
      ),
    );
  }
  for (const r of rows) {
    if (r.failures.length === 0 && r.flaky.length === 0 && r.broken.length === 0) continue;
    const body: string[] = [];
    if (r.broken.length)
      body.push(
        table(
          ['report', 'problem'],
          r.broken.map((b) => [b.file, b.message]),
        ),
      );
    if (r.failures.length)
      body.push(
        table(
          ['test', 'message', 'where'],
          r.failures.map((f) => [
            f.classname ? `${f.classname} › ${f.name}` : f.name,
            (f.message ?? '').split('\n')[0].slice(0, 200),
            f.file ? `${f.file}${f.line ? `:${f.line}` : ''}` : f.report,
          ]),
        ),
      );
    if (r.flaky.length)
      body.push(
        '🔁 flaky:\n\n' +
          table(
            ['test', 'failed runs'],
            r.flaky.map((f) => [f.classname ? `${f.classname} › ${f.name}` : f.name, f.failedRuns]),
          ),
      );
    out.push(
      '\n' +
        details(
          `${label(r)}: ${r.totals.failed + r.totals.errors} failing, ${r.totals.flaky} flaky`,
          body.join('\n'),
        ),
    );
  }
  return trimToBytes(out.join('\n'), maxBytes);
}
