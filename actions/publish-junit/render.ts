import { formatDuration } from '../../shared/format.js';
import { codeBlock, details, table, trimToBytes } from '../../shared/summary.js';
import type { FailureEntry, Results, Totals } from './results.js';

/**
 * Markdown for people: the job summary, the check run and the PR comment share these pieces.
 * Failures come first with their message; stack traces are collapsed; long lists are capped
 * with a line saying how many were left out.
 */
const ICON = { success: '✅', failure: '❌', neutral: '⚪' } as const;

export function resultsHeadline(
  r: Pick<Results, 'name' | 'conclusion' | 'totals' | 'passRate'>,
): string {
  const t = r.totals;
  const parts = [`${t.total} tests`, `${t.passed} passed`];
  if (t.failed) parts.push(`${t.failed} failed`);
  if (t.errors) parts.push(`${t.errors} errors`);
  if (t.skipped) parts.push(`${t.skipped} skipped`);
  if (t.flaky) parts.push(`${t.flaky} flaky`);
  return `${ICON[r.conclusion]} ${r.name}: ${parts.join(', ')} (${r.passRate}% pass rate, ${formatDuration(t.duration * 1000)})`;
}

function totalsTable(t: Totals, passRate: number): string {
  return table(
    ['tests', '✅ passed', '❌ failed', '💥 errors', '⏭️ skipped', '🔁 flaky', 'pass rate', 'time'],
    [
      [
        t.total,
        t.passed,
        t.failed,
        t.errors,
        t.skipped,
        t.flaky,
        `${passRate}%`,
        formatDuration(t.duration * 1000),
      ],
    ],
  );
}

function where(f: FailureEntry): string {
  if (f.file) return f.line ? `${f.file}:${f.line}` : f.file;
  return f.reportLine ? `${f.report}:${f.reportLine}` : f.report;
}

function title(f: { classname: string; name: string }): string {
  if (!f.classname || f.name.startsWith(f.classname)) return f.name || f.classname;
  return `${f.classname} › ${f.name}`;
}

function failureSection(r: Results, maxDetails: number): string {
  if (r.failures.length === 0) return '';
  const out: string[] = [`#### Failures\n`];
  out.push(
    table(
      ['', 'test', 'message', 'where'],
      r.failures.map((f) => [
        f.outcome === 'error' ? '💥' : '❌',
        title(f),
        oneLine(f.message ?? ''),
        where(f),
      ]),
    ),
  );
  if (r.omitted.failures) out.push(`\n_…and ${r.omitted.failures} more failures not listed._\n`);
  const withDetails = r.failures.filter((f) => f.details).slice(0, maxDetails);
  for (const f of withDetails)
    out.push(
      details(`${f.outcome === 'error' ? '💥' : '❌'} ${title(f)}`, codeBlock(f.details ?? '')),
    );
  return out.join('\n') + '\n';
}

function oneLine(text: string, max = 200): string {
  const first = text.split(/\r?\n/).find((l) => l.trim()) ?? '';
  return first.length > max ? `${first.slice(0, max)}…` : first;
}

function flakySection(r: Results): string {
  if (r.flaky.length === 0) return '';
  const body = table(
    ['test', 'failed runs', 'first failure'],
    r.flaky.map((f) => [title(f), f.failedRuns, oneLine(f.message ?? '')]),
  );
  const more = r.omitted.flaky ? `\n_…and ${r.omitted.flaky} more._\n` : '';
  return details(`🔁 Flaky tests (${r.totals.flaky}): failed, then passed`, body + more) + '\n';
}

function suitesSection(r: Results): string {
  if (r.suites.length === 0) return '';
  const body = table(
    ['suite', 'tests', 'passed', 'failed', 'errors', 'skipped', 'flaky', 'time'],
    r.suites.map((s) => [
      s.name || s.report,
      s.tests,
      s.passed,
      s.failed,
      s.errors,
      s.skipped,
      s.flaky,
      formatDuration(s.time * 1000),
    ]),
  );
  const more = r.omitted.suites ? `\n_…and ${r.omitted.suites} more suites._\n` : '';
  return details(`Suites (${r.suites.length + r.omitted.suites})`, body + more) + '\n';
}

function slowestSection(r: Results): string {
  if (r.slowest.length === 0) return '';
  const body = table(
    ['test', 'time'],
    r.slowest.map((s) => [title(s), formatDuration(s.time * 1000)]),
  );
  return details(`🐢 Slowest tests`, body) + '\n';
}

function brokenSection(r: Results): string {
  if (r.broken.length === 0) return '';
  return (
    `#### Unreadable reports\n\n` +
    table(
      ['report', 'problem'],
      // The message starts with the file's name; the table already shows it.
      r.broken.map((b) => [b.file, b.message.replace(`${b.file}:`, 'line ')]),
    ) +
    '\n'
  );
}

/** The whole report, trimmed under `maxBytes` (GitHub's limit for the place it goes). */
export function renderReport(
  r: Results,
  opts: { maxBytes: number; heading?: string; maxDetails?: number },
): string {
  const parts = [
    `${opts.heading ?? '###'} ${resultsHeadline(r)}\n`,
    totalsTable(r.totals, r.passRate),
    brokenSection(r),
    failureSection(r, opts.maxDetails ?? 20),
    flakySection(r),
    suitesSection(r),
    slowestSection(r),
  ];
  if (r.totals.total === 0 && r.broken.length === 0)
    parts.push(`_No test cases were found in ${r.reports.length} report(s)._\n`);
  return trimToBytes(parts.filter(Boolean).join('\n'), opts.maxBytes);
}
