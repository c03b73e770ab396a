import { fetchWithRetry, type RetryPolicy, defaultPolicy } from '../../shared/retry.js';

/**
 * The few GitHub REST calls publish-junit makes, over fetch under the suite's retry policy
 * (429 and 5xx are retried, Retry-After honoured). Kept this small on purpose: the check run
 * and the comment need four endpoints, not a whole SDK on the quick path.
 */
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

export interface GitHubApiOptions {
  apiUrl: string;
  token: string;
  policy?: RetryPolicy;
}

export class GitHubApi {
  private readonly base: string;

  constructor(private readonly opts: GitHubApiOptions) {
    this.base = opts.apiUrl.replace(/\/+$/, '');
  }

  async request<T = unknown>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await fetchWithRetry(
      `${this.base}${route}`,
      {
        method,
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${this.opts.token}`,
          'x-github-api-version': '2022-11-28',
          'user-agent': 'virt-ci-publish-junit',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      },
      this.opts.policy ?? defaultPolicy(),
    );
    const text = await res.text();
    if (!res.ok) {
      let message = text.slice(0, 300);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {
        // Not JSON: keep the text.
      }
      throw new GitHubError(res.status, method, route, message);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

/** `owner/repo` from GITHUB_REPOSITORY. */
export function splitRepository(repository: string): { owner: string; repo: string } {
  const [owner, repo] = repository.split('/');
  if (!owner || !repo)
    throw new Error(`GITHUB_REPOSITORY ${JSON.stringify(repository)} is not owner/repo`);
  return { owner, repo };
}
