import * as core from '@actions/core';
import { setOutputs } from '../../shared/run.js';
import { codeBlock, details, table, writeSummary } from '../../shared/summary.js';
import type { PatchOp } from './json-patch.js';
import { formatConditions, formatDuration, type Readiness } from './live.js';
import type { Options } from './options.js';
import type { Result } from './toggle-feature-gate.js';

/** The one place a run's outcome reaches the user: outputs, log lines, warnings, summary. */
export function outputs(r: Result): Record<string, unknown> {
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

export async function report(r: Result, o: Options, failure?: string): Promise<void> {
  setOutputs(outputs(r));
  core.info(headline(r));
  for (const w of r.warnings) core.warning(w);
  if (r.dryRun && r.patch.length) core.info(`patch:\n${JSON.stringify(r.patch, null, 2)}`);
  for (const f of r.dryRun ? r.files : []) core.info(`${f.file} would become:\n${f.content}`);
  if (r.readiness) {
    core.info(
      `taken: ${formatConditions(r.readiness)}, observedGeneration ${r.readiness.observedGeneration ?? '-'}`,
    );
  }

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
      `Taken after waiting (limit ${formatDuration(o.timeoutMs)}): ${formatConditions(r.readiness)}\n`,
    );
  }
  if (r.warnings.length) lines.push(r.warnings.map((w) => `- ⚠️ ${w}`).join('\n') + '\n');
  if (r.patch.length)
    lines.push(details('JSON patch', codeBlock(JSON.stringify(r.patch, null, 2), 'json')));
  for (const f of r.files) lines.push(details(f.file, codeBlock(f.content, 'yaml')));
  await writeSummary(lines.join('\n'));
}

export async function reportRestore(r: {
  restored: string[];
  skipped: string[];
  object: string;
  patch?: PatchOp[];
  readiness?: Readiness;
}): Promise<void> {
  for (const s of r.skipped) {
    core.warning(
      `${r.object}: ${s} was changed by someone else after this job set it; left as it is`,
    );
  }
  const what = r.restored.length
    ? `${r.object}: previous configuration put back (${r.restored.join(', ')})`
    : `${r.object}: nothing to put back`;
  core.info(what);
  const lines = [`### toggle-feature-gate — restore\n`, `${what}\n`];
  if (r.readiness) lines.push(`Taken: ${formatConditions(r.readiness)}\n`);
  if (r.patch?.length) {
    lines.push(details('JSON patch', codeBlock(JSON.stringify(r.patch, null, 2), 'json')));
  }
  await writeSummary(lines.join('\n'));
}
