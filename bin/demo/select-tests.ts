import type { DemoPlan } from './types.js';

/** select-tests's part in the seed pipeline demo. */
export const selectTestsDemo: DemoPlan = (stage, ctx) => {
  if (stage !== 'environment') return undefined;
  return {
    action: 'select-tests',
    title: 'select-tests',
    inputs: ctx.environment
      ? { environment: ctx.environment.name }
      : ({} as Record<string, string>),
  };
};
