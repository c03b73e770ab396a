import * as core from '@actions/core';
import { setOutputs } from '../../shared/run.js';
import { codeBlock, details, table, writeSummary } from '../../shared/summary.js';
import { shellJoin } from './runners.js';
import type { SelectOptions, Selection } from './select.js';

/** Most test ids listed in the summary; the outputs always carry all of them. */
const LISTED = 300;
/** Longest runner command line shown in the summary and the log. */
const ARGS_SHOWN = 2000;

export function outputsOf(sel: Selection): Record<string, unknown> {
  return {
    'label-filter': sel.filter,
    focus: sel.focus,
    skip: sel.skip,
    args: shellJoin(sel.args),
    'args-json': sel.args,
    ...(sel.tests
      ? { tests: sel.tests, count: sel.tests.length, total: sel.selected?.length }
      : {}),
    ...(sel.matrix ? { matrix: sel.matrix } : {}),
  };
}

function seconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function summaryOf(sel: Selection, opts: SelectOptions): string {
  const title = `select-tests${opts.environment ? `: ${opts.environment}` : ''}`;
  const out: string[] = [`### ${title}\n`];
  for (const w of sel.warnings) out.push(`> [!WARNING]\n> ${w}\n`);
  const count = sel.tests
    ? sel.shards
      ? `${sel.tests.length} in shard ${sel.shardIndex}/${sel.shards.length} (${sel.selected?.length} selected of ${sel.inventory?.tests.length})`
      : `${sel.tests.length} of ${sel.inventory?.tests.length}`
    : 'inventory not given';
  out.push(
    table(
      ['selection', ''],
      [
        ['label filter', sel.filter ? `\`${sel.filter}\`` : '(everything)'],
        ['runner', sel.runner],
        ['tests', count],
      ],
    ),
  );
  const args = shellJoin(sel.args);
  out.push(
    codeBlock(
      args.length > ARGS_SHOWN
        ? `${args.slice(0, ARGS_SHOWN)} …\n# ${args.length} characters in all: see the args output`
        : args || '# no arguments: the runner runs everything',
      'sh',
    ),
  );
  if (sel.shards) {
    const rows = sel.shards.map((s) => [
      s.index === sel.shardIndex ? `**${s.index}** (this job)` : String(s.index),
      s.tests.length,
      seconds(s.seconds),
    ]);
    out.push(
      details(
        `Shards: longest ${seconds(Math.max(...sel.shards.map((s) => s.seconds)))}, lower bound ${seconds(sel.lowerBound ?? 0)}; durations known for ${sel.timingsKnown} of ${sel.selected?.length} tests`,
        table(['shard', 'tests', 'expected time'], rows),
      ),
    );
  }
  const sources: unknown[][] = sel.parts.map((p) => [p.source, `\`${p.filter}\``]);
  if (sel.focus) sources.push(['focus', `\`${sel.focus}\``]);
  if (opts.skip) sources.push(['skip', `\`${opts.skip}\``]);
  sources.push(['PR labels', `${sel.prLabels.names.length} from ${sel.prLabels.source}`]);
  out.push(details('Where the filter comes from', table(['source', 'part'], sources)));
  if (sel.quarantine && (sel.quarantine.active.length || sel.quarantine.expired.length)) {
    const rows = [
      ...sel.quarantine.expired.map((e) => [e.kind, e.value, e.reason ?? '', `ended ${e.until}`]),
      ...sel.quarantine.active.map((e) => [
        e.kind,
        e.value,
        e.reason ?? '',
        e.until ? `until ${e.until}` : 'active',
      ]),
    ];
    out.push(
      details(
        `Quarantine (${sel.quarantine.file}): ${sel.quarantine.active.length} left out`,
        table(['kind', 'id or label', 'reason', 'state'], rows),
      ),
    );
  }
  if (sel.tests && sel.tests.length) {
    const shown = sel.tests.slice(0, LISTED);
    const more =
      sel.tests.length > LISTED
        ? `\n_…and ${sel.tests.length - LISTED} more (all in the \`tests\` output)._\n`
        : '';
    out.push(details(`Selected tests (${sel.tests.length})`, codeBlock(shown.join('\n')) + more));
  }
  if (sel.matrix) {
    out.push(
      details(
        `Matrix (${sel.matrix.include.length} environments)`,
        codeBlock(JSON.stringify(sel.matrix, null, 2), 'json'),
      ),
    );
  }
  return out.join('\n');
}

/** The one place results leave the action: outputs, log lines, warnings and the summary. */
export async function report(sel: Selection, opts: SelectOptions): Promise<void> {
  setOutputs(outputsOf(sel));
  for (const w of sel.warnings) core.warning(`select-tests: ${w}`);
  const n = sel.tests ? `${sel.tests.length} tests` : 'no inventory';
  const args = shellJoin(sel.args);
  const shown =
    args.length > ARGS_SHOWN ? `${args.slice(0, ARGS_SHOWN)} … (${args.length} characters)` : args;
  core.info(`label filter: ${sel.filter || '(everything)'}; ${n}; args: ${shown}`);
  await writeSummary(summaryOf(sel, opts));
}
