import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWorkflowStep, type RunOptions, type RunResult } from '../../shared/harness/runner.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixtures = path.join(repoRoot, 'test', 'fixtures');

/** Run the committed bundle dist/<action>/index.js the way the runner does. */
export function run(action: string, opts: Omit<RunOptions, 'action'> = {}): Promise<RunResult> {
  return runWorkflowStep({ repoRoot, ...opts, action });
}

/** The error annotations a step printed: what the user sees in the run's log and summary. */
export function errors(result: RunResult): string[] {
  return result.annotations.filter((a) => a.level === 'error').map((a) => a.message);
}
