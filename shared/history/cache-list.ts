import { splitRepository } from '../action/github.js';
import type { GitHubClient } from '../github-client.js';
import type { CacheLister } from './cache-store.js';

/**
 * The repository's cache keys that start with a prefix, newest first, from the REST API
 * (`GET /repos/{owner}/{repo}/actions/caches`, which needs `actions: read`). The cache service
 * itself can only restore by key or prefix, one entry at a time.
 */
export function cacheLister(client: () => Promise<GitHubClient>, repository: string): CacheLister {
  return async (prefix) => {
    const { owner, repo } = splitRepository(repository);
    const pages = await (
      await client()
    ).request<{ actions_caches?: Array<{ key?: string; created_at?: string }> }>(
      'GET /repos/{owner}/{repo}/actions/caches',
      { owner, repo, key: prefix, sort: 'created_at', direction: 'desc', per_page: 100 },
    );
    return (pages.data.actions_caches ?? [])
      .filter((c): c is { key: string; created_at?: string } => typeof c.key === 'string')
      .sort((a, b) => Date.parse(b.created_at ?? '') - Date.parse(a.created_at ?? ''))
      .map((c) => c.key);
  };
}
