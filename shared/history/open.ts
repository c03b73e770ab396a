import { CacheStore, type CacheClient, type CacheLister } from './cache-store.js';
import { DirectoryStore, type HistoryStore, type Retention } from './directory-store.js';
import type { HistoryRun } from './entry.js';
import { CACHE_FOLDER, type HistoryScope, type HistorySpec } from './spec.js';

export {
  CACHE_FOLDER,
  DEFAULT_ENVIRONMENT,
  branchOf,
  defaultBranchOf,
  parseHistorySpec,
  runFacts,
  type HistoryScope,
  type HistorySpec,
} from './spec.js';

export function openHistory(
  spec: HistorySpec,
  scope: HistoryScope,
  retention: Retention,
  client?: CacheClient,
  cache: { lister?: CacheLister; job?: string } = {},
): HistoryStore | undefined {
  if (spec.kind === 'none') return undefined;
  if (spec.kind === 'dir') return new DirectoryStore(spec.dir, retention);
  return new CacheStore({ ...scope, folder: CACHE_FOLDER, retention, client, ...cache });
}

/**
 * The tests that failed in the attempt before this one of the same run (every job of the
 * environment that wrote one), or undefined when the history holds no entry of that attempt.
 */
export function failedInAttempt(
  runs: readonly HistoryRun[],
  runId: string,
  attempt: number,
): Set<string> | undefined {
  const entries = runs.filter((r) => r.runId === runId && r.runAttempt === attempt);
  if (!entries.length) return undefined;
  const failed = new Set<string>();
  for (const r of entries)
    for (const [id, t] of r.tests) if (t.outcome === 'failed') failed.add(id);
  return failed;
}
