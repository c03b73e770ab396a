import { UserError, errorMessage, quote } from '../../shared/errors.js';
import { type Outcome, failed } from '../../shared/action/outcome.js';
import { dockerConfigCredentials, mergeCredentials } from './credentials.js';
import { PromotionError, promote } from './promote.js';
import { checkRecordPath, promotionStatement, writeRecord } from './record.js';
import { report } from './report.js';
import type { Deps, Options, PromoteResult, RecordWritten, Result, State } from './types.js';

/**
 * The work without the runner: promote (or verify), then write the record when it held.
 * Every secret met on the way (the Docker config's logins, the Basic values and tokens made
 * from them) is masked when found, and listed in the outcome as well, failed or not.
 */
export async function run(options: Options, deps: Deps): Promise<Outcome<Result, State>> {
  const secrets = new Set<string>();
  const mask = (secret: string) => {
    if (secrets.has(secret)) return;
    secrets.add(secret);
    deps.mask(secret);
  };
  try {
    const outcome = await promoteAndRecord(options, deps, mask);
    return { ...outcome, secrets: [...secrets] };
  } catch (err) {
    // A promotion that stopped part way still reports what each target looks like now.
    const partial =
      err instanceof PromotionError
        ? { ...report(err.result, undefined, err.message), result: { promotion: err.result } }
        : {};
    return failed(err, { ...partial, secrets: [...secrets] });
  }
}

async function promoteAndRecord(
  options: Options,
  deps: Deps,
  mask: (secret: string) => void,
): Promise<Outcome<Result, State>> {
  const credentials = mergeCredentials(
    options.credentials,
    dockerConfigCredentials(options.dockerConfig, mask),
  );
  const recordFile = options.record
    ? checkRecordPath(options.workspace, options.record, options.tempDir)
    : '';
  const promotion = await promote(
    { ...options, credentials },
    {
      log: deps.log,
      retry: deps.retry,
      mask,
      idleTimeoutMs: deps.idleTimeoutMs,
      settleMs: deps.settleMs,
    },
  );
  const unverified = verifyFailure(promotion);
  if (unverified) {
    return failed(new UserError(unverified), {
      ...report(promotion, undefined, unverified),
      result: { promotion },
    });
  }
  // A record is proof: only a promotion (or verification) that succeeded gets one.
  if (!options.record) return { ...report(promotion), result: { promotion } };
  const record: RecordWritten = {
    file: options.record,
    statement: promotionStatement(promotion, options.run),
  };
  try {
    writeRecord(recordFile, record.statement);
  } catch (err) {
    // The tags have moved: report them (outputs, summary) along with the failure.
    throw new PromotionError(
      `input "record": ${quote(options.record)} could not be written: ${errorMessage(err)}; the promotion itself succeeded`,
      promotion,
    );
  }
  return { ...report(promotion, record), result: { promotion, record } };
}

/** verify-only fails the step when a target does not hold the digest, naming each. */
function verifyFailure(r: PromoteResult): string | undefined {
  const unverified = r.targets.filter((t) => r.verifyOnly && t.status !== 'verified');
  if (!unverified.length) return undefined;
  const states = unverified.map(
    (t) => `${t.target} is ${t.status === 'differs' ? `at ${t.previous}` : 'missing'}`,
  );
  return `verify-only: ${states.join(', ')}; expected ${r.digest}`;
}
