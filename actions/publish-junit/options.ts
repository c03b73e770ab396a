import { lstatSync } from 'node:fs';
import path from 'node:path';
import type { Context } from '../../shared/action/context.js';
import { UserError } from '../../shared/errors.js';
import { DEFAULT_ENVIRONMENT, parseHistorySpec } from '../../shared/history/spec.js';
import { flakePolicy } from '../../shared/history/policy.js';
import type { HistorySettings } from './history.js';
import type { Input } from './names.gen.js';
import type { Options } from './types.js';

/** Where reports are looked for when neither the input nor the profile names any. */
const DEFAULT_PATHS = ['_out/artifacts/junit/*.xml'];

export function options(ctx: Context<Input>): Options {
  const { inputs, profile, workspace } = ctx;
  const explicitPaths = inputs.lines('paths');
  const profilePaths = profile.settings.junit;
  const environment = profile.environment?.name;
  const name = inputs.string('name', { default: environment ? `JUnit ${environment}` : 'JUnit' });
  if (name.length > 100)
    throw new UserError(`input "name": ${name.length} characters is too long; allowed: up to 100`);
  const output = inputs.string('output');
  if (output.endsWith('/'))
    throw new UserError(`input "output": ${JSON.stringify(output)} is a folder; give a file path`);
  const outputFile = output ? checkOutput(output, workspace, ctx.tempDir) : '';
  const token = inputs.string('token');
  if (token) ctx.mask(token);
  return {
    workspace,
    paths: explicitPaths.length
      ? explicitPaths
      : profilePaths?.length
        ? profilePaths
        : DEFAULT_PATHS,
    pathsGiven: explicitPaths.length > 0,
    name,
    environment,
    summary: inputs.boolean('summary', { default: true }),
    annotations: inputs.integer('annotations', { default: 10, min: 0, max: 10_000 }) ?? 10,
    checkRun: inputs.enum('check-run', ['auto', 'true', 'false'] as const, { default: 'auto' }),
    comment: inputs.enum('comment', ['off', 'always', 'failures'] as const, { default: 'off' }),
    token,
    artifact: inputs.string('artifact'),
    logs: inputs.lines('logs'),
    retentionDays: inputs.integer('retention-days', { min: 1, max: 90 }),
    failOn: inputs.enum('fail-on', ['failures', 'errors', 'none'] as const, {
      default: 'failures',
    }),
    requireTests: inputs.boolean('require-tests', { default: false }),
    flaky: inputs.boolean('flaky', { default: true }),
    aggregate: inputs.lines('aggregate'),
    history: historySettings(ctx, environment),
    output: outputFile,
    environments: profile.profile?.environments.map((e) => e.name) ?? [],
    tempDir: ctx.tempDir,
    github: ctx.github,
  };
}

function historySettings(
  ctx: Context<Input>,
  environment: string | undefined,
): HistorySettings | undefined {
  const spec = parseHistorySpec(ctx.inputs.string('history'), ctx.workspace, 'input "history"');
  if (spec.kind === 'none') return undefined;
  const where = ctx.profile.environment
    ? `${ctx.profile.profile?.file ?? 'profile'}: environments.${ctx.profile.environment.name}.flake`
    : 'flake';
  return {
    spec,
    policy: flakePolicy(ctx.profile.settings.flake, where),
    environment: environment || DEFAULT_ENVIRONMENT,
  };
}

function inside(file: string, dir: string): boolean {
  const rel = path.relative(path.resolve(dir), file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * The results file goes where the job's own files are: inside the workspace or the runner's
 * temporary folder, as a regular file (new or replaced). Replacing anything else (a device
 * such as /dev/full, a symlink, a folder) is refused before anything is written.
 */
function checkOutput(output: string, workspace: string, tempDir: string): string {
  const file = path.resolve(workspace, output);
  const allowed = 'a file path inside the workspace or RUNNER_TEMP';
  if (!inside(file, workspace) && !(tempDir && inside(file, tempDir)))
    throw new UserError(
      `input "output": ${JSON.stringify(output)} is outside the workspace and RUNNER_TEMP; allowed: ${allowed}`,
    );
  let st;
  try {
    st = lstatSync(file);
  } catch {
    return file;
  }
  if (!st.isFile()) {
    const what = st.isDirectory()
      ? 'a folder'
      : st.isSymbolicLink()
        ? 'a symbolic link'
        : 'not a regular file';
    throw new UserError(
      `input "output": ${JSON.stringify(output)} is ${what}; allowed: ${allowed} (a new or regular file)`,
    );
  }
  return file;
}
