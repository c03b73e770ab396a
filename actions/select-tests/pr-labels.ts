import { splitRepository } from '../../shared/action/github.js';
import { UserError, errorMessage } from '../../shared/errors.js';
import { GitHubError, githubClient } from '../../shared/github-client.js';
import { isRetryableStatus, type RetryPolicy } from '../../shared/retry.js';

/**
 * Pull-request labels that steer the selection: `virt-ci/focus:<label>` narrows to specs
 * with that label, `virt-ci/skip:<label>` leaves them out.
 */
const FOCUS_PREFIX = 'virt-ci/focus:';
const SKIP_PREFIX = 'virt-ci/skip:';
const LABELS_ROUTE = 'GET /repos/{owner}/{repo}/issues/{issue_number}/labels';
/** Answers that mean "this token may not read them", not "GitHub is down". */
const DENIED = new Set([401, 403, 404]);

export interface PrLabels {
  names: string[];
  source: 'input' | 'api' | 'event' | 'none';
}

/** The pull request of the triggering event, as the payload had it when the run started. */
export interface EventPullRequest {
  number?: number;
  labels: string[];
}

/** Where the labels may come from: the input, the live API, or the event's copy. */
export interface PrLabelSource {
  /** The pr-labels input; used as given when not empty. */
  given: string[];
  /** Reads the labels live; without one the event's copy is used. */
  token?: string;
  apiUrl: string;
  /** `owner/repo` of the run. */
  repository: string;
  pullRequest?: EventPullRequest;
}

export interface PrLabelsRead {
  labels: PrLabels;
  warnings: string[];
}

/** The pull request in an event payload; undefined when the event is not about one. */
export function eventPullRequest(event: Record<string, unknown>): EventPullRequest | undefined {
  const pr = event.pull_request as { number?: unknown; labels?: unknown } | undefined;
  if (!pr || typeof pr !== 'object') return undefined;
  const labels = (Array.isArray(pr.labels) ? (pr.labels as Array<{ name?: unknown }>) : [])
    .map((l) => l?.name)
    .filter((n): n is string => typeof n === 'string' && n !== '');
  const number = [pr.number, event.number].find((n): n is number => typeof n === 'number');
  return { ...(number !== undefined ? { number } : {}), labels };
}

/**
 * The event's copy of the labels is frozen when the run starts, so a label added to re-run a
 * job would be missed; with a token the labels are read live from the REST API. A token that
 * may not read them (401/403/404) falls back to the event's copy with a warning.
 */
export async function resolvePrLabels(
  source: PrLabelSource,
  retry: RetryPolicy,
): Promise<PrLabelsRead> {
  if (source.given.length > 0)
    return { labels: { names: source.given, source: 'input' }, warnings: [] };
  const pr = source.pullRequest;
  if (!pr) return { labels: { names: [], source: 'none' }, warnings: [] };
  const fromEvent: PrLabels = { names: pr.labels, source: 'event' };
  if (!source.token || !source.repository || !pr.number) return { labels: fromEvent, warnings: [] };
  const where = `${source.repository}#${pr.number}`;
  const { owner, repo } = splitRepository(source.repository);
  try {
    const names = await readLive({ ...source, owner, repo }, source.token, pr.number, retry);
    return { labels: { names, source: 'api' }, warnings: [] };
  } catch (err) {
    if (!(err instanceof GitHubError) || !DENIED.has(err.status))
      throw labelsError(source.repository, pr.number, err);
    const warning = `the token may not read the labels of ${where} (HTTP ${err.status}); using the labels in the event payload, which are those at the start of the run`;
    return { labels: fromEvent, warnings: [warning] };
  }
}

async function readLive(
  { apiUrl, owner, repo }: { apiUrl: string; owner: string; repo: string },
  token: string,
  number: number,
  retry: RetryPolicy,
): Promise<string[]> {
  const client = await githubClient({
    apiUrl,
    token,
    userAgent: 'virt-ci-select-tests',
    policy: retry,
  });
  const labels = await client.paginate<{ name?: unknown }>(LABELS_ROUTE, {
    owner,
    repo,
    issue_number: number,
  });
  return labels.map((l) => l?.name).filter((n): n is string => typeof n === 'string');
}

function labelsError(repository: string, number: number, err: unknown): Error {
  if (err instanceof UserError) return err;
  if (err instanceof GitHubError && !isRetryableStatus(err.status)) {
    return new UserError(
      `GitHub API: GET /repos/${repository}/issues/${number}/labels answered HTTP ${err.status}`,
      { cause: err },
    );
  }
  // The client retried already: say so, and why the last attempt failed.
  const why =
    err instanceof GitHubError
      ? err.message.slice(`${err.method} ${err.route}: `.length)
      : errorMessage(err);
  return new UserError(
    `GitHub API: reading the labels of ${repository}#${number} failed after retries: ${why}`,
    {
      cause: err,
    },
  );
}

/** The labels that PR labels focus on and skip, by their prefixes (case-insensitive). */
export function steeringLabels(names: readonly string[]): { focus: string[]; skip: string[] } {
  const focus: string[] = [];
  const skip: string[] = [];
  for (const n of names) {
    const lower = n.toLowerCase();
    if (lower.startsWith(FOCUS_PREFIX)) focus.push(n.slice(FOCUS_PREFIX.length).trim());
    else if (lower.startsWith(SKIP_PREFIX)) skip.push(n.slice(SKIP_PREFIX.length).trim());
  }
  return { focus, skip };
}
