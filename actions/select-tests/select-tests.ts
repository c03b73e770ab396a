import { failed, type Outcome } from '../../shared/action/outcome.js';
import { noticeAnnotations, report, warningLines } from './report.js';
import { selectTests } from './select.js';
import type { Deps, Options, Result, State } from './types.js';

/**
 * The step's work: select, then report. A failure part way still carries the warnings and
 * notices found before it (a token that could not read the PR labels, an ended quarantine,
 * a history entry that could not be read).
 */
export async function run(options: Options, deps: Deps): Promise<Outcome<Result, State>> {
  const warnings: string[] = [];
  const notices: string[] = [];
  try {
    return report(await selectTests(options, deps, warnings, notices), options);
  } catch (err) {
    return failed(err, {
      warnings: warningLines(warnings),
      annotations: noticeAnnotations(notices),
    });
  }
}
