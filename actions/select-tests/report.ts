import type { Annotation, Outcome, OutputValue } from '../../shared/action/outcome.js';
import { shellQuote } from '../../shared/exec.js';
import { formatDuration } from '../../shared/format.js';
import { codeBlock, details, table } from '../../shared/summary.js';
import type { Output } from './names.gen.js';
import type { Options, Result, Selection } from './types.js';

/** Most test ids listed in the summary; the outputs always carry all of them. */
const LISTED = 300;
/** Longest runner command line shown in the summary and the log. */
const ARGS_SHOWN = 2000;

/** A selection as the step shows it: outputs, one log line, warnings and the summary. */
export function report(sel: Selection, opts: Options): Outcome<Result, never> {
  return {
    outputs: outputsOf(sel),
    summary: summaryOf(sel, opts),
    warnings: warningLines(sel.warnings),
    annotations: noticeAnnotations(sel.notices),
    notes: [logLine(sel)],
    result: sel,
  };
}

/** Warnings as annotations show them: named for the step, since a job runs many. */
export function warningLines(warnings: readonly string[]): string[] {
  return warnings.map((w) => `select-tests: ${w}`);
}

/** Notices (nothing to fix, worth knowing), as notice annotations named for the step. */
export function noticeAnnotations(notices: readonly string[]): Annotation[] {
  return notices.map((n) => ({ level: 'notice', message: `select-tests: ${n}` }));
}

function outputsOf(sel: Selection): Partial<Record<Output, OutputValue>> {
  return {
    'label-filter': sel.filter,
    focus: sel.focus,
    skip: sel.skip,
    args: shellQuote(sel.args),
    'args-json': sel.args,
    'args-file': sel.argsFile,
    ...(sel.tests
      ? { tests: sel.tests, count: sel.tests.length, total: sel.selected?.length }
      : {}),
    ...(sel.matrix ? { matrix: sel.matrix } : {}),
  };
}

function logLine(sel: Selection): string {
  const n = sel.tests ? `${sel.tests.length} tests` : 'no inventory';
  const args = shellQuote(sel.args);
  const shown =
    args.length > ARGS_SHOWN ? `${args.slice(0, ARGS_SHOWN)} … (${args.length} characters)` : args;
  const rerun = sel.rerun
    ? `; re-run of attempt ${sel.rerun.attempt}: ${sel.rerun.failed} failed before`
    : '';
  return `label filter: ${sel.filter || '(everything)'}; ${n}${rerun}; args: ${shown}`;
}

function summaryOf(sel: Selection, opts: Options): string {
  const title = `select-tests${opts.environment ? `: ${opts.environment}` : ''}`;
  return [
    `### ${title}\n`,
    ...sel.warnings.map((w) => `> [!WARNING]\n> ${w}\n`),
    ...sel.notices.map((n) => `> [!NOTE]\n> ${n}\n`),
    rerunLine(sel),
    selectionTable(sel),
    argsBlock(sel),
    runsLine(sel),
    shardsSection(sel),
    sourcesSection(sel, opts),
    quarantineSection(sel),
    testsSection(sel),
    matrixSection(sel),
  ]
    .filter((part) => part !== '')
    .join('\n');
}

function rerunLine(sel: Selection): string {
  const r = sel.rerun;
  if (!r) return '';
  const before = r.attempt - 1;
  const tests = (n: number) => `${n} ${n === 1 ? 'test' : 'tests'}`;
  return r.of === undefined
    ? `**re-run of attempt ${r.attempt}: ${tests(r.failed)} failed in attempt ${before}**; only those run, by name (there is no inventory to count the selection).\n`
    : `**re-run of attempt ${r.attempt}: ${r.failed} of ${r.of} selected tests failed in attempt ${before}**; only those run.\n`;
}

/** Where the arguments are when they do not fit one command line. */
function runsLine(sel: Selection): string {
  if (!sel.long || !sel.argsFile) return '';
  const runs = sel.runs?.length ?? 1;
  return `The arguments are too long for one command line: \`args-file\` lists them, one a line${runs > 1 ? `, in ${runs} runs of the runner separated by an empty line` : ''}.\n`;
}

