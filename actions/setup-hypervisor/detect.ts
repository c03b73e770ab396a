import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../shared/errors.js';
import type { HypervisorMode } from '../../shared/profile.js';
import type { DeviceKind, DeviceProbe } from './probe.js';

export type Hypervisor = 'kvm' | 'mshv' | 'emulation';
export type Accelerator = 'kvm' | 'mshv' | 'tcg';
export const FALLBACKS = ['none', 'emulation'] as const;
export type HypervisorFallback = (typeof FALLBACKS)[number];
export type Nested = 'true' | 'false' | 'unknown';

export interface HypervisorChoice {
  hypervisor: Hypervisor;
  accelerator: Accelerator;
  /** The device the job uses; empty under emulation. */
  device: string;
  /** Why emulation was chosen when the mode asked for a device, for the log and summary. */
  fellBack?: string;
}

/** QEMU emulation (TCG), with why it was chosen when a device was looked for. */
export function emulationChoice(why?: string): HypervisorChoice {
  return {
    hypervisor: 'emulation',
    accelerator: 'tcg',
    device: '',
    ...(why ? { fellBack: why } : {}),
  };
}

/**
 * Pick the hypervisor from what the probes found. auto prefers mshv, then kvm, then
 * emulation. An explicit mode that cannot be had fails with the device, the error and the fix,
 * unless the fallback is emulation.
 */
export function choose(
  mode: HypervisorMode,
  fallback: HypervisorFallback,
  probes: Partial<Record<DeviceKind, DeviceProbe>>,
): HypervisorChoice {
  const pick = (kind: DeviceKind): HypervisorChoice => ({
    hypervisor: kind,
    accelerator: kind,
    device: probes[kind]!.device,
  });
  if (mode === 'emulation') return emulationChoice();
  if (mode === 'auto') {
    if (probes.mshv?.usable) return pick('mshv');
    if (probes.kvm?.usable) return pick('kvm');
    const why = (['mshv', 'kvm'] as const)
      .map((k) => probes[k])
      .filter((p): p is DeviceProbe => p !== undefined)
      .map((p) => `${p.device} ${p.error ?? 'unusable'}`)
      .join('; ');
    return emulationChoice(why || 'no hypervisor device was probed');
  }
  const probe = probes[mode];
  if (probe?.usable) return pick(mode);
  const reason = probe
    ? `${probe.device} ${probe.error ?? 'is unusable'}`
    : `${mode} was not probed`;
  if (fallback === 'emulation') return emulationChoice(reason);
  throw new UserError(
    `input "mode": ${mode} is not available: ${reason}; ${probe ? fixFor(probe) : ''} or set fallback: emulation to run under QEMU emulation (TCG)`,
  );
}

/** What the user can do about a device that did not answer, by how it failed. */
export function fixFor(probe: DeviceProbe): string {
  const name = probe.kind === 'kvm' ? 'KVM' : 'MSHV';
  const input = `${probe.kind}-device`;
  if (probe.failedStep === 'run') {
    return 'fix: install python3, which the probe runs through (this says nothing about the device);';
  }
  if (probe.failedStep === 'vcpu' || probe.failedStep === 'guest') {
    return `fix: this host's ${name} creates VMs but cannot run a guest's vCPU (often a nested or restricted hypervisor): use a runner whose ${name} runs guests;`;
  }
  switch (probe.code) {
    case 'ENOENT':
      return probe.kind === 'kvm'
        ? `fix: run on a runner with hardware virtualization (GitHub's Linux x64 larger and standard runners have /dev/kvm), load the kvm_intel or kvm_amd module, or point ${input} at the right device;`
        : `fix: run on an Azure L1VH (Hyper-V root partition) host with the mshv_root driver loaded, or point ${input} at the right device;`;
    case 'EACCES':
    case 'EPERM':
      return `fix: keep device-access: true (the default; needs root or passwordless sudo), or add the runner user to the device's group;`;
    case 'ENOTTY':
      return `fix: ${input} must name the ${name} character device (default /dev/${probe.kind});`;
    case 'ENODEV':
    case 'ENXIO':
      return `fix: the device node exists but no ${name} driver answers: load the ${probe.kind === 'kvm' ? 'kvm_intel or kvm_amd' : 'mshv_root'} module, or enable hardware virtualization for this machine;`;
    default:
      return `fix: check the host's ${name} driver and the device's permissions;`;
  }
}

/**
 * Whether this host lets its guests run hypervisors, where the kernel says it: the nested
 * parameter of kvm_intel or kvm_amd. CPU flags are not read: they neither prove nor rule out
 * that KVM works on these hosts.
 */
export function nestedState(sysModule = '/sys/module'): Nested {
  for (const mod of ['kvm_intel', 'kvm_amd']) {
    let text: string;
    try {
      text = readFileSync(path.join(sysModule, mod, 'parameters', 'nested'), 'utf8').trim();
    } catch {
      continue;
    }
    if (/^(y|1)$/i.test(text)) return 'true';
    if (/^(n|0)$/i.test(text)) return 'false';
  }
  return 'unknown';
}
