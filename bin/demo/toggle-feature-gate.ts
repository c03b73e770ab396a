import type { DemoPlan } from './types.js';

/** toggle-feature-gate's part in the seed pipeline demo. */
export const toggleFeatureGateDemo: DemoPlan = (stage, ctx) => {
  if (stage !== 'environment') return undefined;
  return {
    action: 'toggle-feature-gate',
    title: 'toggle-feature-gate',
    inputs: ctx.environment
      ? { environment: ctx.environment.name }
      : ({} as Record<string, string>),
  };
};
