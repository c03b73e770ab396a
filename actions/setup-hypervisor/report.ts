import * as core from '@actions/core';
import { setOutputs } from '../../shared/run.js';
import { codeBlock, details, table, writeSummary } from '../../shared/summary.js';
import type { Options, Progress, Result } from './setup-hypervisor.js';

/** The one place that talks to the runner: outputs, exported variables, warnings, summary. */
export async function report(opts: Options, r: Result): Promise<void> {
  setOutputs({
    hypervisor: r.choice.hypervisor,
    accelerator: r.choice.accelerator,
    emulation: String(r.choice.hypervisor === 'emulation'),
    device: r.choice.device,
    nested: r.nested,
    'qemu-version': r.qemuVersion ?? '',
    'libvirt-uri': r.libvirt?.uri ?? '',
    'cache-hit': String(r.packages?.cacheHit ?? false),
  });
  for (const [name, value] of Object.entries(r.env)) core.exportVariable(name, value);
  for (const w of r.warnings) core.warning(w);
  for (const n of r.notes) core.info(n);
  core.info(
    `hypervisor: ${r.choice.hypervisor} (accelerator ${r.choice.accelerator}${r.choice.device ? `, ${r.choice.device}` : ''})`,
  );
  await writeSummary(summaryMarkdown(opts, r));
}

export async function writeFailureSummary(
  opts: Options,
  progress: Progress,
  message: string,
): Promise<void> {
  await writeSummary(summaryMarkdown(opts, progress, message));
}

function probeText(p: NonNullable<Progress['probes']>['kvm']): string {
  if (!p) return '';
  if (p.usable)
    return p.kind === 'kvm'
      ? `usable (KVM API ${p.apiVersion}, VM created)`
      : 'usable (partition created)';
  return p.error ?? 'unusable';
}

/** Failures first, then what was found, then what was done; long output collapsed. */
export function summaryMarkdown(opts: Options, r: Progress, failure?: string): string {
  const out: string[] = ['### setup-hypervisor\n'];
  if (failure) out.push(`**Failed:** ${failure}\n`);
  for (const w of r.warnings ?? []) out.push(`> ⚠️ ${w}\n\n`);
  for (const n of r.notes ?? []) out.push(`${n}\n\n`);
  if (r.choice) {
    out.push(
      table(
        ['hypervisor', 'accelerator', 'device', 'nested', 'mode asked'],
        [
          [
            r.choice.hypervisor,
            r.choice.accelerator,
            r.choice.device || '—',
            r.nested ?? 'unknown',
            `${opts.mode}${opts.fallback === 'emulation' ? ' (fallback: emulation)' : ''}`,
          ],
        ],
      ),
    );
  }
  const found: unknown[][] = [];
  for (const p of Object.values(r.probes ?? {})) {
    if (p) found.push([p.device, probeText(p)]);
  }
  if (r.qemuVersion) found.push(['QEMU', r.qemuVersion]);
  if (r.libvirt)
    found.push(['libvirt', `${r.libvirt.uri}: ${r.libvirt.version ?? 'not answering'}`]);
  if (r.domain) {
    found.push([
      'virsh domcapabilities',
      r.domain.type ? `domain type ${r.domain.type}` : (r.domain.error ?? r.domain.skipped),
    ]);
  }
  if (r.verify) {
    const state = r.verify.skipped ? 'not checked' : r.verify.ok ? 'ok' : 'failed';
    found.push(['QEMU check', `${state}: ${r.verify.detail}`]);
  }
  if (found.length) out.push('\n' + table(['found', 'result'], found));

  const done: unknown[][] = [];
  if (r.packages) {
    const p = r.packages;
    done.push([
      'packages',
      `${p.packages.join(' ')}: ${p.downloaded} .deb downloaded (${(p.downloadedBytes / 1048576).toFixed(1)} MiB), ${p.debs} in the archive${p.pruned ? ` (${p.pruned} stale removed)` : ''}${p.updated ? ', apt lists refreshed' : ''}`,
    ]);
    const secs = (n: number) => `${(n / 1000).toFixed(1)} s`;
    done.push([
      'time',
      `install ${secs(p.ms.install)}${p.cacheKey ? `, cache restore ${secs(p.ms.restore)}, save ${secs(p.ms.save)}` : ''}`,
    ]);
    if (p.cacheKey) {
      done.push([
        'cache',
        `${p.cacheHit ? 'hit' : 'miss'} ${p.cacheKey}${p.cacheNote ? ` (${p.cacheNote})` : ''}`,
      ]);
    }
  }
  for (const a of r.access ?? []) {
    const what = a.actions.length ? a.actions.join('; ') : (a.note ?? 'nothing to do');
    const why = !a.ok && a.actions.length && a.note ? ` (${a.note})` : '';
    done.push([`device access ${a.device}`, `${a.ok ? '' : 'failed: '}${what}${why}`]);
  }
  if (r.libvirt) done.push(['libvirt', [...r.libvirt.started, ...r.libvirt.notes].join('; ')]);
  if (r.env) done.push(['exported', Object.keys(r.env).join(', ')]);
  if (done.length) out.push('\n' + table(['done', 'how'], done));
  if (r.env && Object.keys(r.env).length) {
    out.push(
      '\n' +
        details(
          'exported variables',
          codeBlock(
            Object.entries(r.env)
              .map(([k, v]) => `${k}=${v}`)
              .join('\n'),
          ),
        ),
    );
  }
  return out.join('');
}
