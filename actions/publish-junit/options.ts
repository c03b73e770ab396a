import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../shared/errors.js';
import type { Inputs } from '../../shared/inputs.js';
import type { ProfileContext } from '../../shared/profile.js';

/** Everything publish-junit needs, typed; built from inputs, the profile and the runner's env. */
export const DEFAULT_PATHS = ['_out/artifacts/junit/*.xml'];

export interface GitHubContext {
  apiUrl: string;
  serverUrl: string;
  repository: string;
  sha: string;
  eventName: string;
  event: Record<string, unknown>;
  runId: string;
  runAttempt: string;
}

export interface Options {
  workspace: string;
  /** Globs of JUnit reports, relative to the workspace. */
  paths: string[];
  /** Whether `paths` was given (explicitly or by the profile): a dashboard run reads them too. */
  pathsGiven: boolean;
  name: string;
  environment?: string;
  summary: boolean;
  annotations: number;
  checkRun: 'auto' | 'true' | 'false';
  comment: 'off' | 'always' | 'failures';
  token: string;
  artifact: string;
  logs: string[];
  retentionDays?: number;
  failOn: 'failures' | 'errors' | 'none';
  requireTests: boolean;
  flaky: boolean;
  aggregate: string[];
  /** Where to write the results JSON; empty: a file under RUNNER_TEMP. */
  output: string;
  tempDir: string;
  github: GitHubContext;
}

function readEvent(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const file = env.GITHUB_EVENT_PATH;
  if (!file) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export function githubContext(env: NodeJS.ProcessEnv = process.env): GitHubContext {
  return {
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    repository: env.GITHUB_REPOSITORY || '',
    sha: env.GITHUB_SHA || '',
    eventName: env.GITHUB_EVENT_NAME || '',
    event: readEvent(env),
    runId: env.GITHUB_RUN_ID || '',
    runAttempt: env.GITHUB_RUN_ATTEMPT || '',
  };
}

export function parseOptions(
  inputs: Inputs,
  ctx: ProfileContext,
  env: NodeJS.ProcessEnv = process.env,
): Options {
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const explicitPaths = inputs.lines('paths');
  const profilePaths = ctx.settings.junit;
  const paths = explicitPaths.length
    ? explicitPaths
    : profilePaths?.length
      ? profilePaths
      : DEFAULT_PATHS;
  const aggregate = inputs.lines('aggregate');
  const environment = ctx.environment?.name;
  const name = inputs.string('name', { default: environment ? `JUnit ${environment}` : 'JUnit' });
  if (name.length > 100)
    throw new UserError(`input "name": ${name.length} characters is too long; allowed: up to 100`);
  const output = inputs.string('output');
  if (output.endsWith('/'))
    throw new UserError(`input "output": ${JSON.stringify(output)} is a folder; give a file path`);
  return {
    workspace,
    paths,
    // In a dashboard run, only reports named on purpose are read as well.
    pathsGiven: explicitPaths.length > 0,
    name,
    environment,
    summary: inputs.boolean('summary', { default: true }),
    annotations: inputs.integer('annotations', { default: 10, min: 0, max: 10_000 }) ?? 10,
    checkRun: inputs.enum('check-run', ['auto', 'true', 'false'] as const, { default: 'auto' }),
    comment: inputs.enum('comment', ['off', 'always', 'failures'] as const, { default: 'off' }),
    token: inputs.string('token'),
    artifact: inputs.string('artifact'),
    logs: inputs.lines('logs'),
    retentionDays: inputs.integer('retention-days', { min: 1, max: 90 }),
    failOn: inputs.enum('fail-on', ['failures', 'errors', 'none'] as const, {
      default: 'failures',
    }),
    requireTests: inputs.boolean('require-tests', { default: false }),
    flaky: inputs.boolean('flaky', { default: true }),
    aggregate,
    output: output ? path.resolve(workspace, output) : '',
    tempDir: env.RUNNER_TEMP || '',
    github: githubContext(env),
  };
}
