import * as core from '@actions/core';
import { UserError, quote } from '../../shared/errors.js';
import { Inputs } from '../../shared/inputs.js';
import { loadProfileContext, workspaceDir } from '../../shared/profile.js';
import { report } from './report.js';
import { RUNNERS } from './runners.js';
import { selectTests, type SelectOptions } from './select.js';

/** Inputs to options: explicit inputs win over the profile's environment, then the defaults. */
export function readOptions(inputs: Inputs, env: NodeJS.ProcessEnv = process.env): SelectOptions {
  const workspace = workspaceDir(env);
  const ctx = loadProfileContext(inputs, workspace);
  const t = ctx.settings.tests;
  const given = inputs.has('label-filter');
  const shardCount = inputs.integer('shard-count', { default: 1, min: 1, max: 256 }) ?? 1;
  const token = inputs.string('token');
  // Masked before anything could print it.
  if (token) core.setSecret(token);
  if (
    t.runner !== undefined &&
    !inputs.has('runner') &&
    !(RUNNERS as readonly string[]).includes(t.runner)
  ) {
    throw new UserError(
      `${ctx.profile?.file ?? 'profile'}: tests.runner ${quote(t.runner)} is not allowed; allowed: ${RUNNERS.join(' | ')}`,
    );
  }
  const quarantine = inputs.string('quarantine', { profile: t.quarantine });
  return {
    workspace,
    ...(ctx.environment ? { environment: ctx.environment.name } : {}),
    labelFilter: inputs.string('label-filter', { profile: t.labelFilter, default: '' }),
    scopeSource: given ? 'input' : t.labelFilter ? 'profile' : 'none',
    focus: inputs.string('focus', { profile: t.focus, default: '' }),
    skip: inputs.string('skip', { profile: t.skip, default: '' }),
    runner: inputs.enum('runner', RUNNERS, {
      profile: t.runner as (typeof RUNNERS)[number] | undefined,
      default: 'ginkgo',
    }),
    inventory: inputs.lines('inventory', { profile: t.inventory ? [t.inventory] : undefined }),
    prLabels: inputs.list('pr-labels'),
    ...(token ? { token } : {}),
    ...(quarantine ? { quarantine } : {}),
    shardCount,
    shardIndex: inputs.integer('shard-index', { default: 1, min: 1, max: 256 }) ?? 1,
    timings: inputs.lines('timings', { profile: t.timings }),
    matrix: inputs.boolean('matrix', { default: false }),
    ...(ctx.profile ? { profile: ctx.profile } : {}),
    failOnEmpty: inputs.boolean('fail-on-empty', { default: false }),
    env,
  };
}

export async function main(inputs = new Inputs()): Promise<void> {
  const opts = readOptions(inputs);
  const selection = await selectTests(opts);
  await report(selection, opts);
}
