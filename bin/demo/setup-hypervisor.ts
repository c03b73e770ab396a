import path from 'node:path';
import { probeDevice, type DeviceKind } from '../../actions/setup-hypervisor/probe.js';
import type { DemoPlan, DemoStep } from './types.js';

/**
 * setup-hypervisor's part in the seed pipeline demo: each environment asks for its profile's
 * hypervisor on this machine's real /dev/kvm and /dev/mshv. Where that mode cannot be had
 * here, the step runs with `fallback: emulation`, so the demo shows what the environment would
 * get on this machine. No packages, no network; udev rules go to the demo's workspace, never
 * to /etc.
 */
export const setupHypervisorDemo: DemoPlan = (stage, ctx) => {
  if (stage !== 'environment' || !ctx.environment) return undefined;
  const mode = ctx.environment.hypervisor ?? 'auto';
  let missing = '';
  const step: DemoStep = {
    action: 'setup-hypervisor',
    title: 'setup-hypervisor',
    inputs: { environment: ctx.environment.name },
    env: { VIRT_CI_UDEV_RULES_DIR: path.join(ctx.workspace, '.virt-ci', 'udev-rules') },
    async prepare() {
      if (mode !== 'kvm' && mode !== 'mshv') return;
      const probe = await probeDevice(mode as DeviceKind, `/dev/${mode}`);
      if (!probe.usable) {
        missing = `/dev/${mode}: ${probe.code ?? probe.error}`;
        step.inputs.fallback = 'emulation';
      }
    },
    describe(result) {
      const o = result.outputs;
      if (!o.hypervisor) return 'no outputs';
      const asked = missing
        ? `${mode} not here (${missing}) -> `
        : mode === 'auto' && o.hypervisor === 'emulation'
          ? 'auto: no usable /dev/mshv or /dev/kvm here -> '
          : `${mode} -> `;
      const env = Object.entries(result.env)
        .filter(([k]) => k !== 'VIRT_CI_ACCELERATOR')
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      const qemu = o['qemu-version'] ? `, QEMU ${o['qemu-version']} checked` : '';
      return `${asked}${o.hypervisor} (${o.accelerator}${o.device ? ` on ${o.device}` : ''})${qemu}; ${env}`;
    },
  };
  return step;
};
