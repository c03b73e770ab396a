import type { Context } from '../../shared/action/context.js';
import { UserError, quote } from '../../shared/errors.js';
import type { Input } from './names.gen.js';
import { eventPullRequest, type PrLabelSource } from './pr-labels.js';
import { RUNNERS, type Runner } from './runners.js';
import type { Options } from './types.js';

/** Inputs to options: explicit inputs win over the profile's environment, then the defaults. */
export function options(ctx: Context<Input>): Options {
  const { inputs, profile: p } = ctx;
  const t = p.settings.tests;
  if (
    t.runner !== undefined &&
    !inputs.has('runner') &&
    !(RUNNERS as readonly string[]).includes(t.runner)
  ) {
    throw new UserError(
      `${p.profile?.file ?? 'profile'}: tests.runner ${quote(t.runner)} is not allowed; allowed: ${RUNNERS.join(' | ')}`,
    );
  }
  const quarantine = inputs.string('quarantine', { profile: t.quarantine });
  return {
    workspace: ctx.workspace,
    ...(p.environment ? { environment: p.environment.name } : {}),
    labelFilter: inputs.string('label-filter', { profile: t.labelFilter, default: '' }),
    scopeSource: inputs.has('label-filter') ? 'input' : t.labelFilter ? 'profile' : 'none',
    focus: inputs.string('focus', { profile: t.focus, default: '' }),
    skip: inputs.string('skip', { profile: t.skip, default: '' }),
    runner: inputs.enum('runner', RUNNERS, {
      profile: t.runner as Runner | undefined,
      default: 'ginkgo',
    }),
    inventory: inputs.lines('inventory', { profile: t.inventory ? [t.inventory] : undefined }),
    prLabels: prLabelSource(ctx),
    ...(quarantine ? { quarantine } : {}),
    shardCount: inputs.integer('shard-count', { default: 1, min: 1, max: 256 }) ?? 1,
    shardIndex: inputs.integer('shard-index', { default: 1, min: 1, max: 256 }) ?? 1,
    timings: inputs.lines('timings', { profile: t.timings }),
    matrix: inputs.boolean('matrix', { default: false }),
    ...(p.profile ? { profile: p.profile } : {}),
    failOnEmpty: inputs.boolean('fail-on-empty', { default: false }),
  };
}

function prLabelSource(ctx: Context<Input>): PrLabelSource {
  const given = ctx.inputs.list('pr-labels');
  const token = ctx.inputs.string('token');
  // Masked before anything could print it.
  if (token) ctx.mask(token);
  // Labels given as an input need no event: the payload is not even read then.
  const pullRequest = given.length ? undefined : eventPullRequest(ctx.github.event());
  return {
    given,
    ...(token ? { token } : {}),
    apiUrl: ctx.github.apiUrl,
    repository: ctx.github.repository,
    ...(pullRequest ? { pullRequest } : {}),
  };
}
