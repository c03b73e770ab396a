import type { Context } from '../../shared/action/context.js';
import type { GitHubContext } from '../../shared/action/github.js';
import { UserError, quote } from '../../shared/errors.js';
import { dockerConfigPath, parseCredentialsInput } from './credentials.js';
import type { Input } from './names.gen.js';
import { DIGEST } from './reference.js';
import type { Options, RunFacts } from './types.js';

/** The step's inputs, over the profile's `promote` settings, as promotion options. */
export function options(ctx: Context<Input>): Options {
  const { inputs } = ctx;
  const p = ctx.profile.settings.promote;
  const digest = inputs.string('digest');
  if (digest && !DIGEST.test(digest)) {
    throw new UserError(
      `input "digest": ${quote(digest)} is not a digest; allowed: sha256: and 64 lowercase hex digits`,
    );
  }
  return {
    // Each password is masked as it is read, before an error on a later line is printed.
    credentials: parseCredentialsInput(inputs.raw('credentials'), onceEach(ctx.mask)),
    dockerConfig: dockerConfigPath(ctx.env),
    source: inputs.required('source', { profile: p.source }),
    digest: digest || undefined,
    targets: inputs.list('targets', { profile: p.targets }),
    referrers: inputs.boolean('referrers', { profile: p.referrers, default: false }),
    overwrite: inputs.boolean('overwrite', { profile: p.overwrite, default: true }),
    verifyOnly: inputs.boolean('verify-only', { default: false }),
    concurrency: inputs.integer('concurrency', { default: 4, min: 1, max: 32 }) ?? 4,
    insecure: inputs.list('insecure-registries'),
    workspace: ctx.workspace,
    tempDir: ctx.tempDir,
    record: inputs.string('record'),
    run: runFacts(ctx.github),
  };
}

/** A secret given twice (one password for two registries) is masked once. */
function onceEach(mask: (secret: string) => void): (secret: string) => void {
  const masked = new Set<string>();
  return (secret) => {
    if (masked.has(secret)) return;
    masked.add(secret);
    mask(secret);
  };
}

/** The run a promotion record names; a fact the runner did not give is left out. */
function runFacts(github: GitHubContext): RunFacts {
  const given = (value: string) => value || undefined;
  return {
    repository: given(github.repository),
    workflow: given(github.workflow),
    workflowRef: given(github.workflowRef),
    job: given(github.job),
    runId: given(github.runId),
    runAttempt: given(github.runAttempt),
    sha: given(github.sha),
    ref: given(github.ref),
    actor: given(github.actor),
    url: github.runUrl({ attempt: true }),
  };
}
