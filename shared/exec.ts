import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from './errors.js';

/**
 * Run a program with an argument array (never a shell string built from inputs), capture its
 * output, and mask the secrets it was given in everything that reaches the log or an error.
 */
export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Values to hide from log lines and error messages. */
  secrets?: string[];
  /** Do not throw on a non-zero exit; the caller reads `code`. */
  allowFailure?: boolean;
  timeoutMs?: number;
  /** Called with each line of output as it arrives (already masked). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface ExecResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class ExecError extends UserError {
  constructor(
    message: string,
    readonly result: ExecResult | undefined,
  ) {
    super(message);
    this.name = 'ExecError';
  }
}

export function mask(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 3) out = out.split(s).join('***');
  return out;
}

export async function exec(
  command: string,
  args: readonly string[],
  opts: ExecOptions = {},
): Promise<ExecResult> {
  const secrets = opts.secrets ?? [];
  // Loaded at the first command: node:child_process (with net and streams) costs a step's
  // start some 5 ms, and the quickest paths run none.
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const pending = { stdout: '', stderr: '' };
    const emit = (stream: 'stdout' | 'stderr', chunk: Buffer, flush = false) => {
      if (!opts.onLine) return;
      pending[stream] += chunk.toString('utf8');
      const parts = pending[stream].split(/\r?\n/);
      pending[stream] = flush ? '' : (parts.pop() ?? '');
      for (const line of parts) if (!flush || line !== '') opts.onLine(mask(line, secrets), stream);
    };
    child.stdout.on('data', (c: Buffer) => {
      out.push(c);
      emit('stdout', c);
    });
    child.stderr.on('data', (c: Buffer) => {
      err.push(c);
      emit('stderr', c);
    });
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) {
      timer = setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs);
    }
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      const why =
        e.code === 'ENOENT' ? 'is not installed or not on PATH' : mask(e.message, secrets);
      reject(new ExecError(`${command}: ${why}`, undefined));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      emit('stdout', Buffer.alloc(0), true);
      emit('stderr', Buffer.alloc(0), true);
      const result: ExecResult = {
        code: code ?? -1,
        signal,
        stdout: mask(Buffer.concat(out).toString('utf8'), secrets),
        stderr: mask(Buffer.concat(err).toString('utf8'), secrets),
      };
      if (result.code !== 0 && !opts.allowFailure) {
        const last = lastLine(result.stderr) || lastLine(result.stdout);
        const how = signal ? `was stopped by ${signal}` : `exited with ${result.code}`;
        reject(new ExecError(`${command} ${how}${last ? `: ${last}` : ''}`, result));
        return;
      }
      resolve(result);
    });
    child.stdin.on('error', () => undefined);
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** The last non-blank line of a program's output: usually the one that says why it failed. */
export function lastLine(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.at(-1) ?? '';
}

/** Quote arguments for display or for a shell the user runs (POSIX single quotes). */
export function shellQuote(args: readonly string[]): string {
  return args
    .map((a) =>
      a !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`,
    )
    .join(' ');
}

/**
 * The file `name` would run as: the first executable regular file of that name in the PATH's
 * directories, then in `extraDirs`. Looked up as this user: a directory it may not search
 * hides a program as surely as its absence does.
 */
export function findExecutable(
  name: string,
  searchPath = process.env.PATH ?? '',
  extraDirs: readonly string[] = [],
): string | undefined {
  for (const dir of [...searchPath.split(path.delimiter), ...extraDirs]) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}
