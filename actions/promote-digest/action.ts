import type { ActionDefinition } from '../../shared/action/action.js';
import { defaultPolicy } from '../../shared/retry.js';
import type { Input } from './names.gen.js';
import { options } from './options.js';
import { run } from './promote-digest.js';
import type { Deps, Options, Result, State } from './types.js';

export const action: ActionDefinition<Input, Options, Deps, Result, State> = {
  name: 'promote-digest',
  options,
  deps: (ctx, base) => ({ ...base, retry: defaultPolicy(), mask: (secret) => ctx.mask(secret) }),
  run,
};
