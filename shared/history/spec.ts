import path from 'node:path';
import type { GitHubContext } from '../action/github.js';
import { UserError, quote } from '../errors.js';
import type { HistoryRun } from './entry.js';

/*
 * What a step needs to know about the history before it opens it: the input's rule, the scope,
 * the run's facts. Apart from the stores so that reading options loads no zlib, crypto or cache
 * client: a step without history never pays for them.
 */
/**
 * The `history` input of publish-junit and select-tests, one rule for both: empty for none,
 * `cache` for the Actions cache, anything else a folder (relative to the workspace).
 */
export type HistorySpec = { kind: 'none' } | { kind: 'cache' } | { kind: 'dir'; dir: string };

export function parseHistorySpec(value: string, workspace: string, what: string): HistorySpec {
  const v = value.trim();
  if (v === '' || v === 'none') return { kind: 'none' };
  if (v === 'cache') return { kind: 'cache' };
  if (/[\0\n]/.test(v))
    throw new UserError(
      `${what}: ${quote(v)} is not a folder path; allowed: cache, or a folder path`,
    );
  return { kind: 'dir', dir: path.resolve(workspace, v) };
}

/** Where a run's history lives: one repository's workflow, one environment. */
export interface HistoryScope {
  repository: string;
  workflow: string;
  environment: string;
  workspace: string;
}

/** The folder, under the workspace, that the cache back end restores into and saves from. */
export const CACHE_FOLDER = '.virt-ci-history';

/** The environment name the history files a run under when the step names none. */
export const DEFAULT_ENVIRONMENT = 'default';

/** The branch a run belongs to: the pull request's head branch, else the pushed branch. */
export function branchOf(github: GitHubContext): string {
  const ev = github.event() as { pull_request?: { head?: { ref?: string } } };
  const head = ev.pull_request?.head?.ref;
  if (head) return head;
  const m = /^refs\/(?:heads|tags)\/(.+)$/.exec(github.ref);
  return m ? m[1] : github.ref;
}

/** The repository's default branch from the event; `main` when the event does not say. */
export function defaultBranchOf(github: GitHubContext): string {
  const ev = github.event() as { repository?: { default_branch?: string } };
  return ev.repository?.default_branch || 'main';
}

/** Everything about this run but its tests. */
export function runFacts(
  github: GitHubContext,
  environment: string | undefined,
  now: Date,
): Omit<HistoryRun, 'tests'> {
  return {
    repository: github.repository,
    workflow: github.workflow,
    environment: environment || DEFAULT_ENVIRONMENT,
    runId: github.runId || 'local',
    runAttempt: Number(github.runAttempt) || 1,
    sha: github.sha,
    branch: branchOf(github),
    time: now.toISOString(),
  };
}
