import { githubClient, type GitHubClient } from '../../shared/github-client.js';
import type { Deps, Options } from './types.js';

/**
 * The GitHub client for the check run and the comment: made on first use (a run that
 * publishes neither never loads octokit) and shared by both.
 */
export function lazyClient(o: Options, deps: Deps): () => Promise<GitHubClient> {
  let client: Promise<GitHubClient> | undefined;
  return () =>
    (client ??= githubClient({
      apiUrl: o.github.apiUrl,
      token: o.token,
      userAgent: 'virt-ci-publish-junit',
      policy: deps.retry,
    }));
}
