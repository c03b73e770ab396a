import type { ActionDefinition } from '../../shared/action/action.js';
import { defaultPolicy } from '../../shared/retry.js';
import type { Input } from './names.gen.js';
import { options } from './options.js';
import { STATE_VERSION, parseState } from './state.js';
import { run } from './toggle-feature-gate.js';
import type { Deps, Options, Result, State } from './types.js';

/** Requests unanswered this long count as connection faults and are retried. */
const REQUEST_TIMEOUT_MS = 30_000;
/** How often a wait reads the object again: operators take seconds to reconcile. */
const POLL_MS = 2000;

export const action: ActionDefinition<Input, Options, Deps, Result, State> = {
  name: 'toggle-feature-gate',
  options,
  deps: (ctx, base) => ({
    ...base,
    retry: defaultPolicy(),
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    pollMs: POLL_MS,
    mask: (secret) => ctx.mask(secret),
  }),
  run,
  post: {
    version: STATE_VERSION,
    parse: parseState,
    // The post step's work loads only in the post step.
    run: async (state, deps) => (await import('./restore.js')).restore(state, deps),
  },
};
