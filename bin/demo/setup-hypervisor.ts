import {
  probeDevice,
  type DeviceKind,
  type DeviceProbe,
} from '../../actions/setup-hypervisor/probe.js';
import { notOnPath, onPath, QEMU_SYSTEM } from './tools.js';
import type { DemoPlan, DemoStep } from './types.js';

/**
 * setup-hypervisor's part in the pipeline demo: each environment asks for its profile's
 * hypervisor on this machine's real /dev/kvm and /dev/mshv. Where that mode cannot be had
 * here, the step runs with `fallback: emulation`, so the demo shows what the environment would
 * get on this machine. No packages, no network, and `device-access: false`: the demo uses the
 * devices as this user finds them and never changes their mode or the udev rules.
 */

/** A probe that could not run (no python3) says nothing about the device: say so, not "absent". */
const unchecked = (p: DeviceProbe) => p.failedStep === 'run';

function asked(mode: string, probes: DeviceProbe[], hypervisor: string): string {
  const notChecked = probes.filter(unchecked);
  if (notChecked.length) {
    const devices = notChecked.map((p) => p.device).join(' and ');
    return `${mode}: ${devices} could not be checked (${notChecked[0].error}) -> `;
  }
  if (mode === 'auto')
    return hypervisor === 'emulation'
      ? 'auto: no usable /dev/mshv or /dev/kvm here -> '
      : 'auto -> ';
  const failed = probes.find((p) => !p.usable);
  return failed
    ? `${mode} not here (${failed.device}: ${failed.code ?? failed.error}) -> `
    : `${mode} -> `;
}

export const setupHypervisorDemo: DemoPlan = (stage, ctx) => {
  if (stage !== 'environment' || !ctx.environment) return undefined;
  const mode = ctx.environment.hypervisor ?? 'auto';
  const probes: DeviceProbe[] = [];
  const step: DemoStep = {
    action: 'setup-hypervisor',
    title: 'setup-hypervisor',
    inputs: { environment: ctx.environment.name, 'device-access': 'false' },
    async prepare() {
      const kinds: DeviceKind[] =
        mode === 'auto' ? ['mshv', 'kvm'] : mode === 'kvm' || mode === 'mshv' ? [mode] : [];
      for (const kind of kinds) probes.push(await probeDevice(kind, `/dev/${kind}`));
      if (mode !== 'auto' && probes.some((p) => !p.usable)) step.inputs.fallback = 'emulation';
    },
    describe(result) {
      const o = result.outputs;
      if (!o.hypervisor) return 'no outputs';
      const env = Object.entries(result.env)
        .filter(([k]) => k !== 'VIRT_CI_ACCELERATOR')
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      // Without QEMU the action cannot start a machine on the accelerator, so it does not try.
      const qemu = o['qemu-version']
        ? `, QEMU ${o['qemu-version']} checked`
        : onPath(QEMU_SYSTEM)
          ? ''
          : `; QEMU check skipped: ${notOnPath(QEMU_SYSTEM)}`;
      return `${asked(mode, probes, o.hypervisor)}${o.hypervisor} (${o.accelerator}${o.device ? ` on ${o.device}` : ''})${qemu}; ${env}`;
    },
  };
  return step;
};
