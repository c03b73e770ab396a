import type { DemoPlan } from './types.js';

/** publish-junit's part in the seed pipeline demo. */
export const publishJunitDemo: DemoPlan = (stage, ctx) => {
  if (stage !== 'environment') return undefined;
  return {
    action: 'publish-junit',
    title: 'publish-junit',
    inputs: ctx.environment
      ? { environment: ctx.environment.name }
      : ({} as Record<string, string>),
  };
};
