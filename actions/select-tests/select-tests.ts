import { failed, type Outcome } from '../../shared/action/outcome.js';
import { report, warningLines } from './report.js';
import { selectTests } from './select.js';
import type { Deps, Options, Result, State } from './types.js';

/**
 * The step's work: select, then report. A failure part way still carries the warnings found
 * before it (a token that could not read the PR labels, an ended quarantine).
 */
export async function run(options: Options, deps: Deps): Promise<Outcome<Result, State>> {
  const warnings: string[] = [];
  try {
    return report(await selectTests(options, deps, warnings), options);
  } catch (err) {
    return failed(err, { warnings: warningLines(warnings) });
  }
}
