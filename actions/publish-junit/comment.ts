import { GitHubApi, splitRepository } from './github-api.js';
import { trimToBytes } from '../../shared/summary.js';

/**
 * One sticky pull-request comment per `name`: found again by a hidden marker and edited in
 * place, so reruns and pushes do not pile up comments.
 */
export const COMMENT_LIMIT = 65_536;

export function marker(name: string): string {
  return `<!-- virt-ci/publish-junit: ${name.replace(/--/g, '- -')} -->`;
}

export interface CommentTarget {
  apiUrl: string;
  token: string;
  repository: string;
  issueNumber: number;
}

export type CommentAction = 'created' | 'updated' | 'skipped';

/** What the comment says: the job summary's Markdown under a name. */
export interface CommentContent {
  name: string;
  failing: boolean;
  markdown: string;
}

export function commentBody(content: CommentContent, runUrl?: string): string {
  const head = marker(content.name);
  const tail = runUrl ? `\n[Run details](${runUrl})\n` : '';
  // A byte budget is stricter than GitHub's character limit, so it always fits.
  const room = COMMENT_LIMIT - Buffer.byteLength(head + tail) - 64;
  return `${head}\n${trimToBytes(content.markdown, room)}${tail}`;
}

export async function publishComment(
  target: CommentTarget,
  content: CommentContent,
  mode: 'always' | 'failures',
  runUrl?: string,
): Promise<{ action: CommentAction; url?: string }> {
  const api = new GitHubApi({ apiUrl: target.apiUrl, token: target.token });
  const { owner, repo } = splitRepository(target.repository);
  const tag = marker(content.name);
  let existing: { id: number; html_url: string } | undefined;
  // Pages of 100, newest pages last; stop at the first match.
  for (let page = 1; page <= 30 && !existing; page++) {
    const list = await api.request<Array<{ id: number; body?: string; html_url: string }>>(
      'GET',
      `/repos/${owner}/${repo}/issues/${target.issueNumber}/comments?per_page=100&page=${page}`,
    );
    existing = list.find((c) => c.body?.startsWith(tag));
    if (list.length < 100) break;
  }
  const failing = content.failing;
  // In `failures` mode a passing run still refreshes an earlier comment, so it never
  // keeps showing failures that are gone.
  if (mode === 'failures' && !failing && !existing) return { action: 'skipped' };
  const body = commentBody(content, runUrl);
  if (existing) {
    const c = await api.request<{ html_url: string }>(
      'PATCH',
      `/repos/${owner}/${repo}/issues/comments/${existing.id}`,
      { body },
    );
    return { action: 'updated', url: c.html_url };
  }
  const c = await api.request<{ html_url: string }>(
    'POST',
    `/repos/${owner}/${repo}/issues/${target.issueNumber}/comments`,
    { body },
  );
  return { action: 'created', url: c.html_url };
}
