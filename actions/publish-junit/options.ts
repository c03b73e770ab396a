import path from 'node:path';
import type { Context } from '../../shared/action/context.js';
import { UserError } from '../../shared/errors.js';
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
    output: output ? path.resolve(workspace, output) : '',
    tempDir: ctx.tempDir,
    github: ctx.github,
  };
}
