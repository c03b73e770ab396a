import type { ActionDefinition, BaseDeps } from '../../shared/action/action.js';
import { runAction } from '../../shared/action/action.js';
import type { Context } from '../../shared/action/context.js';
import { processRunner } from '../../shared/action/runner.js';
import { run as runBundle } from './harness.js';
import type { RunOptions, RunResult } from '../../shared/harness/runner.js';

/**
 * Run an action the way the runner does — INPUT_* with action.yml's defaults, the GITHUB_*
 * files, the post step with the saved state — but in this process, with the work's
 * dependencies changed by `deps` (a short retry policy, a temporary rules folder). For the
 * cases a bundle cannot be given a dependency; everything else runs the bundle.
 */
export function runInProcess<N extends string, O, D extends BaseDeps, R, S>(
  action: string,
  def: ActionDefinition<N, O, D, R, S>,
  deps: (real: D, ctx: Context<N>) => D,
  opts: Omit<RunOptions, 'action' | 'inProcess'> = {},
): Promise<RunResult> {
  const withDeps: ActionDefinition<N, O, D, R, S> = {
    ...def,
    deps: (ctx, base) => deps(def.deps(ctx, base), ctx),
  };
  return runBundle(action, {
    ...opts,
    inProcess: async (env) => {
      let stdout = '';
      let code = 0;
      const runner = processRunner({
        env: { ...env },
        write: (text) => {
          stdout += text;
        },
        setExitCode: (c) => {
          code = c;
        },
      });
      await runAction(withDeps, runner);
      return { code, stdout };
    },
  });
}
