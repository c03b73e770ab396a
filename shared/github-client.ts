import { UserError } from './errors.js';
import {
  RetryableError,
  defaultPolicy,
  isRetryableStatus,
  parseRetryAfter,
  withRetry,
  type RetryPolicy,
} from './retry.js';

/**
 * The one GitHub REST client of the suite: octokit, with the suite's retry policy wired in
 * once (429, 5xx and resets retried after 2 s/4 s/8 s ±20 %, Retry-After honoured) and GitHub's
 * rate limit treated the same way (a 403/429 with no requests left waits for the reset when it
 * is near). Loaded on first use, so a step that never calls GitHub never loads it.
 */
export interface GitHubClientOptions {
  apiUrl: string;
  token: string;
  /** Names the action in the User-Agent header. */
  userAgent: string;
  policy?: RetryPolicy;
}

export class GitHubError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly route: string,
    message: string,
  ) {
    super(`${method} ${route}: HTTP ${status}${message ? `: ${message}` : ''}`);
    this.name = 'GitHubError';
  }
}

export interface GitHubResponse<T> {
  status: number;
  headers: Record<string, string | number | undefined>;
  data: T;
}

export interface GitHubClient {
  /** `route` is octokit's form: `GET /repos/{owner}/{repo}/issues/{issue_number}/labels`. */
  request<T = unknown>(route: string, params?: Record<string, unknown>): Promise<GitHubResponse<T>>;
  /** Every page of a list endpoint, following the Link header; at most `maxPages` pages. */
  paginate<T>(route: string, params?: Record<string, unknown>, maxPages?: number): Promise<T[]>;
}

interface OctokitErrorShape {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

export async function githubClient(opts: GitHubClientOptions): Promise<GitHubClient> {
  const { Octokit } = await import('@octokit/core');
  const policy = opts.policy ?? defaultPolicy();
  const octokit = new Octokit({
    auth: opts.token,
    baseUrl: opts.apiUrl.replace(/\/+$/, ''),
    userAgent: opts.userAgent,
  });
  octokit.hook.wrap('request', (request, options) =>
    withRetry(async () => {
      try {
        return await request(options);
      } catch (err) {
        throw retryable(err as OctokitErrorShape, policy) ?? err;
      }
    }, policy),
  );
  const call = async <T>(route: string, params: Record<string, unknown> = {}) => {
    try {
      const res = await octokit.request(route, {
        headers: { 'x-github-api-version': '2022-11-28' },
        ...params,
      });
      return res as unknown as GitHubResponse<T>;
    } catch (err) {
      throw toGitHubError(route, params, err);
    }
  };
  return {
    request: call,
    async paginate<T>(route: string, params: Record<string, unknown> = {}, maxPages = 20) {
      const items: T[] = [];
      for (let page = 1; page <= maxPages; page++) {
        const res = await call<T[]>(route, { per_page: 100, ...params, page });
        if (!Array.isArray(res.data)) throw new UserError(`GitHub API: ${route}: not a list`);
        items.push(...res.data);
        if (!/rel="next"/.test(String(res.headers.link ?? ''))) break;
      }
      return items;
    },
  };
}

/** A failed answer worth another try, as the retry loop understands it; undefined if not. */
function retryable(err: OctokitErrorShape, policy: RetryPolicy): RetryableError | undefined {
  const status = err.status;
  if (typeof status !== 'number') return undefined;
  const headers = err.response?.headers ?? {};
  const retryAfter = parseRetryAfter(headers['retry-after']);
  if (isRetryableStatus(status)) return withCause(err, retryAfter);
  if ((status === 403 || status === 429) && headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(headers['x-ratelimit-reset']) * 1000 - Date.now();
    const wait = retryAfter ?? (Number.isFinite(reset) ? Math.max(0, reset) : undefined);
    // A reset further off than the policy waits for is not worth holding the job for.
    if (wait !== undefined && wait <= policy.maxRetryAfterMs) return withCause(err, wait);
  }
  return undefined;
}

function withCause(err: OctokitErrorShape, retryAfterMs: number | undefined): RetryableError {
  const e = new RetryableError(err.message ?? `HTTP ${err.status}`, retryAfterMs);
  (e as { cause?: unknown }).cause = err;
  return e;
}

/** The error names the path asked for (`/repos/o/r/check-runs`), not the route's template. */
function toGitHubError(route: string, params: Record<string, unknown>, err: unknown): unknown {
  const source = (err instanceof RetryableError ? (err as { cause?: unknown }).cause : err) as
    OctokitErrorShape | undefined;
  if (typeof source?.status !== 'number') return err;
  const [method, template] = route.includes(' ') ? route.split(' ', 2) : ['GET', route];
  const path = template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    params[name] === undefined ? whole : encodeURIComponent(String(params[name])),
  );
  const data = source.response?.data as { message?: unknown } | string | undefined;
  const message =
    typeof data === 'object' && data && typeof data.message === 'string'
      ? data.message
      : typeof data === 'string'
        ? data.slice(0, 300)
        : '';
  return new GitHubError(source.status, method, path, message);
}
