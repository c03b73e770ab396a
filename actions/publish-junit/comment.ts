import { splitRepository } from '../../shared/action/github.js';
import type { GitHubClient } from '../../shared/github-client.js';
import { trimMarkdown } from './escape.js';

/**
 * One sticky pull-request comment per `name`: found again by a hidden marker and edited in
 * place, so reruns and pushes do not pile up comments.
 */
export const COMMENT_LIMIT = 65_536;
/** Pages of 100 comments read at most while looking for the earlier one. */
const MAX_PAGES = 30;

export function marker(name: string): string {
  return `<!-- virt-ci/publish-junit: ${name.replace(/--/g, '- -')} -->`;
}

export interface CommentTarget {
  repository: string;
  issueNumber: number;
}

type CommentAction = 'created' | 'updated' | 'skipped';

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
  return `${head}\n${trimMarkdown(content.markdown, room)}${tail}`;
}

interface IssueComment {
  id: number;
  body?: string;
  html_url: string;
}

/** The comment an earlier run left, oldest pages first; stops at the first match. */
async function findComment(
  client: GitHubClient,
  target: CommentTarget,
  tag: string,
): Promise<IssueComment | undefined> {
  const { owner, repo } = splitRepository(target.repository);
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await client.request<IssueComment[]>(
      'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
      { owner, repo, issue_number: target.issueNumber, per_page: 100, page },
    );
    const found = res.data.find((c) => c.body?.startsWith(tag));
    if (found) return found;
    if (!/rel="next"/.test(String(res.headers.link ?? ''))) return undefined;
  }
  return undefined;
}

export async function publishComment(
  client: GitHubClient,
  target: CommentTarget,
  content: CommentContent,
  mode: 'always' | 'failures',
  runUrl?: string,
): Promise<{ action: CommentAction; url?: string }> {
  const { owner, repo } = splitRepository(target.repository);
  const existing = await findComment(client, target, marker(content.name));
  // In `failures` mode a passing run still refreshes an earlier comment, so it never
  // keeps showing failures that are gone.
  if (mode === 'failures' && !content.failing && !existing) return { action: 'skipped' };
  const body = commentBody(content, runUrl);
  if (existing) {
    const c = await client.request<{ html_url: string }>(
      'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
      { owner, repo, comment_id: existing.id, body },
    );
    return { action: 'updated', url: c.data.html_url };
  }
  const c = await client.request<{ html_url: string }>(
    'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
    { owner, repo, issue_number: target.issueNumber, body },
  );
  return { action: 'created', url: c.data.html_url };
}
