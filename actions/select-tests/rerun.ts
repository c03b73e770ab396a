import type { Options } from './types.js';

/** Whether this step needs the history at all: the re-run is only a re-run from attempt 2. */
export function historyWanted(opts: Options): boolean {
  return !!opts.history && (opts.autoQuarantine || rerunning(opts));
}

export function rerunning(opts: Options): boolean {
  return opts.rerun === 'failed' && opts.run.attempt > 1;
}
