import type { DemoPlan } from './types.js';

/** setup-hypervisor's part in the seed pipeline demo. */
export const setupHypervisorDemo: DemoPlan = (stage, ctx) => {
  if (stage !== 'environment') return undefined;
  return {
    action: 'setup-hypervisor',
    title: 'setup-hypervisor',
    inputs: ctx.environment
      ? { environment: ctx.environment.name }
      : ({} as Record<string, string>),
  };
};
