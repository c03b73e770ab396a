import { errorMessage } from '../../shared/errors.js';
import { failed, type Outcome } from '../../shared/action/outcome.js';
import { report } from './report.js';
import type { Options, Result, State } from './types.js';

/** What every result starts from, for a live object or for files. */
export function base(o: Options, object: string): Omit<Result, 'changed' | 'before' | 'after'> {
  return {
    target: o.target,
    object,
    dryRun: o.dryRun,
    enabled: o.want.gates.enable,
    disabled: o.want.gates.disable,
    previous: {},
    patch: [],
    files: [],
    warnings: [],
  };
}

/** The step's outcome for a result, failed or not; the options' own notes come first. */
export function outcomeOf(
  o: Options,
  result: Result,
  more: Pick<Outcome<Result, State>, 'state' | 'secrets'>,
  failure?: unknown,
): Outcome<Result, State> {
  const shown = report(result, o, failure === undefined ? undefined : errorMessage(failure));
  const outcome = { ...shown, notes: [...(o.notes ?? []), ...shown.notes], result, ...more };
  return failure === undefined ? outcome : failed(failure, outcome);
}
