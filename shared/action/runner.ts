import { appendFileSync, writeSync } from 'node:fs';
import { EOL } from 'node:os';

/**
 * The one place that talks to the Actions runner: its documented workflow commands
 * (`::add-mask::`, `::error file=…::`, `::group::`) and environment files (GITHUB_OUTPUT,
 * GITHUB_ENV, GITHUB_PATH, GITHUB_STATE, GITHUB_STEP_SUMMARY).
 *
 * Written here rather than taken from @actions/core on purpose: importing @actions/core loads
 * its OIDC client and with it undici and the http, http2, tls and crypto built-ins — about
 * 1.2 MB of bundle compiled at every start — although no step of ours asks for an OIDC token.
 * The protocol itself is a few lines; this file is all of it.
 */
export interface AnnotationProperties {
  title?: string;
  file?: string;
  startLine?: number;
  endLine?: number;
  startColumn?: number;
  endColumn?: number;
}

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface Runner {
  /** The step's environment: inputs, GITHUB_* and everything else the runner set. */
  env: NodeJS.ProcessEnv;
  /** The raw value of an input as the runner passes it (INPUT_<NAME>), untrimmed. */
  input(name: string): string;
  info(line: string): void;
  debug(line: string): void;
  isDebug(): boolean;
  annotate(level: AnnotationLevel, message: string, props?: AnnotationProperties): void;
  startGroup(title: string): void;
  endGroup(): void;
  setOutput(name: string, value: string): void;
  exportVariable(name: string, value: string): void;
  addPath(dir: string): void;
  setSecret(value: string): void;
  saveState(name: string, value: string): void;
  getState(name: string): string;
  appendSummary(markdown: string): void;
  /** Marks the step failed: an error annotation and a non-zero exit code. */
  setFailed(message: string): void;
}

export interface RunnerIo {
  env: NodeJS.ProcessEnv;
  write(text: string): void;
  setExitCode(code: number): void;
}

/**
 * The step's output, written straight to fd 1: the first `process.stdout.write` on a pipe
 * loads Node's net and stream modules, some 5 ms of every step's start. A write can be short,
 * or refused with EAGAIN when a child process left the shared pipe non-blocking: the rest is
 * written again until it is all out.
 */
function writeOut(text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(1, bytes, done, bytes.length - done);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

const processIo: RunnerIo = {
  env: process.env,
  write: writeOut,
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

export function processRunner(io: RunnerIo = processIo): Runner {
  const { env } = io;
  const command = (name: string, props: Record<string, unknown>, message: string) => {
    const list = Object.entries(props)
      .filter(([, v]) => v !== undefined && v !== '')
      .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
      .join(',');
    io.write(`::${name}${list ? ` ${list}` : ''}::${escapeData(message)}${EOL}`);
  };
  const fileCommand = (variable: string, entry: string, fallback: () => void) => {
    const file = env[variable];
    if (!file) return fallback();
    appendFileSync(file, entry + EOL, 'utf8');
  };
  return {
    env,
    input: (name) => env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '',
    info: (line) => io.write(line + EOL),
    debug: (line) => command('debug', {}, line),
    isDebug: () => env.RUNNER_DEBUG === '1' || env.ACTIONS_STEP_DEBUG === 'true',
    annotate: (level, message, props = {}) =>
      command(
        level,
        {
          title: props.title,
          file: props.file,
          line: props.startLine,
          endLine: props.endLine,
          col: props.startColumn,
          endColumn: props.endColumn,
        },
        message,
      ),
    startGroup: (title) => command('group', {}, title),
    endGroup: () => command('endgroup', {}, ''),
    setOutput: (name, value) =>
      fileCommand('GITHUB_OUTPUT', keyValue(name, value), () =>
        command('set-output', { name }, value),
      ),
    exportVariable: (name, value) => {
      env[name] = value;
      fileCommand('GITHUB_ENV', keyValue(name, value), () => undefined);
    },
    addPath: (dir) => {
      env.PATH = `${dir}${process.platform === 'win32' ? ';' : ':'}${env.PATH ?? ''}`;
      fileCommand('GITHUB_PATH', dir, () => undefined);
    },
    setSecret: (value) => command('add-mask', {}, value),
    saveState: (name, value) => fileCommand('GITHUB_STATE', keyValue(name, value), () => undefined),
    getState: (name) => env[`STATE_${name}`] ?? '',
    appendSummary: (markdown) => {
      if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, markdown, 'utf8');
    },
    setFailed: (message) => {
      io.setExitCode(1);
      command('error', {}, message);
    },
  };
}

/** `name<<delimiter` form: safe for any value that does not contain the delimiter. */
function keyValue(name: string, value: string): string {
  let delimiter: string;
  do {
    delimiter = `ghadelimiter_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  } while (name.includes(delimiter) || value.includes(delimiter));
  return `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}`;
}

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
