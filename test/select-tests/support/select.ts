import path from 'node:path';
import { testContext } from '../../support/context.js';
import { silentLog } from '../../../shared/action/log.js';
import { scaledPolicy } from '../../../shared/retry.js';
import type { Input } from '../../../actions/select-tests/names.gen.js';
import { options } from '../../../actions/select-tests/options.js';
import { run } from '../../../actions/select-tests/select-tests.js';
import type { Deps, Options, Selection } from '../../../actions/select-tests/types.js';

/**
 * The options the step builds from these inputs, in workspace `ws`, with `env` as GITHUB_*.
 * The runner's temporary folder (where the arguments file goes) is inside the workspace, so
 * a test's files stay in its own folder.
 */
export function selectOptions(
  ws: string,
  values: Partial<Record<Input, string>>,
  env: Record<string, string> = {},
): Options {
  const ctx = testContext<Input>('select-tests', {
    env: { GITHUB_WORKSPACE: ws, RUNNER_TEMP: path.join(ws, '.runner-temp'), ...env },
    inputs: (name) => values[name as Input] ?? '',
  });
  return options(ctx);
}

/** The work's dependencies for tests: no waits between retries, no log. */
export function testDeps(over: Partial<Deps> = {}): Deps {
  return { log: silentLog, env: {}, retry: scaledPolicy(0), now: () => new Date(), ...over };
}

/** The step's work; its failure is thrown, so a test awaits the selection or the error. */
export async function select(opts: Options, over: Partial<Deps> = {}): Promise<Selection> {
  const outcome = await run(opts, testDeps(over));
  if (outcome.failure) throw outcome.failure;
  if (!outcome.result) throw new Error('select-tests returned no result');
  return outcome.result;
}
