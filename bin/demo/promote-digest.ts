import type { DemoPlan } from './types.js';

/** promote-digest's part in the seed pipeline demo. */
export const promoteDigestDemo: DemoPlan = (stage, ctx) => {
  if (stage !== 'promote') return undefined;
  return {
    action: 'promote-digest',
    title: 'Promote the dev image by digest',
    inputs: ctx.environment
      ? { environment: ctx.environment.name }
      : ({} as Record<string, string>),
  };
};
