import type { OutputValue } from '../../shared/action/outcome.js';
import { formatDurationSetting } from '../../shared/format.js';
import { codeBlock, details, table } from '../../shared/summary.js';
import { formatConditions } from './conditions.js';
import type { Output } from './names.gen.js';
import type { Options, RestoreResult, Result } from './types.js';

/** What a run (or the post step) shows: outputs, log lines, warnings and the summary. */
export interface Shown {
  outputs: Record<string, OutputValue>;
  notes: string[];
  warnings: string[];
  summary: string;
}

export function outputs(r: Result): Record<Output, OutputValue> {
  return {
    changed: String(r.changed),
    enabled: r.enabled,
    disabled: r.disabled,
    previous: r.previous,
    generation: r.generation === undefined ? '' : String(r.generation),
    patch: r.patch,
  };
}

export function headline(r: Result): string {
  if (!r.changed) return `${r.object}: already as asked; nothing changed`;
  if (r.dryRun) return `${r.object}: dry run; would apply ${r.patch.length} patch operation(s)`;
  return `${r.object}: changed${r.generation !== undefined ? ` (generation ${r.generation})` : ''}`;
}

/** Log lines: the headline, and on a dry run what would be sent or written. */
function notes(r: Result): string[] {
  const out = [headline(r)];
  if (r.dryRun && r.patch.length) out.push(`patch:\n${JSON.stringify(r.patch, null, 2)}`);
  for (const f of r.dryRun ? r.files : []) out.push(`${f.file} would become:\n${f.content}`);
  if (r.readiness) {
    out.push(
      `taken: ${formatConditions(r.readiness)}, observedGeneration ${r.readiness.observedGeneration ?? '-'}`,
    );
  }
  return out;
}

function summary(r: Result, o: Options, failure?: string): string {
  const gateRows = Object.keys(r.after).map((n) => [n, r.before[n], r.after[n]]);
  const lines = [
    `### toggle-feature-gate${o.environment ? ` — ${o.environment}` : ''}\n`,
    ...(failure ? [`❌ ${failure}\n`] : []),
    `${headline(r)}\n`,
    table(['gate', 'before', 'after'], gateRows),
  ];
  const settings: string[][] = [];
  if (o.want.emulation !== undefined) settings.push(['useEmulation', String(o.want.emulation)]);
  if (o.want.hypervisor !== undefined) settings.push(['hypervisors', o.want.hypervisor]);
  if (settings.length) lines.push(table(['setting', 'value'], settings));
  if (r.readiness) {
    lines.push(
      `Taken after waiting (limit ${formatDurationSetting(o.timeoutMs)}): ${formatConditions(r.readiness)}\n`,
    );
  }
  if (r.warnings.length) lines.push(r.warnings.map((w) => `- ⚠️ ${w}`).join('\n') + '\n');
  if (r.patch.length)
    lines.push(details('JSON patch', codeBlock(JSON.stringify(r.patch, null, 2), 'json')));
  for (const f of r.files) lines.push(details(f.file, codeBlock(f.content, 'yaml')));
  return lines.join('\n') + '\n';
}

/** `failure`: the step failed after changing something; the summary leads with why. */
export function report(r: Result, o: Options, failure?: string): Shown {
  return {
    outputs: outputs(r),
    notes: notes(r),
    warnings: [...r.warnings],
    summary: summary(r, o, failure),
  };
}

export function restoreReport(r: RestoreResult): Omit<Shown, 'outputs'> {
  const warnings = r.skipped.map(
    (s) => `${r.object}: ${s} was changed by someone else after this job set it; left as it is`,
  );
  const what = r.restored.length
    ? `${r.object}: previous configuration put back (${r.restored.join(', ')})`
    : `${r.object}: nothing to put back`;
  const lines = [`### toggle-feature-gate — restore\n`, `${what}\n`];
  if (r.readiness) lines.push(`Taken: ${formatConditions(r.readiness)}\n`);
  if (r.patch?.length) {
    lines.push(details('JSON patch', codeBlock(JSON.stringify(r.patch, null, 2), 'json')));
  }
  return { notes: [what], warnings, summary: lines.join('\n') + '\n' };
}
