import { displayKey } from '../../shared/history/keys.js';
import { table } from '../../shared/summary.js';
import { collapsed, text } from './escape.js';
import type { HistoryView, TrendPoint } from './history.js';

/**
 * The history's part of the summary, check run and comment: this run's failures told apart
 * (new, known flaky, persistent), what was fixed, the flake rate against its budget, what
 * the threshold quarantines, and the environment's pass rate and duration over the last runs
 * as Mermaid charts (GitHub renders them) with the numbers in a collapsed table. Test names
 * are report text and go through escape.ts.
 */
const LISTED = 15;

const percent = (x: number) => `${(Math.round(x * 10000) / 100).toString()}%`;

function list(title: string, items: string[]): string {
  if (!items.length) return '';
  const shown = items.slice(0, LISTED).map((i) => `- ${i}`);
  if (items.length > LISTED) shown.push(`- _…and ${items.length - LISTED} more_`);
  return `**${title}**\n\n${shown.join('\n')}\n`;
}

const name = (key: string) => text(displayKey(key));
const short = (sha: string) => text(sha.slice(0, 7) || '(unknown)');

/** A Mermaid label: a quoted string with nothing that could end it. */
const label = (s: string) => `"${s.replace(/["\\\n\r]/g, '')}"`;

function charts(env: string, points: TrendPoint[]): string {
  if (points.length < 2) return '';
  const x = points.map((p) => label(p.attempt > 1 ? `${p.runId}.${p.attempt}` : p.runId));
  const chart = (title: string, y: string, series: string) =>
    `\`\`\`mermaid\nxychart-beta\n  title ${label(title)}\n  x-axis [${x.join(', ')}]\n  y-axis ${y}\n  ${series}\n\`\`\`\n`;
  const maxS = Math.max(1, ...points.map((p) => p.durationS));
  return [
    chart(
      `${env}: pass rate per run (%)`,
      `"pass rate" 0 --> 100`,
      `line [${points.map((p) => p.passRate).join(', ')}]`,
    ),
    chart(
      `${env}: test time per run (s)`,
      `"seconds" 0 --> ${Math.ceil(maxS * 1.1)}`,
      `bar [${points.map((p) => p.durationS).join(', ')}]`,
    ),
  ].join('\n');
}

function numbers(points: TrendPoint[]): string {
  return table(
    ['run', 'attempt', 'commit', 'branch', 'tests', 'pass rate', 'passed on a rerun', 'test time'],
    [...points]
      .reverse()
      .map((p) => [
        p.runId,
        p.attempt,
        short(p.sha),
        text(p.branch),
        p.tests,
        `${p.passRate}%`,
        p.flaky,
        `${p.durationS}s`,
      ]),
  );
}

/** The classification goes before the failures; the trend, collapsed, after them. */
export interface HistoryMarkdown {
  before: string;
  after: string;
}

export function renderHistory(v: HistoryView, heading = '####'): HistoryMarkdown {
  const c = v.classification;
  const over = v.flakeRate > v.budget;
  const head = `${heading} 📈 History of ${text(v.environment)}: ${v.earlierRuns} earlier run(s)\n`;
  const counts = table(
    ['🆕 new failures', '🔁 known flaky', '🧱 persistent', '🩹 fixed', 'flake rate', 'budget'],
    [
      [
        c.newFailures.length,
        c.knownFlaky.length,
        c.persistent.length,
        c.fixed.length,
        `${percent(v.flakeRate)}${over ? ' ⚠️ over budget' : ''}`,
        percent(v.budget),
      ],
    ],
  );
  const { count, of } = v.threshold;
  const sections = [
    list('🆕 New failures: passed on the default branch before', c.newFailures.map(name)),
    list(
      '🔁 Known flaky',
      c.knownFlaky.map(
        (f) => `${name(f.id)}: flaky in ${f.flakyRuns} of ${f.runs} run(s) (${percent(f.rate)})`,
      ),
    ),
    list(
      '🧱 Persistent failures',
      c.persistent.map((p) => `${name(p.id)}: failing for ${p.runs} runs, since ${short(p.since)}`),
    ),
    list(
      '❓ Other failures: no passing default-branch run to compare with',
      c.otherFailures.map(name),
    ),
    list('🩹 Fixed: failed in the run before', c.fixed.map(name)),
    list(
      `🚧 Over the flake threshold (${count} in ${of}): \`quarantine: auto\` leaves these out`,
      v.quarantine.map((q) => `${name(q.id)}: ${text(q.reason)}, until ${q.until}`),
    ),
  ];
  const after = v.trend.length
    ? collapsed(
        `📈 ${v.environment}: pass rate and test time over the last ${v.trend.length} run(s)`,
        `${charts(v.environment, v.trend)}\n${numbers(v.trend)}`,
      )
    : '';
  return { before: [head, counts, ...sections].filter(Boolean).join('\n'), after };
}

/** The step outputs of the history: JSON lists of test ids and the environment's rate. */
export function historyOutputs(view: HistoryView | undefined): {
  'new-failures': string;
  'known-flaky': string;
  'flake-rate': string;
} {
  return {
    'new-failures': JSON.stringify(view ? view.classification.newFailures.map(displayKey) : []),
    'known-flaky': JSON.stringify(
      view ? view.classification.knownFlaky.map((f) => displayKey(f.id)) : [],
    ),
    'flake-rate': view ? String(Math.round(view.flakeRate * 1e6) / 1e6) : '',
  };
}
