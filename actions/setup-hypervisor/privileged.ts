import { UserError, errorMessage } from '../../shared/errors.js';
import { ExecError, exec, type ExecOptions, type ExecResult } from '../../shared/exec.js';

/**
 * Run a command as root: directly when the action already is root (containers, self-hosted
 * runners), else through passwordless `sudo -n`, as GitHub's hosted runners allow. `-n` makes
 * a runner without sudo rights fail at once instead of waiting for a password.
 */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function asRoot(
  command: string,
  args: readonly string[],
  opts: ExecOptions = {},
): Promise<ExecResult> {
  if (isRoot()) return exec(command, args, opts);
  return exec('sudo', ['-n', '--', command, ...args], opts);
}

/**
 * Run `fn`, turning a failed privileged command into one line that names the input it served
 * and what the runner lacks.
 */
export async function forInput<T>(input: string, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof ExecError)) throw err;
    const hint = isRoot() ? '' : '; this needs root or passwordless sudo for the runner user';
    throw new UserError(`input "${input}": ${what} failed: ${errorMessage(err)}${hint}`);
  }
}
