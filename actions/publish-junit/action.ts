import type { ActionDefinition } from '../../shared/action/action.js';
import { defaultPolicy } from '../../shared/retry.js';
import type { Input } from './names.gen.js';
import { options } from './options.js';
import { run } from './publish-junit.js';
import type { Deps, Options, Result, State } from './types.js';

export const action: ActionDefinition<Input, Options, Deps, Result, State> = {
  name: 'publish-junit',
  options,
  deps: (_ctx, base) => ({ ...base, retry: defaultPolicy(), now: () => new Date() }),
  run,
};
