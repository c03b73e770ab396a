import { statSync } from 'node:fs';
import path from 'node:path';
import { UserError, quote } from '../../shared/errors.js';
import { writeFileAtomic } from '../../shared/files.js';
import { confinePath } from './paths.js';
import type { PromoteResult, PromotionStatement, RunFacts } from './types.js';

const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
const PREDICATE_TYPE = 'https://github.com/virt-ci/virt-ci/promotion/v1';

/** The in-toto Statement v1 that proves which digest went where, when, and from which run. */
export function promotionStatement(
  r: PromoteResult,
  run: RunFacts,
  now = new Date(),
): PromotionStatement {
  const [algorithm, hex] = r.digest.split(':');
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
        ...(t.holds && t.holds !== r.digest ? { holds: t.holds } : {}),
        ...(t.referrers ? { referrers: t.referrers } : {}),
      })),
      verifyOnly: r.verifyOnly,
      time: now.toISOString(),
      run: {
        repository: run.repository,
        workflow: run.workflow,
        workflowRef: run.workflowRef,
        job: run.job,
        runId: run.runId,
        runAttempt: run.runAttempt,
        sha: run.sha,
        ref: run.ref,
        actor: run.actor,
        url: run.url,
      },
    },
  };
}

/** Written whole or not at all: a reader never sees half a record. */
export function writeRecord(file: string, statement: PromotionStatement): void {
  writeFileAtomic(file, JSON.stringify(statement, null, 2) + '\n');
}

/**
 * Refuse a record path that cannot be written before anything is promoted: found only after
 * the tags moved, it would fail a step whose promotion already happened.
 */
export function checkRecordPath(workspace: string, record: string, tempDir?: string): string {
  const file = confinePath('input "record"', record, workspace, tempDir);
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
