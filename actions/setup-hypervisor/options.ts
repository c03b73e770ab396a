import type { Context } from '../../shared/action/context.js';
import { HYPERVISORS, type HypervisorMode } from '../../shared/profile.js';
import { UserError, quote } from '../../shared/errors.js';
import { parseBoolean } from '../../shared/inputs.js';
import { FALLBACKS, type HypervisorFallback } from './detect.js';
import type { Input } from './names.gen.js';
import type { Options } from './types.js';

/** The inputs, typed; an explicit input wins over the profile's environment, then the default. */
export function options(ctx: Context<Input>): Options {
  const { inputs } = ctx;
  const { settings } = ctx.profile;
  return {
    mode: inputs.enum<HypervisorMode>('mode', HYPERVISORS, {
      profile: settings.hypervisor,
      default: 'auto',
    }),
    fallback: inputs.enum<HypervisorFallback>('fallback', FALLBACKS, {
      profile: settings.fallback,
      default: 'none',
    }),
    packages: inputs.list('packages', { profile: settings.packages, default: [] }),
    cache: inputs.boolean('cache', { default: false }),
    startLibvirt: inputs.boolean('start-libvirt', { default: false }),
    deviceAccess: inputs.boolean('device-access', { default: true }),
    // Not given means "when QEMU is installed", which only the run can tell.
    verify: inputs.has('verify') ? verifyInput(inputs.raw('verify')) : undefined,
    kvmDevice: inputs.string('kvm-device', { default: '/dev/kvm' }),
    mshvDevice: inputs.string('mshv-device', { default: '/dev/mshv' }),
    profileEnv: settings.env,
  };
}

function verifyInput(value: string): boolean | 'boot' {
  if (value.toLowerCase() === 'boot') return 'boot';
  try {
    return parseBoolean(value, 'input "verify"');
  } catch {
    throw new UserError(
      `input "verify": ${quote(value)} is not allowed; allowed: true | false | boot`,
    );
  }
}
