import type { Annotation } from '../../shared/action/outcome.js';
import { SUMMARY_LIMIT_BYTES } from '../../shared/summary.js';
import { planAnnotations } from './annotations.js';
import { renderDashboard } from './dashboard.js';
import type { Output } from './names.gen.js';
import type { Gathered } from './read.js';
import type { HistoryView } from './history.js';
import { historyOutputs, renderHistory } from './history-render.js';
import { renderReport } from './render.js';
import type { Results } from './results.js';
import type { Options, Result } from './types.js';

/**
 * What a run shows: the job summary (also the comment's text), the annotations, the log line
 * and the step outputs. Pure: it reads the results and nothing else.
 */
const SUMMARY_ROOM = SUMMARY_LIMIT_BYTES - 8192;

export function summaryMarkdown(
  got: Gathered,
  name: string,
  environments: string[] = [],
  history?: HistoryView,
): string {
  return got.dashboard
    ? renderDashboard(got.dashboard, name, SUMMARY_ROOM, environments)
    : renderReport(got.results, {
        maxBytes: SUMMARY_ROOM,
        history: history ? renderHistory(history) : undefined,
      });
}

/** Why the step fails, one reason each; empty: the tests pass it. */
export function testFailures(o: Options, r: Results): string[] {
  const out: string[] = [];
  const t = r.totals;
  if (r.broken.length && o.failOn !== 'none')
    out.push(`${r.broken.length} report(s) could not be read (${r.broken[0].message})`);
  const suiteFailures = r.suiteFailures ?? [];
  if (suiteFailures.length && o.failOn !== 'none')
    out.push(
      `${suiteFailures.length} suite(s) failed as a whole (${suiteFailures[0].report}: ${suiteFailures[0].reason})`,
    );
  if (o.failOn === 'failures' && t.failed + t.errors > 0)
    out.push(
      `${t.failed + t.errors} of ${t.total} tests failed (${t.failed} failures, ${t.errors} errors)`,
    );
  if (o.failOn === 'errors' && t.errors > 0) out.push(`${t.errors} of ${t.total} tests errored`);
  if (o.requireTests && t.total === 0)
    out.push(
      `no test cases found in ${r.reports.length} report(s) (require-tests is on; paths: ${o.paths.join(', ')})`,
    );
  return out;
}

/**
 * The failures of this job's own reports, then the notices. A dashboard repeats no
 * annotations of other jobs: each environment's own job already made them.
 */
export function annotations(
  o: Options,
  got: Gathered,
  notices: string[],
  willFail: boolean,
): Annotation[] {
  return [
    ...(got.local ? planAnnotations(got.local, o.annotations, willFail) : []),
    ...noticeAnnotations(notices),
  ];
}

/** What was skipped and why: notices, which need no one's attention. */
export function noticeAnnotations(notices: string[]): Annotation[] {
  return notices.map((message) => ({ level: 'notice', message }));
}

export function totalsLine(r: Result): string {
  const { name, totals: t } = r.results;
  return `${name}: ${t.total} tests, ${t.passed} passed, ${t.failed} failed, ${t.errors} errors, ${t.skipped} skipped, ${t.flaky} flaky${r.resultsFile ? `; results in ${r.resultsFile}` : ''}`;
}

/** What the history said and did, for the log. */
export function historyNotes(r: Result): string[] {
  const v = r.history;
  if (!v) return [];
  const c = v.classification;
  const out = [
    `history of ${v.environment}: ${v.earlierRuns} earlier run(s); ${c.newFailures.length} new failure(s), ${c.knownFlaky.length} known flaky, ${c.persistent.length} persistent, ${c.fixed.length} fixed; flake rate ${(v.flakeRate * 100).toFixed(2)}% (budget ${(v.budget * 100).toFixed(2)}%)`,
  ];
  const i = r.issues;
  if (i && i.opened.length + i.updated.length + i.closed.length)
    out.push(
      `flaky-test issues: ${i.opened.length} opened, ${i.updated.length} updated, ${i.closed.length} closed`,
    );
  return out;
}

export function outputs(r: Result): Record<Output, string> {
  const { totals: t } = r.results;
  return {
    total: String(t.total),
    passed: String(t.passed),
    failed: String(t.failed),
    errors: String(t.errors),
    skipped: String(t.skipped),
    flaky: String(t.flaky),
    'pass-rate': String(r.results.passRate),
    duration: String(t.duration),
    conclusion: r.results.conclusion,
    results: r.resultsFile,
    'check-url': r.checkUrl ?? '',
    'artifact-id': r.artifactId === undefined ? '' : String(r.artifactId),
    ...historyOutputs(r.history),
  };
}
