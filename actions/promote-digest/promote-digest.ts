import * as core from '@actions/core';
import { UserError, errorMessage, quote } from '../../shared/errors.js';
import { Inputs } from '../../shared/inputs.js';
import { loadProfileContext } from '../../shared/profile.js';
import { dockerConfigCredentials, mergeCredentials, parseCredentialsInput } from './credentials.js';
import { DIGEST } from './reference.js';
import { type PromoteOptions, type PromoteResult, PromotionError, promote } from './promote.js';
import {
  type PromotionStatement,
  checkRecordPath,
  promotionStatement,
  writeRecord,
} from './record.js';
import { report } from './report.js';

/** Turn the step's inputs (and the profile's `promote` settings) into promotion options. */
export function readOptions(
  inputs: Inputs,
  env: NodeJS.ProcessEnv = process.env,
): PromoteOptions & { record: string } {
  const ctx = loadProfileContext(inputs);
  const p = ctx.settings.promote;
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const masked = new Set<string>();
  const mask = (s: string) => {
    if (masked.has(s)) return;
    masked.add(s);
    core.setSecret(s);
  };
  const digest = inputs.string('digest');
  if (digest && !DIGEST.test(digest)) {
    throw new UserError(
      `input "digest": ${quote(digest)} is not a digest; allowed: sha256: and 64 lowercase hex digits`,
    );
  }
  const credentials = mergeCredentials(
    parseCredentialsInput(inputs.raw('credentials'), mask),
    dockerConfigCredentials(env, mask),
  );
  return {
    source: inputs.required('source', { profile: p.source }),
    digest: digest || undefined,
    targets: inputs.list('targets', { profile: p.targets }),
    credentials,
    referrers: inputs.boolean('referrers', { profile: p.referrers, default: false }),
    overwrite: inputs.boolean('overwrite', { profile: p.overwrite, default: true }),
    verifyOnly: inputs.boolean('verify-only', { default: false }),
    concurrency: inputs.integer('concurrency', { default: 4, min: 1, max: 32 }) ?? 4,
    insecure: inputs.list('insecure-registries'),
    workspace,
    env,
    mask,
    log: (line) => core.info(line),
    record: inputs.string('record'),
  };
}

export interface Outcome {
  result: PromoteResult;
  record?: { file: string; statement: PromotionStatement };
  /** Set when the step must fail although nothing broke (verify-only found a difference). */
  failure?: string;
}

/** The work without the runner: promote (or verify), then write the record when it held. */
export async function run(opts: PromoteOptions & { record: string }): Promise<Outcome> {
  const recordFile = opts.record ? checkRecordPath(opts.workspace, opts.record) : '';
  const result = await promote(opts);
  const unverified = result.targets.filter((t) => result.verifyOnly && t.status !== 'verified');
  const failure = unverified.length
    ? `verify-only: ${unverified.map((t) => `${t.target} is ${t.status === 'differs' ? `at ${t.previous}` : 'missing'}`).join(', ')}; expected ${result.digest}`
    : undefined;
  // A record is proof: only a promotion (or verification) that succeeded gets one.
  if (!opts.record || failure) return { result, failure };
  const statement = promotionStatement(result, opts.env);
  try {
    writeRecord(recordFile, statement);
  } catch (err) {
    // The tags have moved: report them (outputs, summary) along with the failure.
    throw new PromotionError(
      `input "record": ${quote(opts.record)} could not be written: ${errorMessage(err)}; the promotion itself succeeded`,
      result,
    );
  }
  return { result, record: { file: opts.record, statement } };
}

export async function main(inputs = new Inputs()): Promise<void> {
  const opts = readOptions(inputs);
  let outcome: Outcome;
  try {
    outcome = await run(opts);
  } catch (err) {
    if (err instanceof PromotionError) await report(err.result, undefined, err.message);
    throw err;
  }
  await report(outcome.result, outcome.record, outcome.failure);
  if (outcome.failure) throw new UserError(outcome.failure);
}
