import type { ActionDefinition } from '../../shared/action/action.js';
import { formatDuration } from '../../shared/format.js';
import { defaultPolicy } from '../../shared/retry.js';
import type { Input } from './names.gen.js';
import { options } from './options.js';
import { run } from './select-tests.js';
import type { Deps, Options, Result, State } from './types.js';

export const action: ActionDefinition<Input, Options, Deps, Result, State> = {
  name: 'select-tests',
  options,
  deps: (_ctx, base) => ({
    ...base,
    // A retried call to GitHub holds the step for seconds: the log says why.
    retry: defaultPolicy({
      onRetry: ({ attempt, delayMs, reason }) =>
        base.log.info(`GitHub API: ${reason}; retry ${attempt} in ${formatDuration(delayMs)}`),
    }),
    now: () => new Date(),
  }),
  run,
};
