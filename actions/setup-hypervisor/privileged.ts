import { UserError, errorMessage } from '../../shared/errors.js';
import {
  ExecError,
  exec,
  findExecutable,
  lastLine,
  type ExecOptions,
  type ExecResult,
} from '../../shared/exec.js';

/**
 * Run a command as root: directly when the action already is root (containers, self-hosted
 * runners), else through passwordless `sudo -n`, as GitHub's hosted runners allow. `-n` makes
 * a runner without sudo rights fail at once instead of waiting for a password.
 */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The step's environment is required: sudo is looked for on its PATH, and runs with it. */
type RootOptions = ExecOptions & { env: NodeJS.ProcessEnv };

export async function asRoot(
  command: string,
  args: readonly string[],
  opts: RootOptions,
): Promise<ExecResult> {
  if (isRoot()) return exec(command, args, opts);
  // Looked for as the runner user looks: spawn would only say EACCES for a PATH entry it may
  // not search.
  if (!findExecutable('sudo', opts.env.PATH ?? '')) {
    throw new ExecError('sudo: is not installed or not on PATH', undefined);
  }
  let result: ExecResult;
  try {
    result = await exec('sudo', ['-n', '--', command, ...args], opts);
  } catch (err) {
    if (err instanceof ExecError && err.result)
      await throwIfRefused(command, args, opts, err.result);
    throw err;
  }
  // A caller that reads the exit code itself must still learn that the command never ran.
  if (result.code !== 0) await throwIfRefused(command, args, opts, result);
  return result;
}

/**
 * sudo exits 1 both when it refuses and when the command it ran does. `sudo -n -l` with the
 * same command answers which, and answers for this very command, so a sudoers entry that
 * allows only some commands without a password is judged right too. C locale: sudo's own
 * words are read.
 */
async function throwIfRefused(
  command: string,
  args: readonly string[],
  opts: RootOptions,
  result: ExecResult,
): Promise<void> {
  const check = await exec('sudo', ['-n', '-l', '--', command, ...args], {
    env: { ...opts.env, LC_ALL: 'C' },
    allowFailure: true,
    timeoutMs: 30_000,
  }).catch(() => undefined);
  if (!check || check.code === 0) return;
  const said = lastLine(check.stderr).replace(/^sudo:\s*/, '');
  const why = /a password is required/.test(said)
    ? 'sudo asked for a password'
    : `sudo would not run ${command}: ${said || `exit ${check.code}`}`;
  throw new ExecError(why, result);
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
