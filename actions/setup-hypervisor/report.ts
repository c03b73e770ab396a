import type { Outcome, OutputValue } from '../../shared/action/outcome.js';
import { formatDuration } from '../../shared/format.js';
import { codeBlock, details, table } from '../../shared/summary.js';
import type { DeviceProbe } from './probe.js';
import type { Output } from './names.gen.js';
import type { Findings, Options, PackagesResult, Result, State } from './types.js';

/** What a finished run tells the runner: outputs, variables, warnings, notes, summary. */
export function reportResult(options: Options, r: Result): Outcome<Result, State> {
  return {
    outputs: outputs(r),
    env: r.env,
    warnings: r.warnings,
    notes: [...r.notes, hypervisorLine(r)],
    summary: summaryMarkdown(options, r),
    result: r,
  };
}

/** What a failed run still tells: the summary of what was found, its warnings and notes. */
export function reportFailure(
  options: Options,
  found: Findings,
  failure: string,
): Partial<Outcome<Result, State>> {
  return {
    warnings: found.warnings,
    notes: found.notes,
    summary: summaryMarkdown(options, found, failure),
  };
}

function outputs(r: Result): Record<Output, OutputValue> {
  return {
    hypervisor: r.hypervisor,
    accelerator: r.accelerator,
    emulation: r.hypervisor === 'emulation',
    device: r.device,
    nested: r.nested,
    'qemu-version': r.qemuVersion ?? '',
    'libvirt-uri': r.libvirt?.uri ?? '',
    'cache-hit': r.packages?.cacheHit ?? false,
  };
}

function hypervisorLine(r: Result): string {
  return `hypervisor: ${r.hypervisor} (accelerator ${r.accelerator}${r.device ? `, ${r.device}` : ''})`;
}

function probeText(p: DeviceProbe): string {
  if (p.usable)
    return p.kind === 'kvm'
      ? `usable (KVM API ${p.apiVersion}, ${p.vcpu === 'skipped' ? 'VM created; no test guest for this architecture' : 'a vCPU ran the test guest'})`
      : 'usable (partition created)';
  return p.error ?? 'unusable';
}

/**
 * Failures first, then what was found, then what was done; long output collapsed. `r` is a
 * finished result, or as much of one as a failed run found.
 */
export function summaryMarkdown(options: Options, r: Partial<Result>, failure?: string): string {
  const out: string[] = ['### setup-hypervisor\n'];
  if (failure) out.push(`**Failed:** ${failure}\n`);
  for (const w of r.warnings ?? []) out.push(`> ⚠️ ${w}\n\n`);
  for (const n of r.notes ?? []) out.push(`${n}\n\n`);
  if (r.hypervisor) {
    out.push(
      table(
        ['hypervisor', 'accelerator', 'device', 'nested', 'mode asked'],
        [
          [
            r.hypervisor,
            r.accelerator,
            r.device || '—',
            r.nested ?? 'unknown',
            `${options.mode}${options.fallback === 'emulation' ? ' (fallback: emulation)' : ''}`,
          ],
        ],
      ),
    );
  }
  const found = foundRows(r);
  if (found.length) out.push('\n' + table(['found', 'result'], found));
  const done = doneRows(r);
  if (done.length) out.push('\n' + table(['done', 'how'], done));
  if (r.env && Object.keys(r.env).length) {
    const lines = Object.entries(r.env).map(([k, v]) => `${k}=${v}`);
    out.push('\n' + details('exported variables', codeBlock(lines.join('\n'))));
  }
  return out.join('');
}

function foundRows(r: Partial<Result>): unknown[][] {
  const rows: unknown[][] = [];
  for (const p of Object.values(r.probes ?? {})) {
    if (p) rows.push([p.device, probeText(p)]);
  }
  if (r.runnerUsers?.length) {
    rows.push(['runner users', r.runnerUsers.map((u) => `${u.name} (${u.why})`).join(', ')]);
  }
  if (r.qemuVersion) rows.push(['QEMU', r.qemuVersion]);
  if (r.libvirt)
    rows.push(['libvirt', `${r.libvirt.uri}: ${r.libvirt.version ?? 'not answering'}`]);
  if (r.domain) {
    rows.push([
      'virsh domcapabilities',
      r.domain.type ? `domain type ${r.domain.type}` : (r.domain.error ?? r.domain.skipped),
    ]);
  }
  if (r.verify) {
    const state = r.verify.skipped ? 'not checked' : r.verify.ok ? 'ok' : 'failed';
    const what = r.verify.how === 'boot' ? 'QEMU boot check' : 'QEMU check';
    rows.push([what, `${state}: ${r.verify.detail}`]);
  }
  return rows;
}

function doneRows(r: Partial<Result>): unknown[][] {
  const rows: unknown[][] = r.packages ? packageRows(r.packages) : [];
  for (const a of r.access ?? []) {
    const what = a.actions.length ? a.actions.join('; ') : (a.note ?? 'nothing to do');
    const why = !a.ok && a.actions.length && a.note ? ` (${a.note})` : '';
    rows.push([
      `device access ${a.device}${a.user ? ` for ${a.user}` : ''}`,
      `${a.ok ? '' : 'failed: '}${what}${why}`,
    ]);
  }
  if (r.libvirt) rows.push(['libvirt', [...r.libvirt.started, ...r.libvirt.notes].join('; ')]);
  if (r.env) rows.push(['exported', Object.keys(r.env).join(', ')]);
  return rows;
}

/** The packages apt was not asked for: already installed at the version wanted. */
function installedNote(names: readonly string[]): string {
  if (!names.length) return '';
  return names.length === 1
    ? `, ${names[0]} already installed`
    : `, ${names.length} already installed (${names.join(' ')})`;
}

function packageRows(p: PackagesResult): unknown[][] {
  const rows: unknown[][] = [
    [
      'packages',
      `${p.packages.join(' ')}: ${p.downloaded} .deb downloaded (${(p.downloadedBytes / 1048576).toFixed(1)} MiB), ${p.debs} in the archive${p.pruned ? ` (${p.pruned} stale removed)` : ''}${p.updated ? ', apt lists refreshed' : ''}${installedNote(p.alreadyInstalled)}`,
    ],
    [
      'time',
      `install ${formatDuration(p.ms.install)}${p.cacheKey ? `, cache restore ${formatDuration(p.ms.restore)}, save ${formatDuration(p.ms.save)}` : ''}`,
    ],
  ];
  if (p.cacheKey) {
    rows.push([
      'cache',
      `${p.cacheHit ? 'hit' : 'miss'} ${p.cacheKey}${p.cacheNote ? ` (${p.cacheNote})` : ''}`,
    ]);
  }
  return rows;
}
