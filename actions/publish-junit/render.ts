import { formatDuration } from '../../shared/format.js';
import { table, tableRow } from '../../shared/summary.js';
import { collapsed, fenced, text, trimMarkdown } from './escape.js';
import type { FailureEntry, Results, Totals } from './results.js';

/**
 * Markdown for people: the job summary, the check run and the PR comment share these pieces.
 * Failures come first with their message; stack traces are collapsed; long lists are capped
 * with a line saying how many were left out. Everything taken from a report goes through
 * escape.ts: it is shown, never interpreted.
 */
const ICON = { success: '✅', failure: '❌', neutral: '⚪' } as const;

export function resultsHeadline(
  r: Pick<Results, 'name' | 'conclusion' | 'totals' | 'passRate'>,
  show: (name: string) => string = (n) => n,
): string {
  const t = r.totals;
  const parts = [`${t.total} tests`, `${t.passed} passed`];
  if (t.failed) parts.push(`${t.failed} failed`);
  if (t.errors) parts.push(`${t.errors} errors`);
  if (t.skipped) parts.push(`${t.skipped} skipped`);
  if (t.flaky) parts.push(`${t.flaky} flaky`);
  return `${ICON[r.conclusion]} ${show(r.name)}: ${parts.join(', ')} (${r.passRate}% pass rate, ${formatDuration(t.duration * 1000)})`;
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
  const classname = f.classname.trim();
  const name = f.name.trim();
  if (!classname || name.startsWith(classname)) return name || classname || '(unnamed test)';
  return `${classname} › ${name}`;
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * The failures table and their collapsed details, as many as `room` bytes hold: every
 * failure listed fits whole, and a line says how many were left out.
 */
function failureSection(r: Results, maxDetails: number, room: number): string {
  if (r.failures.length === 0) return '';
  const head = `#### Failures\n\n${table(['', 'test', 'message', 'where'], [])}`;
  const rows: string[] = [];
  let used = bytes(head) + 200;
  for (const f of r.failures) {
    const row = tableRow([
      f.outcome === 'error' ? '💥' : '❌',
      text(title(f)),
      text(oneLine(f.message ?? '')),
      text(where(f)),
    ]);
    // Each row counts with its line end.
    const size = bytes(row) + 1;
    if (used + size > room) break;
    used += size;
    rows.push(row);
  }
  const left = r.failures.length - rows.length + r.omitted.failures;
  const out = [head.trimEnd(), ...rows.map((x) => x.trimEnd())];
  if (left) out.push(`\n_…and ${left} more failures not listed._\n`);
  const shown = new Set(r.failures.slice(0, rows.length));
  for (const f of r.failures.filter((x) => x.details && shown.has(x)).slice(0, maxDetails)) {
    const d = collapsed(
      `${f.outcome === 'error' ? '💥' : '❌'} ${title(f)}`,
      fenced(f.details ?? ''),
    );
    if (used + bytes(d) > room) break;
    used += bytes(d);
    out.push(d);
  }
  return out.join('\n') + '\n';
}

function oneLine(value: string, max = 200): string {
  const first = value.split(/\r?\n/).find((l) => l.trim()) ?? '';
  return first.length > max ? `${first.slice(0, max)}…` : first;
}

function flakySection(r: Results): string {
  if (r.flaky.length === 0) return '';
  const body = table(
    ['test', 'failed runs', 'first failure'],
    r.flaky.map((f) => [text(title(f)), f.failedRuns, text(oneLine(f.message ?? ''))]),
  );
  const more = r.omitted.flaky ? `\n_…and ${r.omitted.flaky} more._\n` : '';
  return collapsed(`🔁 Flaky tests (${r.totals.flaky}): failed, then passed`, body + more) + '\n';
}

function suitesSection(r: Results): string {
  if (r.suites.length === 0) return '';
  const body = table(
    ['suite', 'tests', 'passed', 'failed', 'errors', 'skipped', 'flaky', 'time'],
    r.suites.map((s) => [
      text(s.name || s.report),
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
  return collapsed(`Suites (${r.suites.length + r.omitted.suites})`, body + more) + '\n';
}

function slowestSection(r: Results): string {
  if (r.slowest.length === 0) return '';
  const body = table(
    ['test', 'time'],
    r.slowest.map((s) => [text(title(s)), formatDuration(s.time * 1000)]),
  );
  return collapsed(`🐢 Slowest tests`, body) + '\n';
}

function brokenSection(r: Results): string {
  if (r.broken.length === 0) return '';
  return (
    `#### Unreadable reports\n\n` +
    table(
      ['report', 'problem'],
      // The message starts with the file's name; the table already shows it.
      r.broken.map((b) => [text(b.file), text(b.message.replace(`${b.file}:`, 'line '))]),
    ) +
    '\n'
  );
}

function suiteFailureSection(r: Results): string {
  const list = r.suiteFailures ?? [];
  if (list.length === 0) return '';
  return (
    `#### Suites that failed as a whole\n\n` +
    table(
      ['report', 'suite', 'why'],
      list.map((s) => [text(s.report), text(s.suite), text(s.reason)]),
    ) +
    '\n'
  );
}

/**
 * The whole report under `maxBytes` (GitHub's limit for the place it goes): the failures get
 * the room the other sections leave, then everything is trimmed as a last resort.
 */
export function renderReport(
  r: Results,
  opts: {
    maxBytes: number;
    heading?: string;
    maxDetails?: number;
    history?: { before: string; after: string };
  },
): string {
  const before = [
    `${opts.heading ?? '###'} ${resultsHeadline(r, text)}\n`,
    totalsTable(r.totals, r.passRate),
    brokenSection(r),
    suiteFailureSection(r),
    opts.history?.before ?? '',
  ];
  const after = [opts.history?.after ?? '', flakySection(r), suitesSection(r), slowestSection(r)];
  if (r.totals.total === 0 && r.broken.length === 0)
    after.push(`_No test cases were found in ${r.reports.length} report(s)._\n`);
  // The failures come first: they may take the room of the later, collapsed sections.
  const room = opts.maxBytes - bytes(before.join('\n')) - 1024;
  const failures = failureSection(r, opts.maxDetails ?? 20, room);
  const parts = [...before, failures, ...after];
  return trimMarkdown(parts.filter(Boolean).join('\n'), opts.maxBytes);
}
