import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError, quote } from '../../shared/errors.js';
import type { PromoteResult } from './promote.js';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const PREDICATE_TYPE = 'https://github.com/virt-ci/virt-ci/promotion/v1';

/** The in-toto Statement v1 that proves which digest went where, when, and from which run. */
export function promotionStatement(
  r: PromoteResult,
  env: NodeJS.ProcessEnv = process.env,
  now = new Date(),
) {
  const [algorithm, hex] = r.digest.split(':');
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  const run =
    env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${env.GITHUB_RUN_ATTEMPT ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : ''}`
      : undefined;
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: r.sourceRef.split('@')[0], digest: { [algorithm]: hex } }],
    predicateType: PREDICATE_TYPE,
    predicate: {
      source: { ref: r.source, digest: r.digest, mediaType: r.mediaType, platforms: r.platforms },
      targets: r.targets.map((t) => ({
        ref: t.target,
        pinned: t.ref,
        status: t.status,
        ...(t.previous && t.previous !== r.digest ? { previous: t.previous } : {}),
        ...(t.referrers ? { referrers: t.referrers } : {}),
      })),
      verifyOnly: r.verifyOnly,
      time: now.toISOString(),
      run: {
        repository: env.GITHUB_REPOSITORY,
        workflow: env.GITHUB_WORKFLOW,
        workflowRef: env.GITHUB_WORKFLOW_REF,
        job: env.GITHUB_JOB,
        runId: env.GITHUB_RUN_ID,
        runAttempt: env.GITHUB_RUN_ATTEMPT,
        sha: env.GITHUB_SHA,
        ref: env.GITHUB_REF,
        actor: env.GITHUB_ACTOR,
        url: run,
      },
    },
  };
}

export type PromotionStatement = ReturnType<typeof promotionStatement>;

/** Write under a temporary name and rename, so a reader never sees half a record. */
export function writeRecord(file: string, statement: PromotionStatement): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, JSON.stringify(statement, null, 2) + '\n');
    renameSync(tmp, file);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // The write's own error is the one to report.
    }
    throw err;
  }
}

/**
 * Refuse a record path that cannot be written before anything is promoted: found only after
 * the tags moved, it would fail a step whose promotion already happened.
 */
export function checkRecordPath(workspace: string, record: string): string {
  const file = path.resolve(workspace, record);
  const stat = (p: string) => statSync(p, { throwIfNoEntry: false });
  if (stat(file)?.isDirectory()) {
    throw new UserError(
      `input "record": ${quote(record)} is a folder; give the path of a file, e.g. ${record.replace(/\/+$/, '')}/promotion.intoto.json`,
    );
  }
  for (let dir = path.dirname(file); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const s = stat(dir);
    if (s?.isDirectory()) break;
    if (s) {
      throw new UserError(
        `input "record": ${quote(record)} cannot be written: ${quote(path.relative(workspace, dir) || dir)} is a file, not a folder`,
      );
    }
  }
  return file;
}