function selectionTable(sel: Selection): string {
  const count = sel.tests
    ? sel.shards
      ? `${sel.tests.length} in shard ${sel.shardIndex}/${sel.shards.length} (${sel.selected?.length} selected of ${sel.inventory?.tests.length})`
      : `${sel.tests.length} of ${sel.inventory?.tests.length}`
    : 'inventory not given';
  return table(
    ['selection', ''],
    [
      ['label filter', sel.filter ? `\`${sel.filter}\`` : '(everything)'],
      ['runner', sel.runner],
      ['tests', count],
    ],
  );
}

function argsBlock(sel: Selection): string {
  const args = shellQuote(sel.args);
  return codeBlock(
    args.length > ARGS_SHOWN
      ? `${args.slice(0, ARGS_SHOWN)} …\n# ${args.length} characters in all: see the args output`
      : args || '# no arguments: the runner runs everything',
    'sh',
  );
}

const duration = (seconds: number) => formatDuration(seconds * 1000);

function shardsSection(sel: Selection): string {
  if (!sel.shards) return '';
  const rows = sel.shards.map((s) => [
    s.index === sel.shardIndex ? `**${s.index}** (this job)` : String(s.index),
    s.tests.length,
    duration(s.seconds),
  ]);
  const longest = Math.max(...sel.shards.map((s) => s.seconds));
  return details(
    `Shards: longest ${duration(longest)}, lower bound ${duration(sel.lowerBound ?? 0)}; durations known for ${sel.timingsKnown} of ${sel.selected?.length} tests`,
    table(['shard', 'tests', 'expected time'], rows),
  );
}

function sourcesSection(sel: Selection, opts: Options): string {
  const sources: unknown[][] = sel.parts.map((p) => [p.source, `\`${p.filter}\``]);
  if (sel.focus) sources.push(['focus', `\`${sel.focus}\``]);
  if (opts.skip) sources.push(['skip', `\`${opts.skip}\``]);
  sources.push(['PR labels', `${sel.prLabels.names.length} from ${sel.prLabels.source}`]);
  return details('Where the filter comes from', table(['source', 'part'], sources));
}

function quarantineSection(sel: Selection): string {
  const q = sel.quarantine;
  if (!q || (!q.active.length && !q.expired.length)) return '';
  const rows = [
    ...q.expired.map((e) => [e.kind, e.value, e.reason ?? '', `ended ${e.until}`]),
    ...q.active.map((e) => [
      e.kind,
      e.value,
      e.reason ?? '',
      e.until ? `until ${e.until}` : 'active',
    ]),
  ];
  // With an inventory, the tests it really took out; without one, only the entries in force.
  const out =
    sel.quarantinedOut !== undefined
      ? `${sel.quarantinedOut} ${sel.quarantinedOut === 1 ? 'test' : 'tests'} left out by ${q.active.length} ${q.active.length === 1 ? 'entry' : 'entries'} in force`
      : `${q.active.length} ${q.active.length === 1 ? 'entry' : 'entries'} in force`;
  return details(
    `Quarantine (${q.file}): ${out}`,
    table(['kind', 'id or label', 'reason', 'state'], rows),
  );
}

function testsSection(sel: Selection): string {
  if (!sel.tests || sel.tests.length === 0) return '';
  const shown = sel.tests.slice(0, LISTED);
  const more =
    sel.tests.length > LISTED
      ? `\n_…and ${sel.tests.length - LISTED} more (all in the \`tests\` output)._\n`
      : '';
  return details(`Selected tests (${sel.tests.length})`, codeBlock(shown.join('\n')) + more);
}

function matrixSection(sel: Selection): string {
  if (!sel.matrix) return '';
  return details(
    `Matrix (${sel.matrix.include.length} environments)`,
    codeBlock(JSON.stringify(sel.matrix, null, 2), 'json'),
  );
}
