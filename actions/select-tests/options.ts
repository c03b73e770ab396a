import type { Context } from '../../shared/action/context.js';
import { UserError, quote } from '../../shared/errors.js';
import { parseHistorySpec, runFacts } from '../../shared/history/spec.js';
import { flakePolicy } from '../../shared/history/policy.js';
import type { Input } from './names.gen.js';
import { eventPullRequest, type PrLabelSource } from './pr-labels.js';
import { RUNNERS, type Runner } from './runners.js';
import type { HistoryOptions, Options } from './types.js';

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
  // A planning job (matrix: true) runs before the tests exist: the profile's files are not
  // read there, only files the step names itself.
  const fromProfile = !inputs.boolean('matrix', { default: false });
  const file = (name: 'inventory' | 'quarantine' | 'timings', value: string[] | undefined) =>
    fileSetting(ctx, name, fromProfile ? value : undefined);
  const inventory = file('inventory', t.inventory ? [t.inventory] : undefined);
  const quarantine = file('quarantine', t.quarantine ? [t.quarantine] : undefined);
  const timings = file('timings', t.timings);
  const autoQuarantine = quarantine.paths[0] === AUTO;
  const { history, run } = historyOptions(ctx);
  const rerun = inputs.enum('rerun', RERUN, { default: 'all' });
  if (!history && autoQuarantine)
    throw new UserError(
      `${quarantine.what}: auto reads the quarantine from the test history, and input "history" is empty; set input "history" to cache or a folder path`,
    );
  if (!history && rerun === 'failed')
    throw new UserError(
      'input "rerun": failed needs the test history to know what failed, and input "history" is empty; set input "history" to cache or a folder path',
    );
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
    inventory: inventory.paths,
    ...(quarantine.paths.length && !autoQuarantine ? { quarantine: quarantine.paths[0] } : {}),
    autoQuarantine,
    ...(history ? { history } : {}),
    rerun,
    run,
    tempDir: ctx.tempDir,
    timings: timings.paths,
    sources: { inventory: inventory.what, quarantine: quarantine.what, timings: timings.what },
    prLabels: prLabelSource(ctx),
    shardCount: inputs.integer('shard-count', { default: 1, min: 1, max: 256 }) ?? 1,
    shardIndex: inputs.integer('shard-index', { default: 1, min: 1, max: 256 }) ?? 1,
    matrix: inputs.boolean('matrix', { default: false }),
    ...(p.profile ? { profile: p.profile } : {}),
    failOnEmpty: inputs.boolean('fail-on-empty', { default: false }),
  };
}

/**
 * A file setting and what to blame when it is wrong: the input, or the profile field it came
 * from. `none` as the input overrides the profile: the runner passes an input nobody set as
 * an empty string, so an empty input cannot say "no file" by itself.
 */
function fileSetting(
  ctx: Context<Input>,
  name: 'inventory' | 'quarantine' | 'timings',
  profile: string[] | undefined,
): { paths: string[]; what: string } {
  const { inputs, profile: p } = ctx;
  if (inputs.raw(name) === NONE) return { paths: [], what: `input "${name}"` };
  if (inputs.has(name)) {
    // One quarantine file; inventories and timings are lists of paths and globs.
    const paths = name === 'quarantine' ? [inputs.raw(name)] : inputs.lines(name);
    return { paths, what: `input "${name}"` };
  }
  if (!profile?.length) return { paths: [], what: `input "${name}"` };
  const env = p.environment;
  const defaults = p.profile?.defaults.tests[name];
  const own = env && JSON.stringify(env.tests[name]) !== JSON.stringify(defaults);
  return {
    paths: profile,
    what: `${p.profile?.file ?? 'profile'}: ${own ? `environments.${env.name}` : 'defaults'}.tests.${name}`,
  };
}

/** The input value that means "no file, whatever the profile says". */
export const NONE = 'none';
/** The quarantine value that means "what the history's flake budget implies". */
export const AUTO = 'auto';
const RERUN = ['all', 'failed'] as const;

/**
 * The history, when the step reads one: where, under which repository, workflow and
 * environment name publish-junit files its runs, the profile's flake policy, and this run
 * and attempt as the history files them.
 */
function historyOptions(ctx: Context<Input>): {
  history?: HistoryOptions;
  run: Options['run'];
} {
  const spec = parseHistorySpec(ctx.inputs.string('history'), ctx.workspace, 'input "history"');
  // Without a history the run is never looked up (nor the event payload read for it).
  if (spec.kind === 'none') return { run: { id: '', attempt: 1 } };
  const env = ctx.profile.environment;
  // The time is publish-junit's to set; only the run's identity matters here.
  const facts = runFacts(ctx.github, env?.name, new Date(0));
  const where = env
    ? `${ctx.profile.profile?.file ?? 'profile'}: environments.${env.name}.flake`
    : 'flake';
  return {
    history: {
      spec,
      scope: {
        repository: facts.repository,
        workflow: facts.workflow,
        environment: facts.environment,
        workspace: ctx.workspace,
      },
      policy: flakePolicy(ctx.profile.settings.flake, where),
    },
    run: { id: facts.runId, attempt: facts.runAttempt },
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
