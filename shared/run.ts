import * as core from '@actions/core';
import { UserError, errorMessage } from './errors.js';

/**
 * The one wrapper every entry point uses: an error becomes one clear failure line; the stack
 * is printed only with debug logging (ACTIONS_STEP_DEBUG / RUNNER_DEBUG) on.
 */
export async function runStep(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    fail(name, err);
  }
}

export function fail(name: string, err: unknown): void {
  const message = errorMessage(err).split(/\r?\n/)[0] || 'failed without a message';
  core.setFailed(err instanceof UserError ? message : `${name}: ${message}`);
  if (core.isDebug() && err instanceof Error && err.stack) core.debug(err.stack);
}

const POST_KEY = 'virt-ci-post';

/**
 * Main and post steps share one bundle (action.yml names it for both); the main step leaves
 * a marker in the state so the same file knows which one it is.
 */
export async function runMainOrPost(
  name: string,
  steps: { main: () => Promise<void>; post?: () => Promise<void> },
): Promise<void> {
  const isPost = core.getState(POST_KEY) === 'true';
  if (isPost) {
    if (steps.post) await runStep(`${name} (post)`, steps.post);
    return;
  }
  core.saveState(POST_KEY, 'true');
  await runStep(name, steps.main);
}

/** Set each output, turning objects into JSON and booleans/numbers into strings. */
export function setOutputs(outputs: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(outputs)) {
    if (value === undefined) continue;
    core.setOutput(key, typeof value === 'string' ? value : JSON.stringify(value));
  }
}
